"""Assessment reports: a CSV table and a self-contained HTML page with SVG charts (no plotting library)."""
from __future__ import annotations

import csv
import html
import math
import os
import time

from .assess import Assessment
from .version import plugin_version

# Direction of "better" for each metric, shown in the table header.
BETTER = {"SAM": "lower", "ERGAS": "lower", "Q": "higher", "Q2n": "higher", "SCC": "higher", "PSNR": "higher",
          "SSIM": "higher", "D_lambda": "lower", "D_S": "lower", "QNR": "higher", "D_lambda_K": "lower",
          "HQNR": "higher"}
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf"]


def write_csv(path: str, results: dict[str, Assessment]) -> None:
    keys = _metric_keys(results)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["method"] + keys)
        for name, a in results.items():
            writer.writerow([name] + [_fmt(a.metrics.get(k)) for k in keys])


def _metric_keys(results: dict[str, Assessment]) -> list[str]:
    keys: list[str] = []
    for a in results.values():
        keys += [k for k in a.metrics if k not in keys]
    return keys


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    return f"{v:.4f}" if abs(v) < 1000 else f"{v:.1f}"


def _bar_chart(title: str, values: dict[str, float], width=420, bar_h=18) -> str:
    items = [(k, v) for k, v in values.items() if v is not None and math.isfinite(v)]
    if not items:
        return ""
    vmax = max(abs(v) for _, v in items) or 1.0
    label_w, height = 150, bar_h * len(items) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">',
             f'<text x="0" y="14" font-size="13" font-weight="bold">{html.escape(title)}</text>']
    for i, (k, v) in enumerate(items):
        y = 22 + i * bar_h
        w = (width - label_w - 70) * abs(v) / vmax
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{html.escape(k)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{bar_h - 5}" '
                     f'fill="{COLOURS[i % len(COLOURS)]}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" font-size="11">{_fmt(v)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _line_chart(title: str, series: dict[str, list[float]], width=460, height=220) -> str:
    series = {k: v for k, v in series.items() if v}
    if not series:
        return ""
    allv = [x for v in series.values() for x in v]
    lo, hi = min(allv), max(allv)
    hi = hi if hi > lo else lo + 1
    n = max(len(v) for v in series.values())
    pad_l, pad_b, pad_t = 50, 25, 22
    sx = lambda i: pad_l + (width - pad_l - 110) * (i / max(n - 1, 1))
    sy = lambda v: pad_t + (height - pad_t - pad_b) * (1 - (v - lo) / (hi - lo))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">',
             f'<text x="0" y="14" font-size="13" font-weight="bold">{html.escape(title)}</text>',
             f'<line x1="{pad_l}" y1="{height - pad_b}" x2="{width - 110}" y2="{height - pad_b}" stroke="#888"/>',
             f'<text x="{pad_l}" y="{height - 8}" font-size="11">band 1</text>',
             f'<text x="{width - 150}" y="{height - 8}" font-size="11">band {n}</text>',
             f'<text x="0" y="{sy(hi) + 4:.0f}" font-size="11">{_fmt(hi)}</text>',
             f'<text x="0" y="{sy(lo) + 4:.0f}" font-size="11">{_fmt(lo)}</text>']
    for i, (name, vals) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        pts = " ".join(f"{sx(j):.1f},{sy(v):.1f}" for j, v in enumerate(vals))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{pts}"/>')
        parts.append(f'<text x="{width - 105}" y="{pad_t + 14 * i + 10}" font-size="11" fill="{colour}">'
                     f'{html.escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def write_html(path: str, title: str, results: dict[str, Assessment], inputs: dict[str, str]) -> None:
    keys = _metric_keys(results)
    first = next(iter(results.values()))
    mode = ("Reduced resolution (Wald protocol, against a reference)" if first.mode == "reduced"
            else "Full resolution (no reference: QNR family)")
    rows = "".join(
        "<tr><td>" + html.escape(name) + "</td>" + "".join(f"<td>{_fmt(a.metrics.get(k))}</td>" for k in keys)
        + "</tr>" for name, a in results.items())
    head = "".join(f"<th>{html.escape(k)}<br><small>{BETTER.get(k, '')} is better</small></th>" for k in keys)
    charts = "".join(_bar_chart(k, {n: a.metrics.get(k) for n, a in results.items()}) for k in keys)
    profile_charts = ""
    for i, prof in enumerate(first.profiles):
        series = {("reference" if first.mode == "reduced" else "MS (interpolated)"): prof["reference"]}
        for name, a in results.items():
            if i < len(a.profiles):
                series[name] = a.profiles[i]["fused"]
        profile_charts += _line_chart(f"Spectrum at pixel (row {prof['pixel'][0]}, col {prof['pixel'][1]})", series)
    per_band = ""
    if len(results) == 1 and first.per_band:
        for metric, vals in first.per_band.items():
            names = [first.band_names[i] if i < len(first.band_names) and first.band_names[i] else f"band {i + 1}"
                     for i in range(len(vals))]
            per_band += _bar_chart(f"{metric} per band", dict(zip(names, vals)))
    notes = sorted({n for a in results.values() for n in a.notes})
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:1.5em;max-width:70em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #bbb;padding:3px 8px;text-align:right}}td:first-child{{text-align:left}}
.charts svg{{margin:0 1.5em 1em 0;vertical-align:top}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(mode)}. Ratio {first.ratio}. Deep Pansharpen {html.escape(plugin_version())},
{time.strftime('%Y-%m-%d %H:%M')}.</p>
<ul>{''.join(f'<li>{html.escape(k)}: {html.escape(v)}</li>' for k, v in inputs.items())}</ul>
<table><tr><th>method</th>{head}</tr>{rows}</table>
{('<p>Notes: ' + html.escape('; '.join(notes)) + '</p>') if notes else ''}
<h2>Metrics</h2><div class="charts">{charts}</div>
{('<h2>Per band</h2><div class="charts">' + per_band + '</div>') if per_band else ''}
<h2>Spectral profiles</h2><div class="charts">{profile_charts}</div>
</body></html>"""
    tmp = path + ".part"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(page)
    os.replace(tmp, path)
