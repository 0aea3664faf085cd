"""Gradient puzzles: the learner writes a gradient as an expression, torch judges it.

Each puzzle gives f in the playground's expression language and asks for the gradient
of f with respect to one input (f a single number) or for vᵀJ (f a tensor, v one more
input shaped like f). The learner's expression uses the same inputs. It is judged at
several random points drawn for that attempt, so a formula that is right at one point
only is found out.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Puzzle:
    name: str
    function: str  # f, in the expression language
    inputs: tuple[tuple[str, tuple[int, ...]], ...]  # each input's name and shape
    reference: str  # an answer, checked against autograd by the tests
    wrt: str = "x"
    positive: bool = False  # draw inputs above zero (for log, sqrt, norm)

    @property
    def key(self) -> str:
        return f"puzzles_{self.name}"


# In rising difficulty. "v" in the inputs marks a puzzle that asks for vᵀJ.
PUZZLES = (
    Puzzle("sum", "x.sum()", (("x", (4,)),), "x * 0 + 1"),
    Puzzle("squares", "(x * x).sum()", (("x", (4,)),), "2 * x"),
    Puzzle("cubes", "(x ** 3).sum()", (("x", (4,)),), "3 * x ** 2"),
    Puzzle("sine", "torch.sin(x).sum()", (("x", (4,)),), "torch.cos(x)"),
    Puzzle(
        "x_sin_x", "(x * torch.sin(x)).sum()", (("x", (4,)),), "torch.sin(x) + x * torch.cos(x)"
    ),
    Puzzle("dot", "torch.dot(a, x)", (("a", (4,)), ("x", (4,))), "a"),
    Puzzle(
        "sigmoid",
        "torch.sigmoid(x).sum()",
        (("x", (4,)),),
        "torch.sigmoid(x) * (1 - torch.sigmoid(x))",
    ),
    Puzzle("log", "torch.log(x).sum()", (("x", (4,)),), "1 / x", positive=True),
    Puzzle("square_v", "x * x", (("x", (4,)), ("v", (4,))), "2 * x * v"),
    Puzzle("cumsum", "x.cumsum(0)", (("x", (4,)), ("v", (4,))), "v.sum() - v.cumsum(0) + v"),
    Puzzle("vector_matrix", "x @ A", (("x", (3,)), ("A", (3, 2)), ("v", (2,))), "A @ v"),
    Puzzle("detach", "(x.detach() * x).sum()", (("x", (4,)),), "x"),
    Puzzle(
        "broadcast",
        "((X + b) ** 2).sum()",
        (("X", (3, 4)), ("b", (4,))),
        "2 * (X + b).sum(0)",
        wrt="b",
    ),
    Puzzle(
        "softmax",
        "torch.softmax(x, dim=0)",
        (("x", (4,)), ("v", (4,))),
        "torch.softmax(x, dim=0) * (v - (v * torch.softmax(x, dim=0)).sum())",
    ),
    Puzzle(
        "matrix_input",
        "W @ x",
        (("W", (2, 3)), ("x", (3,)), ("v", (2,))),
        "torch.outer(v, x)",
        wrt="W",
    ),
)
