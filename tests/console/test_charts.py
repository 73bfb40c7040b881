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
