"""Server-side SVG charts for the report screens and exports: pure functions returning SVG
strings (no JavaScript, so they pass the CSP and embed in the PDF). Every text is escaped and
every chart has an accessible <title>."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

# A generous average advance of an 11 px sans-serif character, for room to leave around labels.
CHAR_WIDTH = 7.0


def _svg(width: int, height: int, title: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img"><title>{escape(title)}</title>{body}</svg>'
    )


def _scale(values: Sequence[float]) -> float:
    top = max((v for v in values), default=0)
    return top if top > 0 else 1


def _segments(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Runs of consecutive known values with their positions: a None (a month without
    figures) breaks the line rather than being drawn as zero."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for i, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((i, value))
    if current:
        runs.append(current)
    return runs


def _known(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None]


def sparkline(
    values: Sequence[float | None],
    *,
    title: str = "Trend",
    width: int = 100,
    height: int = 20,
    top: float | None = None,
) -> str:
    """A line over the values, scaled to `top` (their highest by default); a None leaves a gap
    and a lone known value is drawn as a dot."""
    if not _known(values):
        return _svg(width, height, title, "")
    scale = top if top is not None and top > 0 else _scale(_known(values))
    step = width / max(len(values) - 1, 1)
    body = []
    for run in _segments(values):
        coords = [(i * step, height - (v / scale) * height) for i, v in run]
        if len(coords) == 1:
            x, y = coords[0]
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.5" fill="currentColor"/>')
        else:
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            body.append(f'<polyline fill="none" stroke="currentColor" points="{points}"/>')
    return _svg(width, height, title, "".join(body))


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    laggard_below: float | None = None,
    laggards: Sequence[bool] | None = None,
    width: int = 600,
    bar_height: int = 18,
    unit: str = "",
    top: float | None = None,
) -> str:
    """Horizontal bars; a value under `laggard_below`, or one flagged in `laggards` (a tenant
    laggard for another reason, such as its level), is drawn as a laggard (class "laggard").
    `unit` follows each value's label ("%"). Bars are scaled to `top` (a share's 100, so that a
    full bar means everything) or else to the highest value."""
    top = top if top is not None and top > 0 else _scale(values)
    label_w = 200
    rows = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = i * (bar_height + 4)
        w = (min(value, top) / top) * (width - label_w - 60)
        flagged = laggards is not None and laggards[i]
        below = laggard_below is not None and value < laggard_below
        cls = "laggard" if flagged or below else "bar"
        rows.append(
            f'<text x="0" y="{y + bar_height - 4}">{escape(label)}</text>'
            f'<rect class="{cls}" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height - 4}">'
            f"{value:g}{escape(unit)}</text>"
        )
    height = max(len(rows), 1) * (bar_height + 4)
    return _svg(width, height, title, "".join(rows))


def line_chart(
    months: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str,
    width: int = 600,
    height: int = 200,
    top: float | None = None,
) -> str:
    """One line per named series over the months (x axis labelled by month, a legend below
    the title's series names), scaled to `top` (the highest value by default); a None leaves
    a gap."""
    every = [v for vs in series.values() for v in vs if v is not None]
    scale = top if top is not None and top > 0 else _scale(every)
    # Month labels are centred on their point; the plot is inset by half the widest label so
    # that the first and the last are drawn whole, not cut at the chart's edges.
    inset = max(20.0, max((len(month) for month in months), default=0) * CHAR_WIDTH / 2 + 2)
    step = (width - 2 * inset) / max(len(months) - 1, 1)
    legend_h = 18
    plot_h = height - 30 - legend_h
    body = []
    for i, month in enumerate(months):
        body.append(
            f'<text x="{inset + i * step:.1f}" y="{height - 5}" text-anchor="middle">'
            f"{escape(month)}</text>"
        )
    for n, (name, values) in enumerate(series.items()):
        body.append(
            f'<text class="legend series-{n}" x="{20 + n * 160}" y="12">{escape(name)}</text>'
        )
        for run in _segments(values):
            coords = [
                (inset + i * step, legend_h + plot_h - (v / scale) * plot_h + 5) for i, v in run
            ]
            if len(coords) == 1:
                x, y = coords[0]
                body.append(
                    f'<circle class="series-{n}" cx="{x:.1f}" cy="{y:.1f}" r="2.5" '
                    f'fill="currentColor"><title>{escape(name)}</title></circle>'
                )
                continue
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            body.append(
                f'<polyline class="series-{n}" fill="none" stroke="currentColor" '
                f'points="{points}"><title>{escape(name)}</title></polyline>'
            )
    return _svg(width, height, title, "".join(body))


def level_distribution(counts: dict[int, int], *, title: str = "Tenants by level") -> str:
    """Bars of how many tenants are at each level 0-4."""
    levels = sorted(set(range(5)) | set(counts))
    return bar_chart(
        [f"Level {level}" for level in levels],
        [counts.get(level, 0) for level in levels],
        title=title,
    )
