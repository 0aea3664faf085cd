import numpy as np
import plotly.graph_objects as go
import pytest

from charts import (
    MAX_ANNOTATED,
    AxisTitles,
    EntryLabels,
    LogCurve,
    error_curves_figure,
    error_curves_table,
    grouped_bars_figure,
    jacobian_figure,
    labelled_table,
    matrix_table,
    symbols,
    weighted_rows_figure,
    weighted_rows_table,
)

TITLES = AxisTitles("J", "rows", "columns")
J = np.array([[2.0, 0.0, 0.0], [0.0, -4.0, 0.0]])


def test_symbols_are_one_based_with_subscripts():
    assert symbols("y", 3) == ["y₁", "y₂", "y₃"]
    assert symbols("x", 12)[-1] == "x₁₂"


def test_jacobian_figure_draws_j_with_rows_y_and_columns_x():
    figure = jacobian_figure(J, TITLES)
    (heatmap,) = figure.data
    assert isinstance(heatmap, go.Heatmap)
    np.testing.assert_array_equal(heatmap.z, J)
    assert list(heatmap.y) == ["y₁", "y₂"] and list(heatmap.x) == ["x₁", "x₂", "x₃"]
    # Centred on zero, from -max|J| to +max|J|, with 0 labelled on the colour bar.
    assert (heatmap.zmin, heatmap.zmax) == (-4.0, 4.0)
    assert heatmap.colorscale[0][1] != heatmap.colorscale[-1][1]
    assert list(heatmap.colorbar.tickvals) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert heatmap.hovertemplate.startswith("∂%{y}/∂%{x}")
    assert figure.layout.title.text == "J"
    assert figure.layout.xaxis.title.text == "columns"
    assert figure.layout.yaxis.title.text == "rows"
    assert figure.layout.yaxis.autorange == "reversed"


@pytest.mark.parametrize(("size", "annotated"), [(MAX_ANNOTATED, True), (MAX_ANNOTATED + 1, False)])
def test_values_are_printed_in_cells_only_while_the_matrix_is_small(size, annotated):
    (heatmap,) = jacobian_figure(np.eye(size), TITLES).data
    assert (heatmap.texttemplate is not None) == annotated


def test_weighted_rows_figure_puts_the_column_sums_beneath_on_the_same_x_axis():
    v = np.array([1.0, 0.5])
    weighted = v[:, None] * J
    sums = weighted.sum(axis=0)
    figure = weighted_rows_figure(weighted, sums, TITLES, "vᵀJ")
    top, bottom = figure.data
    np.testing.assert_array_equal(top.z, weighted)
    np.testing.assert_array_equal(bottom.z, [[2.0, -2.0, 0.0]])
    assert list(bottom.y) == ["vᵀJ"] and list(bottom.x) == list(top.x)
    assert top.xaxis == "x" and bottom.xaxis == "x2"
    assert figure.layout.xaxis.matches == "x2" or figure.layout.xaxis2.matches == "x"
    # One colour scale for both panels.
    assert (top.zmin, top.zmax) == (bottom.zmin, bottom.zmax) == (-2.0, 2.0)


def test_a_jacobian_being_filled_keeps_its_fixed_scale_and_ignores_nan_and_inf():
    filling = np.array([[1.0, np.nan], [np.inf, -0.5]])
    assert jacobian_figure(filling, TITLES).data[0].zmax == 1.0
    (heatmap,) = jacobian_figure(np.full((2, 2), np.nan), TITLES, limit=3.0).data
    assert (heatmap.zmin, heatmap.zmax) == (-3.0, 3.0)
    assert 0.0 in heatmap.colorbar.tickvals


def test_weighted_rows_figure_of_zeros_keeps_a_usable_colour_scale():
    figure = weighted_rows_figure(np.zeros((2, 2)), np.zeros(2), TITLES, "vᵀJ")
    assert (figure.data[0].zmin, figure.data[0].zmax) == (-1.0, 1.0)


def test_weighted_rows_table_ends_with_the_column_sums():
    table = weighted_rows_table(J, J.sum(axis=0), "vᵀJ")
    assert list(table.index) == ["y₁", "y₂", "vᵀJ"]
    np.testing.assert_array_equal(table.to_numpy(), [[2, 0, 0], [0, -4, 0], [2, -4, 0]])


def test_matrix_table_labels_rows_and_columns():
    table = matrix_table(J)
    assert list(table.index) == ["y₁", "y₂"] and list(table.columns) == ["x₁", "x₂", "x₃"]
    np.testing.assert_array_equal(table.to_numpy(), J)


def test_labelled_heatmaps_and_tables_use_the_given_labels():
    labels = EntryLabels(["y[0]", "y[1]"], ["W[0]", "W[1]", "W[2]"])
    figure = jacobian_figure(J, TITLES, labels)
    assert list(figure.data[0].y) == ["y[0]", "y[1]"]
    assert list(figure.data[0].x) == ["W[0]", "W[1]", "W[2]"]
    weighted = weighted_rows_figure(J, J.sum(axis=0), TITLES, "vᵀJ", labels)
    assert list(weighted.data[1].y) == ["vᵀJ"] and list(weighted.data[1].x) == list(labels.columns)
    table = weighted_rows_table(J, J.sum(axis=0), "vᵀJ", labels)
    assert list(table.index) == ["y[0]", "y[1]", "vᵀJ"]
    assert list(table.columns) == ["W[0]", "W[1]", "W[2]"]


def test_grouped_bars_put_each_series_beside_the_others_per_entry():
    figure = grouped_bars_figure({"a": np.array([1.0, 2.0]), "b": np.array([3.0, -4.0])}, TITLES)
    first, second = figure.data
    assert isinstance(first, go.Bar) and figure.layout.barmode == "group"
    assert list(first.x) == list(second.x) == ["x₁", "x₂"]
    np.testing.assert_array_equal(second.y, [3.0, -4.0])
    assert (first.name, second.name) == ("a", "b")
    assert figure.layout.yaxis.title.text == "rows"


def test_error_curves_are_log_log_with_each_minimum_starred_and_the_chosen_step_marked():
    steps = np.array([1.0, 1e-2, 1e-4, 1e-6])
    curves = [
        LogCurve("c", steps, np.array([1e-1, 1e-5, 1e-9, 1e-7]), group=0, dashed=False),
        LogCurve("f", steps, np.array([1e-1, 1e-3, 1e-2, 1e-1]), group=1, dashed=True),
    ]
    figure = error_curves_figure(curves, 1e-4, TITLES, "best", "chosen")
    line_c, line_f, star_c, star_f = figure.data
    assert figure.layout.xaxis.type == figure.layout.yaxis.type == "log"
    np.testing.assert_array_equal(line_c.y, curves[0].errors)
    assert line_f.line.dash == "dash" and line_c.line.dash == "solid"
    assert line_c.line.color != line_f.line.color
    assert line_c.marker.symbol != line_f.marker.symbol  # not told apart by colour alone
    assert (list(star_c.x), list(star_c.y)) == ([1e-4], [1e-9])
    assert (list(star_f.x), list(star_f.y)) == ([1e-2], [1e-3])
    assert star_c.marker.symbol == "star" and star_c.marker.color == line_c.line.color
    (marker,) = figure.layout.shapes
    assert marker.x0 == marker.x1 == 1e-4
    # On a log axis an annotation's x is an exponent: the label sits at its line, 10⁻⁴.
    (label,) = figure.layout.annotations
    assert (label.text, label.x, label.xanchor) == ("chosen", -4, "left")
    # Decades only: no crowded minor labels between powers of ten.
    assert figure.layout.xaxis.dtick == figure.layout.yaxis.dtick == 1
    table = error_curves_table(curves, "h")
    assert list(table.index) == ["1e+00", "1e-02", "1e-04", "1e-06"] and table.index.name == "h"
    assert list(table.columns) == ["c", "f"]
    np.testing.assert_array_equal(table["f"], curves[1].errors)


def test_labelled_table_keeps_the_labels_and_columns_in_order():
    table = labelled_table(["x", "y"], {"is_leaf": [True, False], "grad_fn": ["None", "Mul"]})
    assert list(table.index) == ["x", "y"] and list(table.columns) == ["is_leaf", "grad_fn"]
    assert table.loc["y", "grad_fn"] == "Mul"
