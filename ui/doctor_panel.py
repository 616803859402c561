"""The dock's side of the input doctor (core/doctor.py): what only QGIS knows, and the findings as HTML."""
from __future__ import annotations

import html
from typing import Optional

from ..core.doctor import DoctorReport, Finding

LEVEL_STYLE = {"ok": ("✔", "#2e7d32"), "info": ("ℹ", "#1565c0"), "warning": ("⚠", "#e65100"),
               "error": ("✖", "#c62828")}


def add_provider_problems(report: DoctorReport, providers: list[tuple[str, str, str]]) -> DoctorReport:
    """Layers from web services or databases cannot be read by the engine (GDAL files only).
    ``providers``: (role, provider key, layer name) of the chosen layers."""
    for role, provider, name in providers:
        if provider != "gdal":
            report.findings.insert(0, Finding(
                "input", "error", f"The {role} layer '{name}' comes from the '{provider}' data provider; "
                "Deep Pansharpen reads raster files only.",
                "Save it as a GeoTIFF first (right-click > Export > Save As…) and choose that layer."))
    return report


def report_html(report: Optional[DoctorReport], hr_role: str, lr_role: str) -> str:
    if report is None:
        return f"<p>Choose the {hr_role} and {lr_role} layers (add them to the project first).</p>"
    errors = sum(f.level == "error" for f in report.findings)
    head = ("<p><b>Ready to run.</b></p>" if not errors else
            f"<p><b style='color:#c62828'>{errors} problem(s) to fix before running.</b></p>")
    rows = []
    for finding in report.findings:
        icon, colour = LEVEL_STYLE[finding.level]
        fix = f"<br><i>Fix:</i> {html.escape(finding.fix)}" if finding.fix else ""
        rows.append(f"<p style='margin:2px 0'><span style='color:{colour}'>{icon}</span> "
                    f"{html.escape(finding.message)}{fix}</p>")
    return head + "".join(rows)
