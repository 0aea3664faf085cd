"""A server process's first work, done before its first learner arrives (see serve.py).

The first page a fresh process serves would otherwise wait for torch, Plotly, pandas and
pyarrow to import and for their first figure, table and Jacobian to be built: about 14 s
measured on two busy cores. Nothing is kept but what is made once per process anyway (the
error finder's patterns, the anomaly step's run); every other result is dropped once made.
"""

import numpy as np
import pyarrow as pa

from charts import AxisTitles, jacobian_figure, matrix_table
from lessons.edges import anomaly_run
from lessons.errors import known_errors
from lessons.functions import SCALAR_FUNCTIONS, VECTOR_FUNCTIONS
from lessons.jacobian import jacobian_lesson
from lessons.language.playground import playground_lesson
from lessons.scalar import scalar_lesson
from lessons.vjp import VectorChoice
from ui import cost, exercises, jacobian, playground, puzzles  # noqa: F401 (the pages' imports)
from ui.playground import DEFAULT


def warm_up() -> None:
    """Run each kind of work a page does once: a backward(), Jacobians by vmap and by
    forward mode, the playground's evaluator and graph walker, a heatmap as the browser
    gets it, a table as Arrow, the anomaly step's separate Python (a few seconds) and the
    error finder's patterns."""
    scalar_lesson("1, 2, 3", next(iter(SCALAR_FUNCTIONS)))
    jacobian_lesson("1, 2, 3", next(iter(VECTOR_FUNCTIONS)))
    playground_lesson(DEFAULT.inputs, DEFAULT.expression, VectorChoice())
    anomaly_run()
    known_errors()
    matrix = np.eye(2)
    jacobian_figure(matrix, AxisTitles("J", "i", "j")).to_json()
    pa.Table.from_pandas(matrix_table(matrix))
