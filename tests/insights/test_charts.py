"""Chart geometry: scales, bars and lines that match their figures."""

from insights.charts import bar_chart, column_chart, line_chart, nice_max


def test_the_scale_tops_out_at_a_round_number_with_a_round_half():
    assert [nice_max(v) for v in (0, 3, 5, 7, 11, 52, 100, 101)] == [2, 4, 6, 10, 20, 60, 100, 200]


def test_columns_are_as_tall_as_their_values_on_a_shared_scale():
    chart = column_chart("c", "Title", "Desc", [("a", 1), ("b", 2), ("c", 4)])
    heights = [column.height for column in chart.columns]

    assert heights[1] == 2 * heights[0]
    assert heights[2] == 2 * heights[1]
    assert all(column.y + column.height == chart.baseline for column in chart.columns)
    assert [t.label for t in chart.ticks] == ["0", "2", "4"]


def test_a_line_runs_through_each_point_in_order():
    chart = line_chart(
        "l", "T", "D", ["w1", "w2", "w3"], [("Steps", [0, 5, 10]), ("Meets", [1, 1, 1])]
    )
    steps, meets = chart.series

    assert steps.path.startswith("M") and steps.path.count("L") == 2
    assert steps.points[0].y == chart.baseline
    assert steps.points[1].y > steps.points[2].y  # higher values are drawn higher up
    assert steps.dash != meets.dash  # told apart without colour
    assert steps.marker != meets.marker


def test_bars_are_as_long_as_their_share_and_long_labels_are_shortened():
    title = "A milestone with a very long title indeed, longer than the space"
    chart = bar_chart("b", "T", "D", [("Short", 50), (title, 100), ("None yet", None)])
    half, full, none = chart.bars

    assert full.width == 2 * half.width == chart.track_width
    assert full.label.endswith("…") and full.full_label == title
    assert none.width == 0 and none.display == "–"


def test_many_weeks_get_a_readable_number_of_labels():
    chart = line_chart("l", "T", "D", [f"w{n}" for n in range(26)], [("S", [1] * 26)])

    assert 4 <= len(chart.x_labels) <= 8
