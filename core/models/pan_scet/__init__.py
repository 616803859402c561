"""PanScet, PanAdapter v2: cascaded adapters into SCET, a frozen pre-trained restoration transformer."""
from .config import PanScetConfig
from .model import FROZEN_PARTS, PanScet

__all__ = ["PanScetConfig", "PanScet", "FROZEN_PARTS"]
