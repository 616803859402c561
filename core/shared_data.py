"""Where the project's shared imagery and documents are: ``../shared`` beside the plugin folder, or the
folder named by the environment variable DEEP_PANSHARPEN_SHARED (for a checkout elsewhere)."""
from __future__ import annotations

import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.abspath(os.environ.get("DEEP_PANSHARPEN_SHARED", os.path.join(os.path.dirname(REPO), "shared")))
DATA = os.path.join(SHARED, "data")
