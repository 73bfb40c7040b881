"""Server-side SVG charts for the report screens and exports: pure functions returning SVG
strings (no JavaScript, so they pass the CSP and embed in the PDF). Every text is escaped and
every chart has an accessible <title>."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def _svg(width: int, height: int, title: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img"><title>{escape(title)}</title>{body}</svg>'
    )


def _scale(values: Sequence[float]) -> float:
    top = max((v for v in values), default=0)
    return top if top > 0 else 1


def sparkline(
    values: Sequence[float], *, title: str = "Trend", width: int = 100, height: int = 20
) -> str:
    if not values:
        return _svg(width, height, title, "")
    top = _scale(values)
    step = width / max(len(values) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{height - (v / top) * height:.1f}" for i, v in enumerate(values)
    )
    return _svg(
        width, height, title, f'<polyline fill="none" stroke="currentColor" points="{points}"/>'
    )


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    laggard_below: float | None = None,
    width: int = 600,
    bar_height: int = 18,
) -> str:
    """Horizontal bars; a value under `laggard_below` is drawn as a laggard (class "laggard")."""
    top = _scale(values)
    label_w = 200
    rows = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = i * (bar_height + 4)
        w = (value / top) * (width - label_w - 60)
        cls = "laggard" if laggard_below is not None and value < laggard_below else "bar"
        rows.append(
            f'<text x="0" y="{y + bar_height - 4}">{escape(label)}</text>'
            f'<rect class="{cls}" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height - 4}">{value:g}</text>'
        )
    height = max(len(rows), 1) * (bar_height + 4)
    return _svg(width, height, title, "".join(rows))


def line_chart(
    months: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    title: str,
    width: int = 600,
    height: int = 200,
) -> str:
    """One polyline per named series over the months (x axis labelled by month)."""
    every = [v for vs in series.values() for v in vs]
    top = _scale(every)
    step = (width - 40) / max(len(months) - 1, 1)
    plot_h = height - 30
    body = []
    for i, month in enumerate(months):
        body.append(f'<text x="{20 + i * step:.1f}" y="{height - 5}">{escape(month)}</text>')
    for n, (name, values) in enumerate(series.items()):
        points = " ".join(
            f"{20 + i * step:.1f},{plot_h - (v / top) * plot_h + 5:.1f}"
            for i, v in enumerate(values)
        )
        body.append(
            f'<polyline class="series-{n}" fill="none" stroke="currentColor" points="{points}">'
            f"<title>{escape(name)}</title></polyline>"
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
