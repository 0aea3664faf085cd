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


def labelled_table(index: list[str], columns: dict[str, list]) -> pd.DataFrame:
    """A plain table: one row per index label, one column per (already translated) title."""
    return pd.DataFrame(columns, index=index)


def grouped_bars_figure(series: dict[str, np.ndarray], titles: AxisTitles) -> go.Figure:
    """One group of bars per entry xⱼ, one bar per named series: vectors side by side."""
    figure = go.Figure(
        [
            go.Bar(
                name=name,
                x=symbols("x", len(values)),
                y=values,
                hovertemplate=f"{name}<br>%{{x}}: %{{y:.6g}}<extra></extra>",
            )
            for name, values in series.items()
        ]
    )
    figure.update_layout(
        title=titles.title,
        barmode="group",
        height=360,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        legend={"orientation": "h", "y": -0.2},
    )
    figure.update_xaxes(title_text=titles.columns)
    figure.update_yaxes(title_text=titles.rows)
    return figure


@dataclass(frozen=True)
class LogCurve:
    name: str
    steps: np.ndarray
    errors: np.ndarray
    group: int  # curves of one group share a colour
    dashed: bool


# One colour per group of curves (Plotly's first two defaults: blue, red).
CURVE_COLOURS = ("#636efa", "#ef553b")


def error_curves_figure(
    curves: list[LogCurve], chosen_step: float, titles: AxisTitles, best_label: str, chosen: str
) -> go.Figure:
    """Error against step size on log-log axes, each curve's smallest error marked, and a
    vertical line at the step the reader chose. Exact zeros cannot sit on a log axis:
    Plotly leaves them out."""
    figure = go.Figure()
    for curve in curves:
        colour = CURVE_COLOURS[curve.group % len(CURVE_COLOURS)]
        figure.add_trace(
            go.Scatter(
                x=curve.steps,
                y=curve.errors,
                name=curve.name,
                mode="lines+markers",
                line={"color": colour, "dash": "dash" if curve.dashed else "solid"},
                marker={"size": 5},
                hovertemplate=f"{curve.name}<br>h = %{{x:.1e}}: %{{y:.3g}}<extra></extra>",
            )
        )
    for curve in curves:
        best = int(np.argmin(curve.errors))
        figure.add_trace(
            go.Scatter(
                x=[curve.steps[best]],
                y=[curve.errors[best]],
                name=f"{best_label}: {curve.name}",
                mode="markers",
                marker={
                    "symbol": "star",
                    "size": 14,
                    "color": CURVE_COLOURS[curve.group % len(CURVE_COLOURS)],
                    "line": {"width": 1, "color": "black"},
                },
                showlegend=False,
                hovertemplate=f"{best_label} ({curve.name})<br>h = %{{x:.1e}}: %{{y:.3g}}"
                "<extra></extra>",
            )
        )
    figure.add_vline(x=chosen_step, line={"dash": "dot", "color": "gray"}, annotation_text=chosen)
    figure.update_layout(
        title=titles.title,
        height=460,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        legend={"orientation": "h", "y": -0.25},
    )
    figure.update_xaxes(type="log", title_text=titles.columns, exponentformat="power")
    figure.update_yaxes(type="log", title_text=titles.rows, exponentformat="power")
    return figure
