"""The dock's side of the input doctor (core/doctor.py): what only QGIS knows, and the findings as HTML:
the full list and the one-line verdict shown above Run."""
from __future__ import annotations

import html

from ..core.doctor import DoctorReport, Finding
from .i18n import tr, tr_marked

LEVEL_STYLE = {"ok": ("✔", "#2e7d32"), "info": ("ℹ", "#1565c0"), "warning": ("⚠", "#e65100"),
               "error": ("✖", "#c62828")}


def add_provider_problems(report: DoctorReport, providers: list[tuple[str, str, str]]) -> DoctorReport:
    """Layers from web services or databases cannot be read by the engine (GDAL files only).
    ``providers``: (role, provider key, layer name) of the chosen layers."""
    for role, provider, name in providers:
        if provider != "gdal":
            report.findings.insert(0, Finding(
                "input", "error", tr("The {0} layer '{1}' comes from the '{2}' data provider; Deep Pansharpen "
                                     "reads raster files only.").format(role, name, provider),
                tr("Save it as a GeoTIFF first (right-click > Export > Save As…) and choose that layer.")))
    return report


def add_output_problem(report: DoctorReport, problem: str | None) -> DoctorReport:
    """The algorithm's verdict on the output path (see FusionAlgorithmBase.output_problem), as a finding."""
    if problem:
        report.findings.append(Finding("output", "error", problem))
    return report


def _counts(report: DoctorReport) -> tuple[int, int]:
    return (sum(f.level == "error" for f in report.findings), sum(f.level == "warning" for f in report.findings))


def report_html(report: DoctorReport | None, hr_role: str, lr_role: str) -> str:
    if report is None:
        return "<p>" + html.escape(tr("Choose the {0} and {1} layers (add them to the project first).").format(
            hr_role, lr_role)) + "</p>"
    errors, _warnings = _counts(report)
    head = ("<p><b>" + html.escape(tr("Ready to run.")) + "</b></p>" if not errors else
            "<p><b style='color:#c62828'>" + html.escape(tr("{0} problem(s) to fix before running.").format(errors))
            + "</b></p>")
    rows = []
    for finding in report.findings:
        icon, colour = LEVEL_STYLE[finding.level]
        fix = f"<br><i>{html.escape(tr('Fix:'))}</i> {html.escape(tr_marked(finding.fix))}" if finding.fix else ""
        rows.append(f"<p style='margin:2px 0'><span style='color:{colour}'>{icon}</span> "
                    f"{html.escape(tr_marked(finding.message))}{fix}</p>")
    return head + "".join(rows)


def headline(text: str, limit: int = 60) -> str:
    """The start of a finding for the one-line verdict: up to its first colon or full stop when that is
    short, else the first words within ``limit`` characters and an ellipsis (Details has the rest)."""
    for sep in (": ", ". ", "; "):
        head = text.split(sep)[0]
        if len(head) <= limit and head != text:
            return head.rstrip(".") + ("…" if sep != ". " else "")
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def verdict_html(report: DoctorReport | None, hr_role: str, lr_role: str) -> tuple[str, str]:
    """(one line of rich text, tooltip): the first error if any, else "Ready to run" with the warnings count
    and the time estimate."""
    if report is None:
        text = tr("Choose the {0} and {1} layers.").format(hr_role, lr_role)
        return f"<span style='color:#555'>{html.escape(text)}</span>", text
    errors, warnings = _counts(report)
    if errors:
        first = next(f for f in report.findings if f.level == "error")
        more = tr(" (+{0} more)").format(errors - 1) if errors > 1 else ""
        full = tr_marked(first.message)
        text = headline(full)
        icon, colour = LEVEL_STYLE["error"]
        tip = full + (" " + tr_marked(first.fix) if first.fix else "")
        return f"<b style='color:{colour}'>{icon} {html.escape(text)}{html.escape(more)}</b>", tip
    text = tr("Ready to run.")
    if report.estimated_seconds is not None:
        from ..core.doctor import _fmt_seconds
        text = tr("Ready to run ({0}).").format(_fmt_seconds(report.estimated_seconds))
    if warnings:
        first = next(f for f in report.findings if f.level == "warning")
        icon, colour = LEVEL_STYLE["warning"]
        full = tr("{0} warning(s): {1}").format(warnings, tr_marked(first.message))
        note = tr("{0} warning(s)").format(warnings)
        return (f"<b style='color:#2e7d32'>{html.escape(text)}</b> "
                f"<span style='color:{colour}'>{icon} {html.escape(note)}</span>", text + " " + full)
    icon, colour = LEVEL_STYLE["ok"]
    return f"<b style='color:{colour}'>{icon} {html.escape(text)}</b>", text
