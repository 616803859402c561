"""Exceptions the engine raises; their messages are written for the analyst, not the programmer."""


class InputError(ValueError):
    """The inputs cannot be fused as given (missing file, no overlap, bad band choice ...)."""


class Cancelled(RuntimeError):
    """The user cancelled the run; nothing was written."""


class MissingDependency(RuntimeError):
    """An optional package (torch, timm) needed by the chosen method is not installed."""
