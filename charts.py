"""Plotly figures and tables for the lessons: arrays in, figures out, no Streamlit.

Every text a reader sees (titles, axis titles) is passed in already translated; the
only symbols made here are the maths labels y₁, x₂, ∂y₁/∂x₂, which read the same in
every language.

Each figure is written out as plain dicts and validated once, by `go.Figure`: Plotly's
step-by-step API (add_trace, update_layout, add_vline) validates and copies the figure at
every step, which cost a chart up to 35 ms, several times the rest of a rerun.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

# Up to this many rows and columns a cell is large enough to print its value.
MAX_ANNOTATED = 12
# Diverging, centred on zero: negative blue, positive red, zero white (readable with
# red-green colour blindness, and every value is also printed or in a table).
COLORSCALE = "RdBu_r"
# Space between the two panels of the weighted-rows figure, as a fraction of its height.
_PANEL_GAP = 0.06
# Every chart's margins, in pixels: room for the axis titles and the chart's title.
_MARGIN = {"l": 60, "r": 20, "t": 60, "b": 50}
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class AxisTitles:
    title: str
    rows: str
    columns: str


def symbols(name: str, count: int) -> list[str]:
    """y₁, y₂, …: 1-based like the maths."""
    return [f"{name}{str(i).translate(_SUBSCRIPTS)}" for i in range(1, count + 1)]


@dataclass(frozen=True)
class EntryLabels:
    """Names for the rows and columns of a matrix; None means y₁, y₂, … and x₁, x₂, …."""

    rows: Sequence[str] | None = None
    columns: Sequence[str] | None = None

    def for_rows(self, count: int) -> list[str]:
        return list(self.rows) if self.rows is not None else symbols("y", count)

    def for_columns(self, count: int) -> list[str]:
        return list(self.columns) if self.columns is not None else symbols("x", count)


# The default: 1-based symbols, as in the maths of the lesson pages.
NUMBERED = EntryLabels()


def matrix_table(matrix: np.ndarray, labels: EntryLabels = NUMBERED) -> pd.DataFrame:
    rows, columns = matrix.shape
    return pd.DataFrame(matrix, index=labels.for_rows(rows), columns=labels.for_columns(columns))


def weighted_rows_table(
    weighted_rows: np.ndarray,
    column_sums: np.ndarray,
    sums_label: str,
    labels: EntryLabels = NUMBERED,
) -> pd.DataFrame:
    """diag(v)·J with its column sums as a last row, as the figure shows them."""
    columns = labels.for_columns(len(column_sums))
    sums = pd.DataFrame([column_sums], index=[sums_label], columns=columns)
    return pd.concat([matrix_table(weighted_rows, labels), sums])


def jacobian_figure(
    jacobian: np.ndarray,
    titles: AxisTitles,
    labels: EntryLabels = NUMBERED,
    current_row: int | None = None,
    current_column: int | None = None,
    limit: float | None = None,
) -> go.Figure:
    """J as a heatmap: row i is y_i, column j is x_j, hover names ∂y_i/∂x_j.

    A J still being built has NaN where nothing is known yet: those cells stay blank.
    `current_row`/`current_column` (1-based) frame the row or column just filled, and
    `limit` fixes the colour scale to ±limit, so a colour keeps its number as J fills."""
    return _matrix_figure(
        jacobian, "∂%{y}/∂%{x} = %{z:.6g}<extra></extra>", titles, labels,
        current_row, current_column, limit,
    )  # fmt: skip


def _matrix_figure(
    matrix: np.ndarray,
    hover: str,
    titles: AxisTitles,
    labels: EntryLabels,
    current_row: int | None = None,
    current_column: int | None = None,
    limit: float | None = None,
) -> go.Figure:
    """`matrix` as a heatmap, row 1 on top, `hover` the text of a cell: J, or a difference
    labelled as Python indexes it. Frames and a fixed scale as in jacobian_figure."""
    heatmap = _heatmap(matrix, hover, labels, limit) | {"hoverongaps": False}
    rows, columns = matrix.shape
    frames = []
    if current_row is not None:
        frames.append(_frame((-0.5, columns - 0.5), (current_row - 1.5, current_row - 0.5)))
    if current_column is not None:
        frames.append(_frame((current_column - 1.5, current_column - 0.5), (-0.5, rows - 0.5)))
    layout = _layout(titles.title, rows)
    layout["xaxis"] = {"title": {"text": titles.columns}}
    layout["yaxis"] = {"title": {"text": titles.rows}, "autorange": "reversed"}
    layout["shapes"] = frames
    return go.Figure(data=[heatmap], layout=layout)


def _frame(x: tuple[float, float], y: tuple[float, float]) -> dict:
    """A rectangle around cells, in category units (cell k spans k - 0.5 to k + 0.5)."""
    return {
        "type": "rect", "x0": x[0], "x1": x[1], "y0": y[0], "y1": y[1],
        "line": {"color": "black", "width": 3},
    }  # fmt: skip


def weighted_rows_figure(
    weighted_rows: np.ndarray,
    column_sums: np.ndarray,
    titles: AxisTitles,
    sums_label: str,
    labels: EntryLabels = NUMBERED,
) -> go.Figure:
    """diag(v)·J on top and, on the same x-axis beneath it, its column sums vᵀJ."""
    m, n = weighted_rows.shape
    # One colour scale for both, so that a colour means the same number in each.
    limit = _magnitude(np.concatenate([weighted_rows.ravel(), column_sums.ravel()]))
    top = _heatmap(weighted_rows, "v·∂%{y}/∂%{x} = %{z:.6g}<extra></extra>", labels, limit)
    sums_labels = EntryLabels([sums_label], labels.columns)
    sums = _heatmap(
        column_sums.reshape(1, n), "%{y}, %{x}: %{z:.6g}<extra></extra>", sums_labels, limit
    )
    top |= {"xaxis": "x", "yaxis": "y"}
    sums |= {"xaxis": "x2", "yaxis": "y2", "showscale": False}
    # Two stacked panels, m rows above one, written out as axis domains: what
    # make_subplots(rows=2, shared_xaxes=True) produces, at a fraction of its cost.
    split = (1 - _PANEL_GAP) / (m + 1)
    layout = _layout(titles.title, m + 1)
    layout["xaxis"] = {"anchor": "y", "matches": "x2", "showticklabels": False}
    layout["yaxis"] = {
        "anchor": "x", "domain": [split + _PANEL_GAP, 1],
        "title": {"text": titles.rows}, "autorange": "reversed",
    }  # fmt: skip
    layout["xaxis2"] = {"anchor": "y2", "title": {"text": titles.columns}}
    layout["yaxis2"] = {"anchor": "x2", "domain": [0, split]}
    return go.Figure(data=[top, sums], layout=layout)


@dataclass(frozen=True)
class CostTitles:
    title: str
    size: str  # x-axis
    time: str  # y-axis


def cost_figure(
    sizes: list[int], milliseconds: dict[str, list[float]], titles: CostTitles
) -> go.Figure:
    """Time against size on log-log axes, one line per method (named by the dict's keys)."""
    traces = [
        {"type": "scatter", "x": sizes, "y": times, "name": name, "mode": "lines+markers"}
        for name, times in milliseconds.items()
    ]
    layout = {
        "title": {"text": titles.title}, "height": 460, "margin": _MARGIN,
        "xaxis": {"title": {"text": titles.size}, "type": "log", "tickvals": sizes},
        "yaxis": {"title": {"text": titles.time}, "type": "log", "dtick": 1},  # decades only
    }  # fmt: skip
    return go.Figure(data=traces, layout=layout)


def shape_cost_figure(
    shapes: list[str], milliseconds: dict[str, list[float]], titles: CostTitles
) -> go.Figure:
    """Bars per shape (x) and method (colour), on a log time axis."""
    traces = [
        {"type": "bar", "x": shapes, "y": times, "name": name}
        for name, times in milliseconds.items()
    ]
    layout = {
        "title": {"text": titles.title}, "barmode": "group", "height": 400, "margin": _MARGIN,
        "xaxis": {"title": {"text": titles.size}},
        "yaxis": {"title": {"text": titles.time}, "type": "log", "dtick": 1},  # decades only
    }  # fmt: skip
    return go.Figure(data=traces, layout=layout)


def difference_figure(difference: np.ndarray, name: str, titles: AxisTitles) -> go.Figure:
    """A difference shaped like the input `name` (a vector or a matrix), drawn like J but
    labelled with Python's indices: x[0], … or W[0][1], …"""
    table = difference_table(difference, name)
    labels = EntryLabels(list(table.index), list(table.columns))
    return _matrix_figure(table.to_numpy(), "%{y}%{x} = %{z:.6g}<extra></extra>", titles, labels)


def difference_table(difference: np.ndarray, name: str) -> pd.DataFrame:
    """One row named `x` for a vector, rows W[0], W[1], … for a matrix; columns [0], [1], …:
    a cell reads x[2] or W[0][1], as Python indexes it."""
    is_matrix = difference.ndim == 2
    matrix = difference if is_matrix else difference.reshape(1, -1)
    rows, columns = matrix.shape
    return pd.DataFrame(
        matrix,
        index=[f"{name}[{i}]" for i in range(rows)] if is_matrix else [name],
        columns=[f"[{j}]" for j in range(columns)],
    )


def _heatmap(
    matrix: np.ndarray, hover: str, labels: EntryLabels, limit: float | None = None
) -> dict:
    """Colours from -limit to +limit (by default the largest finite |entry|), white at 0,
    and a colour bar that labels 0 and both ends."""
    rows, columns = matrix.shape
    small = rows <= MAX_ANNOTATED and columns <= MAX_ANNOTATED
    limit = _magnitude(matrix) if limit is None else limit
    heatmap = {
        "type": "heatmap",
        "z": matrix,
        "x": labels.for_columns(columns),
        "y": labels.for_rows(rows),
        "colorscale": COLORSCALE,
        "zmin": -limit,
        "zmax": limit,
        "colorbar": {"tickvals": [-limit, -limit / 2, 0, limit / 2, limit], "tickformat": ".3~g"},
        "hovertemplate": hover,
        "xgap": 1,
        "ygap": 1,
    }
    return (heatmap | {"texttemplate": "%{z:.4~g}"}) if small else heatmap


def _magnitude(values: np.ndarray) -> float:
    """The largest finite |value|; 1 when there is none or all are zero, so that the colour
    scale never collapses (a Jacobian being filled is all NaN at first)."""
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def _layout(title: str, rows: int) -> dict:
    # Grow with the number of rows, up to a height that still fits a laptop screen.
    return {
        "title": {"text": title},
        "height": 160 + 40 * min(rows, 16),
        "margin": _MARGIN,
    }


def labelled_table(index: list[str], columns: dict[str, list]) -> pd.DataFrame:
    """A plain table: one row per index label, one column per (already translated) title."""
    return pd.DataFrame(columns, index=index)


def grouped_bars_figure(series: dict[str, np.ndarray], titles: AxisTitles) -> go.Figure:
    """One group of bars per entry xⱼ, one bar per named series: vectors side by side."""
    traces = [
        {
            "type": "bar", "name": name, "x": symbols("x", len(values)), "y": values,
            "hovertemplate": f"{name}<br>%{{x}}: %{{y:.6g}}<extra></extra>",
        }
        for name, values in series.items()
    ]  # fmt: skip
    layout = {
        "title": {"text": titles.title}, "barmode": "group", "height": 360, "margin": _MARGIN,
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": {"title": {"text": titles.columns}}, "yaxis": {"title": {"text": titles.rows}},
    }  # fmt: skip
    return go.Figure(data=traces, layout=layout)


@dataclass(frozen=True)
class LogCurve:
    name: str
    steps: np.ndarray
    errors: np.ndarray
    group: int  # curves of one group share a colour
    dashed: bool


# One colour per group of curves (Plotly's first two defaults: blue, red), and one marker
# shape, so that the groups differ in more than colour.
CURVE_COLOURS = ("#636efa", "#ef553b")
CURVE_MARKERS = ("circle", "square")


def error_curves_table(curves: list[LogCurve], step_label: str) -> pd.DataFrame:
    """The numbers of the error chart: one row per step h, one column per curve."""
    table = pd.DataFrame(
        {curve.name: pd.Series(curve.errors, index=curve.steps) for curve in curves}
    )
    table.index = [f"{step:.0e}" for step in table.index]
    table.index.name = step_label
    return table


def error_curves_figure(
    curves: list[LogCurve], chosen_step: float, titles: AxisTitles, best_label: str, chosen: str
) -> go.Figure:
    """Error against step size on log-log axes, each curve's smallest error marked, and a
    vertical line at the step the reader chose. Exact zeros cannot sit on a log axis:
    Plotly leaves them out."""
    colours = [CURVE_COLOURS[curve.group % len(CURVE_COLOURS)] for curve in curves]
    lines = [
        {
            "type": "scatter", "x": curve.steps, "y": curve.errors, "name": curve.name,
            "mode": "lines+markers",
            "line": {"color": colour, "dash": "dash" if curve.dashed else "solid"},
            "marker": {"size": 5, "symbol": CURVE_MARKERS[curve.group % len(CURVE_MARKERS)]},
            "hovertemplate": f"{curve.name}<br>h = %{{x:.1e}}: %{{y:.3g}}<extra></extra>",
        }
        for curve, colour in zip(curves, colours, strict=True)
    ]  # fmt: skip
    bests = [
        {
            "type": "scatter", "x": [curve.steps[best]], "y": [curve.errors[best]],
            "name": f"{best_label}: {curve.name}", "mode": "markers",
            "marker": {
                "symbol": "star", "size": 14, "color": colour,
                "line": {"width": 1, "color": "black"},
            },
            "showlegend": False,
            "hovertemplate": f"{best_label} ({curve.name})<br>h = %{{x:.1e}}: %{{y:.3g}}"
            "<extra></extra>",
        }
        for curve, colour in zip(curves, colours, strict=True)
        for best in [int(np.argmin(curve.errors))]
    ]  # fmt: skip
    # The chosen step as a dotted line from the bottom of the plot to its top.
    chosen_line = {
        "type": "line", "x0": chosen_step, "x1": chosen_step, "xref": "x",
        "y0": 0, "y1": 1, "yref": "y domain", "line": {"dash": "dot", "color": "gray"},
    }  # fmt: skip
    # On a log axis an annotation's x is the exponent: the label is placed at log10(h).
    chosen_label = {
        "x": math.log10(chosen_step), "y": 1, "yref": "paper", "text": chosen,
        "showarrow": False, "xanchor": "left", "yanchor": "top",
    }  # fmt: skip
    log_axis = {"type": "log", "exponentformat": "power", "dtick": 1}
    layout = {
        "title": {"text": titles.title}, "height": 460, "margin": _MARGIN,
        "legend": {"orientation": "h", "y": -0.25},
        "shapes": [chosen_line], "annotations": [chosen_label],
        "xaxis": {"title": {"text": titles.columns}} | log_axis,
        "yaxis": {"title": {"text": titles.rows}} | log_axis,
    }  # fmt: skip
    return go.Figure(data=lines + bests, layout=layout)


@dataclass(frozen=True)
class KinkLabels:
    """The translated names of the kink chart's title, axes and series."""

    title: str
    axis_x: str
    axis_y: str
    function: str
    gradient: str
    left: str
    right: str
    torch_value: str


@dataclass(frozen=True)
class KinkView:
    """A function around its kink: the curve, torch's gradient at every point, and at the
    kink itself the two one-sided slopes beside the value torch returns."""

    grid: np.ndarray
    values: np.ndarray
    grads: np.ndarray
    kink: float
    left: float
    right: float
    at_kink: float


def kink_figure(view: KinkView, labels: KinkLabels) -> go.Figure:
    """The function as a line, torch's gradient as dots (it jumps at the kink), and at the
    kink three marks that differ in shape as well as colour."""
    curve = {
        "type": "scatter", "x": view.grid, "y": view.values, "name": labels.function,
        "mode": "lines", "line": {"color": CURVE_COLOURS[0]},
        "hovertemplate": f"{labels.function}<br>x = %{{x:.3g}}: %{{y:.4g}}<extra></extra>",
    }  # fmt: skip
    gradient = {
        "type": "scatter", "x": view.grid, "y": view.grads, "name": labels.gradient,
        "mode": "markers", "marker": {"color": CURVE_COLOURS[1], "size": 6, "symbol": "circle"},
        "hovertemplate": f"{labels.gradient}<br>x = %{{x:.3g}}: %{{y:.4g}}<extra></extra>",
    }  # fmt: skip
    # torch's value first and larger, so that a slope equal to it still shows on top.
    marks = (
        (labels.torch_value, view.at_kink, "star", "black", 20),
        (labels.left, view.left, "triangle-left", "#00a36c", 11),
        (labels.right, view.right, "triangle-right", "#ab63fa", 11),
    )
    at_kink = [
        {
            "type": "scatter", "x": [view.kink], "y": [value], "name": name, "mode": "markers",
            "marker": {"symbol": symbol, "size": size, "color": colour},
            "hovertemplate": f"{name}<br>x = %{{x:.3g}}: %{{y:.4g}}<extra></extra>",
        }
        for name, value, symbol, colour, size in marks
    ]  # fmt: skip
    layout = {
        "title": {"text": labels.title}, "height": 420, "margin": _MARGIN,
        "legend": {"orientation": "h", "y": -0.25},
        "xaxis": {"title": {"text": labels.axis_x}}, "yaxis": {"title": {"text": labels.axis_y}},
    }  # fmt: skip
    return go.Figure(data=[curve, gradient, *at_kink], layout=layout)


def kink_table(view: KinkView, labels: KinkLabels) -> pd.DataFrame:
    """The chart's curve and gradient, one row per point."""
    table = pd.DataFrame(
        {labels.function: view.values, labels.gradient: view.grads},
        index=[f"{point:.3g}" for point in view.grid],
    )
    table.index.name = labels.axis_x
    return table
