"""The dock's choices, remembered across QGIS sessions in QgsSettings under "deep_pansharpen/"."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from qgis.core import QgsSettings

from ..core.methods.base import DEFAULT_ADAPT_SECONDS

PREFIX = "deep_pansharpen/"


@dataclass
class DockSettings:
    task: str = "pansharpen"
    method_pansharpen: str = "auto"
    method_hsms: str = "mtf_glp_hs"
    sensor: str = "generic"
    device: str = "auto"
    adapt: bool = False
    adapt_seconds: int = DEFAULT_ADAPT_SECONDS
    tile_size: int = 1024
    overlap: int = 32
    output_type: int = 0                 # index into processing_provider.base.OUTPUT_TYPES
    cog: bool = False
    compression: int = 0                 # index into processing_provider.base.COMPRESSION_CHOICES
    last_output_folder: str = ""
    advanced_collapsed: bool = True

    @classmethod
    def load(cls) -> DockSettings:
        s = QgsSettings()
        values = {}
        for f in fields(cls):
            default = f.default
            raw = s.value(PREFIX + f.name, default)
            values[f.name] = _convert(raw, default)
        return cls(**values)

    def save(self) -> None:
        s = QgsSettings()
        for name, value in asdict(self).items():
            s.setValue(PREFIX + name, value)
        s.sync()


def _convert(raw, default):
    """QSettings returns strings from ini files; coerce to the type of the default."""
    if raw is None:
        return default
    try:
        if isinstance(default, bool):
            return raw if isinstance(raw, bool) else str(raw).lower() in ("true", "1", "yes")
        if isinstance(default, int):
            return int(raw)
        return str(raw)
    except (TypeError, ValueError):
        return default


DOCK_OPEN_KEY = PREFIX + "dock_open"


def remember_dock_open(visible: bool) -> None:
    """Kept up to date while the dock shows or hides, so that QGIS reopens it after a restart."""
    QgsSettings().setValue(DOCK_OPEN_KEY, bool(visible))


def dock_was_open() -> bool:
    return _convert(QgsSettings().value(DOCK_OPEN_KEY, False), False)
