"""Plotly figures and tables for the lessons: arrays in, figures out, no Streamlit.

Every text a reader sees (titles, axis titles) is passed in already translated; the
only symbols made here are the maths labels y₁, x₂, ∂y₁/∂x₂, which read the same in
every language.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

# Up to this many rows and columns a cell is large enough to print its value.
MAX_ANNOTATED = 12
# Diverging, centred on zero: negative blue, positive red, zero white.
COLORSCALE = "RdBu_r"
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class AxisTitles:
    title: str
    rows: str
    columns: str


def symbols(name: str, count: int) -> list[str]:
    """y₁, y₂, …: 1-based like the maths."""
    return [f"{name}{str(i).translate(_SUBSCRIPTS)}" for i in range(1, count + 1)]


def matrix_table(matrix: np.ndarray, row_name: str = "y", column_name: str = "x") -> pd.DataFrame:
    rows, columns = matrix.shape
    return pd.DataFrame(
        matrix, index=symbols(row_name, rows), columns=symbols(column_name, columns)
    )


def weighted_rows_table(
    weighted_rows: np.ndarray, column_sums: np.ndarray, sums_label: str
) -> pd.DataFrame:
    """diag(v)·J with its column sums as a last row, as the figure shows them."""
    sums = pd.DataFrame([column_sums], index=[sums_label], columns=symbols("x", len(column_sums)))
    return pd.concat([matrix_table(weighted_rows), sums])


def jacobian_figure(
    jacobian: np.ndarray,
    titles: AxisTitles,
    current_row: int | None = None,
    current_column: int | None = None,
    limit: float | None = None,
) -> go.Figure:
    """J as a heatmap: row i is y_i, column j is x_j, hover names ∂y_i/∂x_j.

    A J still being built has NaN where nothing is known yet: those cells stay blank.
    `current_row`/`current_column` (1-based) frame the row or column just filled, and
    `limit` fixes the colour scale to ±limit, so a colour keeps its number as J fills."""
    trace = _heatmap(jacobian, "∂%{y}/∂%{x} = %{z:.6g}<extra></extra>")
    trace.update(hoverongaps=False)
    if limit is not None:
        trace.update(zmin=-limit, zmax=limit)
    figure = go.Figure(trace)
    rows, columns = jacobian.shape
    if current_row is not None:
        _frame(figure, (-0.5, columns - 0.5), (current_row - 1.5, current_row - 0.5))
    if current_column is not None:
        _frame(figure, (current_column - 1.5, current_column - 0.5), (-0.5, rows - 0.5))
    _lay_out(figure, titles.title, rows)
    figure.update_xaxes(title_text=titles.columns)
    figure.update_yaxes(title_text=titles.rows, autorange="reversed")
    return figure


def _frame(figure: go.Figure, x: tuple[float, float], y: tuple[float, float]) -> None:
    """A rectangle around cells, in category units (cell k spans k - 0.5 to k + 0.5)."""
    figure.add_shape(
        type="rect", x0=x[0], x1=x[1], y0=y[0], y1=y[1], line={"color": "black", "width": 3}
    )


def weighted_rows_figure(
    weighted_rows: np.ndarray, column_sums: np.ndarray, titles: AxisTitles, sums_label: str
) -> go.Figure:
    """diag(v)·J on top and, on the same x-axis beneath it, its column sums vᵀJ."""
    m, n = weighted_rows.shape
    figure = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[m, 1], vertical_spacing=0.06
    )
    top = _heatmap(weighted_rows, "v·∂%{y}/∂%{x} = %{z:.6g}<extra></extra>")
    sums = _heatmap(
        column_sums.reshape(1, n), "%{y}, %{x}: %{z:.6g}<extra></extra>", y_labels=[sums_label]
    )
    # One colour scale for both, so that a colour means the same number in each
    # (1 when everything is zero, to keep the scale from collapsing).
    limit = float(max(np.abs(weighted_rows).max(), np.abs(column_sums).max())) or 1.0
    for trace, row in ((top, 1), (sums, 2)):
        trace.update(zmin=-limit, zmax=limit, showscale=row == 1)
        figure.add_trace(trace, row=row, col=1)
    _lay_out(figure, titles.title, m + 1)
    figure.update_xaxes(title_text=titles.columns, row=2, col=1)
    figure.update_yaxes(title_text=titles.rows, autorange="reversed", row=1, col=1)
    return figure


@dataclass(frozen=True)
class CostTitles:
    title: str
    size: str  # x-axis
    time: str  # y-axis


def cost_figure(
    sizes: list[int], milliseconds: dict[str, list[float]], titles: CostTitles
) -> go.Figure:
    """Time against size on log-log axes, one line per method (named by the dict's keys)."""
    figure = go.Figure(
        [
            go.Scatter(x=sizes, y=times, name=name, mode="lines+markers")
            for name, times in milliseconds.items()
        ]
    )
    figure.update_layout(
        title=titles.title, height=460, margin={"l": 60, "r": 20, "t": 60, "b": 50}
    )
    figure.update_xaxes(title_text=titles.size, type="log", tickvals=sizes)
    figure.update_yaxes(title_text=titles.time, type="log")
    return figure


def shape_cost_figure(
    shapes: list[str], milliseconds: dict[str, list[float]], titles: CostTitles
) -> go.Figure:
    """Bars per shape (x) and method (colour), on a log time axis."""
    figure = go.Figure(
        [go.Bar(x=shapes, y=times, name=name) for name, times in milliseconds.items()]
    )
    figure.update_layout(
        title=titles.title, barmode="group", height=400, margin={"l": 60, "r": 20, "t": 60, "b": 50}
    )
    figure.update_xaxes(title_text=titles.size)
    figure.update_yaxes(title_text=titles.time, type="log")
    return figure


def _heatmap(matrix: np.ndarray, hover: str, y_labels: list[str] | None = None) -> go.Heatmap:
    rows, columns = matrix.shape
    small = rows <= MAX_ANNOTATED and columns <= MAX_ANNOTATED
    return go.Heatmap(
        z=matrix,
        x=symbols("x", columns),
        y=y_labels or symbols("y", rows),
        colorscale=COLORSCALE,
        zmid=0,
        texttemplate="%{z:.4~g}" if small else None,
        hovertemplate=hover,
        xgap=1,
        ygap=1,
    )


def _lay_out(figure: go.Figure, title: str, rows: int) -> None:
    # Grow with the number of rows, up to a height that still fits a laptop screen.
    figure.update_layout(
        title=title, height=160 + 40 * min(rows, 16), margin={"l": 60, "r": 20, "t": 60, "b": 50}
    )
