"""The local report as one self-contained HTML file: inline SVG charts, no script, no network.

``render_report(data)`` is pure: ``data`` is the JSON-serialisable dict ``report.collect_report``
builds (its keys are described there). Each analysis gets the chart ``charts.json`` gives it, the
same file the Databricks dashboard is generated from: bars (optionally coloured, side by side per
x value) or a table.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from pathlib import Path

CHARTS_FILE = Path(__file__).with_name("charts.json")

#: Colours of the bars' colour values, in order of first appearance (colour-blind safe).
PALETTE = (
    "#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb",
    "#332288", "#117733", "#882255", "#44aa99", "#999933", "#cc6677",
)  # fmt: skip
#: How a count with no source shows (an en dash).
NO_VALUE = "\u2013"
#: Rows a table widget shows; the rest are counted below it.
TABLE_ROWS = 12

WIDTH, HEIGHT = 560, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 16, 72


def load_charts() -> dict:
    """``charts.json``: ``{"ageGroupOrder": [...], "charts": [...]}``."""
    return json.loads(CHARTS_FILE.read_text(encoding="utf-8"))


def sort_rows(rows: list[dict], order_by: Sequence[str], age_order: Sequence[str]) -> list[dict]:
    """``rows`` sorted by terms such as ``"follower_count DESC"``; age groups youngest first,
    nulls last."""
    out = list(rows)
    for term in reversed(order_by):
        column, _, direction = term.partition(" ")
        desc = direction.upper() == "DESC"

        def key(row: dict, column: str = column, desc: bool = desc) -> tuple:
            value = row.get(column)
            if column == "age_group" and value in age_order:
                value = list(age_order).index(value)
            # Nulls sort last whichever the direction.
            return (value is None) != desc, value if value is not None else 0

        out.sort(key=key, reverse=desc)
    return out


def chart_rows(chart: dict, rows: list[dict], age_order: Sequence[str]) -> list[dict]:
    """The rows a chart draws: the table's own, or one per x value with the count of distinct
    ``countDistinct`` values (as the dashboard's query computes it)."""
    if chart.get("countDistinct"):
        seen: dict = {}
        for row in rows:
            seen.setdefault(row[chart["x"]], set()).add(row[chart["countDistinct"]])
        rows = [{chart["x"]: x, chart["y"]: len(values)} for x, values in seen.items()]
    return sort_rows(rows, chart["orderBy"], age_order)


def compact(value: float) -> str:
    """``1234567`` -> ``1.2M``, ``45000`` -> ``45k``, ``437`` -> ``437``."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(value) >= size:
            text = f"{value / size:.1f}".removesuffix(".0")
            return f"{text}{suffix}"
    return f"{value:g}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    step = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * step:
            return m * step
    return 10 * step


def _esc(value: object, none: str = "NULL") -> str:
    return html.escape(none if value is None else str(value))


def bar_svg(chart: dict, rows: list[dict]) -> str:
    """An SVG bar chart: one group per x value, one bar per row in it, coloured by ``color``."""
    x, y, color = chart["x"], chart["y"], chart.get("color")
    groups: dict = {}
    for row in rows:
        groups.setdefault(row[x], []).append(row)
    colours = {}
    for row in rows:
        colours.setdefault(row.get(color) if color else None, PALETTE[len(colours) % len(PALETTE)])
    top = _nice_max(max([r[y] or 0 for r in rows], default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">'
    ]
    for i in range(5):
        value = top * i / 4
        ty = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" y1="{ty:.1f}" x2="{WIDTH - RIGHT}" y2="{ty:.1f}" '
            f'stroke="#ddd"/><text x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">'
            f"{compact(value)}</text>"
        )
    slot = plot_w / max(len(groups), 1)
    rotate = len(groups) > 6
    for gi, (gx, members) in enumerate(groups.items()):
        bar_w = slot * 0.8 / len(members)
        for bi, row in enumerate(members):
            value = row[y] or 0
            bh = plot_h * value / top
            bx = LEFT + gi * slot + slot * 0.1 + bi * bar_w
            fill = colours[row.get(color) if color else None]
            label = f"{gx}" + (f", {row.get(color)}" if color else "") + f": {value:,}"
            parts.append(
                f'<rect x="{bx:.1f}" y="{TOP + plot_h - bh:.1f}" width="{bar_w * 0.95:.1f}" '
                f'height="{bh:.1f}" fill="{fill}"><title>{_esc(label)}</title></rect>'
            )
        cx, ly = LEFT + gi * slot + slot / 2, TOP + plot_h + 14
        anchor = f'text-anchor="end" transform="rotate(-35 {cx:.1f} {ly:.1f})"' if rotate else (
            'text-anchor="middle"')  # fmt: skip
        parts.append(f'<text x="{cx:.1f}" y="{ly:.1f}" {anchor}>{_esc(gx)}</text>')
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 4}" text-anchor="middle" '
        f'class="axis">{_esc(x)}</text>'
        f'<text x="12" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" class="axis" '
        f'transform="rotate(-90 12 {TOP + plot_h / 2:.1f})">{_esc(y)}</text></svg>'
    )
    legend = ""
    if color:
        legend = '<div class="legend">' + "".join(
            f'<span><i style="background:{c}"></i>{_esc(v)}</span>' for v, c in colours.items()
        ) + "</div>"  # fmt: skip
    return "".join(parts) + legend


def table_html(
    columns: Sequence[str], rows: list[dict], limit: int | None = None, none: str = "NULL"
) -> str:
    """An HTML table of the first ``limit`` rows (default ``TABLE_ROWS``), numbers
    right-aligned, None shown as ``none``."""
    limit = TABLE_ROWS if limit is None else limit
    head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
    body = []
    for row in rows[:limit]:
        cells = []
        for c in columns:
            value = row.get(c)
            if isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(f'<td class="num">{value:,}</td>')
            else:
                cells.append(f"<td>{_esc(value, none)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = f'<p class="more">… {len(rows) - limit} more rows</p>' if len(rows) > limit else ""
    return f'<table class="plot"><tr>{head}</tr>{"".join(body)}</table>{more}'


def chart_html(chart: dict, analysis: dict, age_order: Sequence[str]) -> str:
    """One analysis' figure: its title, question and chart (or a note when it has no rows)."""
    rows = [dict(zip(analysis["columns"], r, strict=True)) for r in analysis["rows"]]
    drawn = chart_rows(chart, rows, age_order)
    if not drawn:
        body = '<p class="empty">no rows</p>'
    elif chart["kind"] == "table":
        body = table_html(chart["columns"], drawn)
    else:
        body = bar_svg(chart, drawn)
    return (
        f'<figure class="chart" data-chart="{_esc(chart["suffix"])}" data-kind="{chart["kind"]}">'
        f"<figcaption><b>Task {_esc(analysis['task'])}: {_esc(chart['title'])}</b>"
        f"<br><small>{_esc(analysis['question'])} ({len(rows)} rows in "
        f"{_esc(analysis['table'])})</small></figcaption>{body}</figure>"
    )


PATH_COLUMNS = {
    "batch": ("table", "sent", "landed", "malformed", "deduplicated", "cleaned"),
    "stream": ("table", "sent", "read", "malformed", "deduplicated", "written", "rows_in_table"),
}
PATH_NOTES = {
    "batch": "sent: rows the emulator posted this run; landed: records in the raw bucket (all "
    "runs); deduplicated: landed records dropped as re-sends or other versions of a key; "
    "cleaned: rows in the cleaned table.",
    "stream": "sent: rows the emulator put this run; read, malformed, deduplicated, written: what "
    "this run of the streaming job did; rows_in_table: all runs. A dash: no source for it (no "
    "emulator report, raw folder or streaming job output given).",
}

STYLE = """
body{font:14px system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
.grid{display:flex;flex-wrap:wrap;gap:20px}
figure{margin:0;padding:12px;border:1px solid #ddd;border-radius:6px;width:566px}
figcaption{margin-bottom:8px} svg text{font-size:11px;fill:#444} svg .axis{font-size:12px}
table{border-collapse:collapse;font-size:12px} td,th{padding:3px 8px;border-bottom:1px solid #eee}
th{text-align:left;background:#f4f4f4} td.num{text-align:right;font-variant-numeric:tabular-nums}
.legend span{margin-right:10px;font-size:12px;white-space:nowrap}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
.more,.note,.empty{color:#666;font-size:12px}
"""


def render_report(data: dict, charts: dict | None = None) -> str:
    """The whole report page for ``data`` (see ``report.collect_report``)."""
    charts = charts or load_charts()
    by_suffix = {a["suffix"]: a for a in data["analyses"]}
    age_order = charts["ageGroupOrder"]
    figures = [
        chart_html(c, by_suffix[c["suffix"]], age_order)
        for c in charts["charts"]
        if c["suffix"] in by_suffix
    ]
    missing = [c["suffix"] for c in charts["charts"] if c["suffix"] not in by_suffix]
    paths = []
    for path, rows in data["paths"].items():
        paths.append(
            f"<h3>{_esc(path)} path</h3>{table_html(PATH_COLUMNS[path], rows, none=NO_VALUE)}"
            f'<p class="note">{_esc(PATH_NOTES[path])}</p>'
        )
    tables = table_html(
        ("path", "table", "rows", "last_updated"), data["tables"], limit=1000, none=NO_VALUE
    )
    ran = data.get("emulator", {})
    ran_line = (
        f" The emulator sent {ran['events']:,} events per table in {ran['elapsed_seconds']} s."
        if ran.get("events") is not None
        else ""
    )
    missing_line = (
        f'<p class="note">Not written yet: {_esc(", ".join(missing))}</p>' if missing else ""
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Pinterest pipeline report ({_esc(data['prefix'])})</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>Pinterest pipeline: the nine analyses ({_esc(data['prefix'])})</h1>"
        f'<p class="note">Report written {_esc(data["generated_at"])} from the Delta tables under '
        f"{_esc(data['warehouse'])}.{_esc(ran_line)}</p>"
        f'<h2>Analyses</h2><div class="grid">{"".join(figures)}</div>{missing_line}'
        f"<h2>Counts per path</h2>{''.join(paths)}"
        f"<h2>Tables</h2>{tables}</body></html>\n"
    )
