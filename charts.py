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


def jacobian_figure(jacobian: np.ndarray, titles: AxisTitles) -> go.Figure:
    """J as a heatmap: row i is y_i, column j is x_j, hover names ∂y_i/∂x_j."""
    figure = go.Figure(_heatmap(jacobian, "∂%{y}/∂%{x} = %{z:.6g}<extra></extra>"))
    _lay_out(figure, titles.title, jacobian.shape[0])
    figure.update_xaxes(title_text=titles.columns)
    figure.update_yaxes(title_text=titles.rows, autorange="reversed")
    return figure


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


def difference_figure(difference: np.ndarray, name: str, titles: AxisTitles) -> go.Figure:
    """A difference shaped like the input `name` (a vector or a matrix), drawn like J but
    labelled with Python's indices: x[0], … or W[0][1], …"""
    table = difference_table(difference, name)
    figure = jacobian_figure(table.to_numpy(), titles)
    return figure.update_traces(
        x=list(table.columns),
        y=list(table.index),
        hovertemplate="%{y}%{x} = %{z:.6g}<extra></extra>",
    )


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
