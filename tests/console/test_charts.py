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
