"""SciPy is needed by every fusion method (filters, least squares), but not every QGIS ships it (Debian's
qgis package does not depend on python3-scipy): say so in a sentence instead of a traceback."""
from __future__ import annotations

import functools

from .errors import MissingDependency
from .i18n import N_

SCIPY_REASON = N_("Deep Pansharpen needs the Python package SciPy, which QGIS's Python cannot import.")
SCIPY_INSTALL = N_("Install it for the Python that QGIS uses: on Debian / Ubuntu 'sudo apt install python3-scipy'; "
                   "with conda 'conda install scipy' (the Windows and macOS installers of QGIS include it), then "
                   "restart QGIS.")
SCIPY_MISSING = f"{SCIPY_REASON} {SCIPY_INSTALL}"


@functools.lru_cache(maxsize=1)
def scipy_problem() -> str:
    """"" when the SciPy modules the methods use import, else the message for the user."""
    try:
        import scipy.linalg  # noqa: F401
        import scipy.ndimage  # noqa: F401
        import scipy.optimize  # noqa: F401
    except ImportError:
        return SCIPY_MISSING
    return ""


def require_scipy() -> None:
    problem = scipy_problem()
    if problem:
        raise MissingDependency(problem)
