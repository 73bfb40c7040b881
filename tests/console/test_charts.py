import re

from console.charts import bar_chart, level_distribution, line_chart, sparkline


def test_sparkline_has_viewbox_title_and_points() -> None:
    svg = sparkline([0, 5, 10], title="Share <trend>")
    assert 'viewBox="0 0 100 20"' in svg
    assert "<title>Share &lt;trend&gt;</title>" in svg
    assert 'points="0.0,20.0 50.0,10.0 100.0,0.0"' in svg


def test_sparkline_of_nothing_is_empty_chart() -> None:
    assert "<polyline" not in sparkline([])


def test_bar_chart_escapes_labels_and_marks_laggards() -> None:
    svg = bar_chart(["A & B", "C"], [5, 50], title="Share", laggard_below=10)
    assert "A &amp; B" in svg
    assert svg.count('class="laggard"') == 1
    assert svg.count('class="bar"') == 1


def test_line_chart_one_polyline_per_series() -> None:
    svg = line_chart(["2026-10", "2026-11"], {"x": [1, 2], "y": [0, 0]}, title="T")
    assert svg.count("<polyline") == 2
    assert "2026-11" in svg


def test_level_distribution_shows_every_level() -> None:
    svg = level_distribution({2: 3})
    for level in range(5):
        assert f"Level {level}" in svg


def test_a_missing_value_breaks_the_line_instead_of_dropping_to_zero() -> None:
    svg = sparkline([10, None, 20, 30], top=100)
    # The lone 10 is a dot; 20 and 30 one line; nothing is drawn at the gap's position.
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 1
    assert 'points="66.7,16.0 100.0,14.0"' in svg
    assert "33.3," not in svg


def test_a_sparkline_without_any_value_is_empty() -> None:
    assert "<polyline" not in sparkline([None, None]) and "<circle" not in sparkline([None])


def test_line_chart_gaps_and_legend() -> None:
    svg = line_chart(
        ["a", "b", "c"], {"One <x>": [1, None, 3], "Two": [None, None, None]}, title="T"
    )
    assert svg.count("<circle") == 2 and "<polyline" not in svg
    assert "One &lt;x&gt;" in svg and 'class="legend series-1"' in svg


def test_bar_chart_marks_flagged_laggards_and_unit() -> None:
    svg = bar_chart(["A", "B"], [95, 95], title="S", laggards=[False, True], unit="%")
    assert svg.count('class="laggard"') == 1 and "95%" in svg


def _text_spans(svg: str) -> list[tuple[float, str]]:
    return [
        (float(x), label)
        for x, label in re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="middle">([^<]*)<', svg)
    ]


def test_the_line_charts_first_and_last_month_labels_are_drawn_whole() -> None:
    from console.charts import CHAR_WIDTH

    months = [f"{name} 25" for name in ("Jan", "Feb", "Mar", "Apr", "May", "Jun")] + ["December"]
    svg = line_chart(months, {"x": [1, 2, 3, 4, 5, 6, 7]}, title="T", width=600)

    spans = _text_spans(svg)
    assert [label for _x, label in spans] == months
    first_x, first = spans[0]
    last_x, last = spans[-1]
    # Centred labels: half of each lies either side of its point, within the 600 wide chart.
    assert first_x - len(first) * CHAR_WIDTH / 2 >= 0
    assert last_x + len(last) * CHAR_WIDTH / 2 <= 600
    # The last point sits under its label, not at the old fixed 20 px from the edge.
    assert 'points="' in svg and f"{last_x:.1f}," in svg.split('points="')[1]


def test_a_bar_chart_on_a_fixed_scale_draws_shares_against_100() -> None:
    svg = bar_chart(["A", "B"], [50, 25], title="S", top=100, width=460)
    # 460 - 200 label - 60 value = 200 px for 100 %.
    assert 'width="100.0"' in svg and 'width="50.0"' in svg
    assert 'width="200.0"' in bar_chart(["A"], [50], title="S", width=460)  # own highest
    assert 'width="200.0"' in bar_chart(["A"], [120], title="S", top=100, width=460)  # capped
