"""A small, safe expression language: the tensor code a learner pastes, run by torch.

The text is parsed with `ast.parse`, which builds a syntax tree and runs nothing. Every
node of the tree is checked against the allow-lists below, and `evaluate` walks the
checked tree, calling only the torch functions those lists name (looked up in tables
built here, never by the text's own names). Before each operation runs, the size of its
result is bounded from its arguments' sizes or, when that bound is not small enough,
found by running it on "meta" tensors, which have shapes but no storage: an operation
that would build a tensor of more than MAX_INTERMEDIATE_ENTRIES entries (its result, or an
operand a broadcasting `@` copies) is refused before any memory is spent on it. Its work
is counted before it runs too, and the lines may not spend more than their limit.

Results that contain nan or infinity are returned as they are: they are what torch
computes, and the page shows them (see `Evaluation.finite`).
"""

import ast
import math
import operator
import textwrap
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import torch
from torch import Tensor

from lessons.parsing import InputError, check_input_name

# A layer's weights, bias, data and target, and one more.
MAX_INPUTS = 6
MAX_SOURCE_CHARS = 1000
MAX_STATEMENTS = 12
# Syntax-tree nodes in the whole text, and how deep one statement nests (each bracket,
# call, attribute or operator in a chain is one level). Python's own parser gives up
# near 200 nested brackets; the evaluator recurses once per level.
MAX_NODES = 300
MAX_DEPTH = 40
# No tensor the expression builds, even for a moment, has more entries than this: the
# results, and the operands a broadcasting `@` copies to their broadcast shape.
MAX_INTERMEDIATE_ENTRIES = 4096
# Work, counted before each operation runs and added up over the lines: one unit for each
# entry an operation reads or writes and each multiply-add of a product, plus
# OPERATION_WORK for the call itself (walking the tree and torch's dispatch cost about as
# much as a pass over that many entries), and META_WORK more for a call first sized on meta
# tensors (torch's meta kernels are Python: a millisecond or more for some, such as diag).
OPERATION_WORK = 20_000
META_WORK = 4_000_000
# What one page run may spend on these lines in all: the forward pass, backward() and the
# Jacobians together (lessons/language/playground.py and lessons/jacobian.py count them).
MAX_WORK = 200_000_000
# backward() through a graph costs at most this many times its forward pass: a product's
# backward is two products, an element-wise operation's a few element-wise ones.
BACKWARD_WORK = 3
# One evaluation of the lines may spend a tenth of that (about 70 products of 64 x 64
# matrices), leaving room for backward() and the Jacobians, which rerun them.
MAX_FORWARD_WORK = MAX_WORK // 10
# Whole numbers beyond this (the largest a float holds exactly) are refused, so that
# constant arithmetic such as 9**9**9 is refused at once instead of running for hours.
MAX_INTEGER = 2**53
# CPython 3.11.7 counts ast.parse's recursion depth per interpreter, not per thread, so
# two sessions parsing at once can fail with "AST constructor recursion depth mismatch"
# (CPython gh-106905): one parse at a time. The walks below are iterative or plain Python.
_PARSE_LOCK = threading.Lock()
# How much of an offending piece, or of torch's message, an error quotes.
PIECE_CHARS = 40
MESSAGE_CHARS = 600

# torch.NAME(...), in four groups.
_ELEMENTWISE = ("sin", "cos", "tan", "exp", "log", "log1p", "sqrt", "square", "abs", "neg")
_ACTIVATIONS = ("tanh", "sigmoid", "relu", "pow", "clamp", "maximum", "minimum")
_REDUCTIONS = ("sum", "mean", "prod", "norm", "max", "min", "cumsum", "logsumexp")
_NORMALISERS = ("softmax", "log_softmax")
_LINEAR_ALGEBRA = ("dot", "matmul", "mm", "mv", "outer", "t", "transpose", "trace", "diag")
_SHAPES = ("reshape", "flatten", "squeeze", "unsqueeze")
_SHAPES += ("flip",)  # added for the puzzles (issue 14): torch.flip(x, dims), x.flip(*dims)
# Added for the puzzles (issue 14): torch functions that are not tensor methods.
# ones_like(input), zeros_like(input): a tensor shaped like input (dtype and the rest
# are keywords outside ALLOWED_KEYWORDS). where(condition, input, other): exactly three
# arguments, the condition a comparison (_Checker._where).
_FUNCTIONS_ONLY = ("ones_like", "zeros_like", "where")
ALLOWED_TORCH_FUNCTIONS = (
    *_ELEMENTWISE,
    *_ACTIVATIONS,
    *_REDUCTIONS,
    *_NORMALISERS,
    *_LINEAR_ALGEBRA,
    *_SHAPES,
    *_FUNCTIONS_ONLY,
)
# torch.nn.functional.NAME(...)
ALLOWED_FUNCTIONAL = ("relu", "sigmoid", "softmax", "log_softmax", "mse_loss", "l1_loss")
ALLOWED_FUNCTIONAL += ("binary_cross_entropy_with_logits",)
# Added for the puzzles (issue 14): (input, target, reduction=...). A target of class
# indices is written as torch writes it, torch.tensor([2, 0]) with whole numbers only:
# the one place torch.tensor is taken (_class_indices), so the code shown runs as it is.
_CLASS_LOSSES = ("cross_entropy", "nll_loss")
ALLOWED_FUNCTIONAL += _CLASS_LOSSES
# tensor.NAME(...): the functions above are also tensor methods; a few are only methods.
ALLOWED_METHODS = tuple(name for name in ALLOWED_TORCH_FUNCTIONS if name not in _FUNCTIONS_ONLY)
ALLOWED_METHODS += ("view", "permute", "expand", "repeat", "detach", "clone")
# tensor.NAME without a call; `values` only on what torch.max/min(x, dim) return.
ALLOWED_ATTRIBUTES = ("T", "mT", "values")
ALLOWED_KEYWORDS = ("dim", "keepdim", "p", "min", "max", "exponent", "reduction")
ALLOWED_KEYWORDS += ("input", "other", "target", "dim0", "dim1", "start_dim", "end_dim")
ALLOWED_KEYWORDS += ("dims",)  # added for the puzzles (issue 14): flip's
ALLOWED_KEYWORDS += ("tensor", "mat2", "vec", "vec2", "diagonal")
# Added for the puzzles (issue 14): `a > b` and its kin, only as torch.where's condition.
_COMPARISONS = {
    ast.Gt: operator.gt,
    ast.Lt: operator.lt,
    ast.GtE: operator.ge,
    ast.LtE: operator.le,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
# The only strings the language takes: a loss's reduction.
KEYWORD_STRINGS = {"reduction": ("mean", "sum", "none")}

# The parameters each function or method takes by position, in order; a method's tensor is
# its first, `input`. Each positional argument is bound to its name and held to
# ALLOWED_KEYWORDS like a keyword, so that no parameter outside it (`out`, `dtype`,
# `_stacklevel`, `size_average`) is reached by position either: torch.norm's fifth
# positional parameter is `out`. More arguments than listed are refused. SIZES takes any
# number of whole numbers or tuples of them, as in `x.reshape(2, 3)`. A new function
# needs its entry here (tests check that every allowed name has one).
SIZES = "*sizes"
_INPUT = ("input",)
_REDUCE = ("input", "dim", "keepdim")
_PAIR = ("input", "other")
_LOSS = ("input", "target")
POSITIONAL_PARAMETERS = MappingProxyType(
    {
        **dict.fromkeys((*_ELEMENTWISE, "tanh", "sigmoid", "relu", "t", "trace"), _INPUT),
        **dict.fromkeys(("maximum", "minimum", "matmul"), _PAIR),
        # torch.max(x, 1) is (input, dim), torch.max(x, W) is (input, other): both allowed.
        **dict.fromkeys(("sum", "mean", "prod", "max", "min", "logsumexp"), _REDUCE),
        **dict.fromkeys(
            ("cumsum", "softmax", "log_softmax", "squeeze", "unsqueeze"), ("input", "dim")
        ),
        **dict.fromkeys(("mse_loss", "l1_loss", "binary_cross_entropy_with_logits"), _LOSS),
        **dict.fromkeys(("reshape", "view", "permute", "expand", "repeat"), ("input", SIZES)),
        **dict.fromkeys(("detach", "clone"), _INPUT),
        "pow": ("input", "exponent"),
        "clamp": ("input", "min", "max"),
        "norm": ("input", "p", "dim", "keepdim"),
        "dot": ("input", "tensor"),
        "mm": ("input", "mat2"),
        "mv": ("input", "vec"),
        "outer": ("input", "vec2"),
        "transpose": ("input", "dim0", "dim1"),
        "diag": ("input", "diagonal"),
        "flatten": ("input", "start_dim", "end_dim"),
        **dict.fromkeys(("ones_like", "zeros_like"), _INPUT),
        "flip": ("input", SIZES),  # x.flip(0, 1) as well as torch.flip(x, (0, 1))
        **dict.fromkeys(_CLASS_LOSSES, _LOSS),
    }
)

# Upper bounds on the entries of a result, from its tensor arguments alone, so that most
# operations need no meta run (torch's meta kernels are Python, about a millisecond each).
# Element-wise, reducing and reshaping operations never exceed their arguments broadcast
# together; `@`, matmul, mm and mv give their exact size, and outer the product of its
# arguments' sizes; expand, repeat and diag are bounded from their sizes. Any other name
# (one added later) runs on meta tensors first.
_BROADCAST_BOUNDED = frozenset(
    (*_ELEMENTWISE, *_ACTIVATIONS, *_REDUCTIONS, *_NORMALISERS, *_SHAPES, *ALLOWED_FUNCTIONAL)
) | {"dot", "t", "transpose", "trace", "view", "permute", "detach", "clone"}
# Added for the puzzles (issue 14): shaped like their input, or like their arguments
# broadcast together; comparisons are bounded the same way in _Evaluator._comparison.
_BROADCAST_BOUNDED |= frozenset(_FUNCTIONS_ONLY)
_PRODUCT_BOUNDED = frozenset({"matmul", "mm", "mv", "outer"})

# The tables the evaluator calls through: names from the allow-lists, nothing else.
_TORCH_FUNCTIONS = {name: getattr(torch, name) for name in ALLOWED_TORCH_FUNCTIONS}
_FUNCTIONAL = {name: getattr(torch.nn.functional, name) for name in ALLOWED_FUNCTIONAL}
# F.relu(x) is torch.relu(x), the same graph node; F.relu(x, True) would change x in place.
_FUNCTIONAL["relu"] = torch.relu
_METHODS = {name: getattr(torch.Tensor, name) for name in ALLOWED_METHODS}
_TENSOR_ATTRIBUTES = {"T": operator.attrgetter("T"), "mT": operator.attrgetter("mT")}
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.MatMult: operator.matmul,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
# What torch.max(x, dim) and torch.min(x, dim) return: (values, indices).
_PAIRS = (torch.return_types.max, torch.return_types.min)

Number = int | float
Value = Tensor | Number | tuple


@dataclass(frozen=True)
class Statement:
    target: str | None  # None only for a bare expression on the last line
    expression: ast.expr  # validated

    @property
    def code(self) -> str:
        source = ast.unparse(self.expression)
        return source if self.target is None else f"{self.target} = {source}"


@dataclass(frozen=True)
class Script:
    statements: tuple[Statement, ...]

    @property
    def code(self) -> str:
        """The canonical source, regenerated from the validated tree: one line per statement."""
        return "\n".join(statement.code for statement in self.statements)


@dataclass(frozen=True)
class Source:
    """The piece of the learner's code that made a graph node, regenerated from the tree."""

    code: str
    # True for a node torch built inside that call on the way to its result (F.l1_loss
    # makes a subtraction, an abs and a mean): the piece made it, but is not its formula.
    within: bool = False


@dataclass(frozen=True)
class Evaluation:
    y: Tensor
    named: Mapping[str, Tensor]  # every assigned name, in the order of the lines
    work: int  # what the lines cost, counted as MAX_WORK counts it
    # Every graph node the lines made, by identity (grad_fn objects, kept alive here).
    sources: Mapping[object, Source]

    @property
    def finite(self) -> bool:
        return bool(torch.isfinite(self.y).all())


def parse_script(text: str, input_names: Collection[str]) -> Script:
    """Read and check the learner's lines; raise InputError saying what is not allowed."""
    if len(text) > MAX_SOURCE_CHARS:
        raise InputError("expr_too_long", {"chars": len(text), "limit": MAX_SOURCE_CHARS})
    # Python's parser would stop at its own limit with a cryptic message, or recurse.
    if _bracket_depth(text) > MAX_DEPTH:
        raise InputError("expr_too_deep", {"limit": MAX_DEPTH})
    try:
        with _PARSE_LOCK:
            module = ast.parse(textwrap.dedent(text))
    except SyntaxError as error:
        raise InputError("expr_syntax", {"line": error.lineno or 1, "message": error.msg}) from None
    except ValueError as error:  # a null byte, in Python 3.11
        raise InputError("expr_syntax", {"line": 1, "message": str(error)}) from None
    except (RecursionError, MemoryError):
        raise InputError("expr_too_deep", {"limit": MAX_DEPTH}) from None
    # Quoting a refused statement recurses over it; + 1 for the statement's own level.
    if any(_depth(node) > MAX_DEPTH + 1 for node in module.body):
        raise InputError("expr_too_deep", {"limit": MAX_DEPTH})
    script = Script(
        tuple(_statement(node, is_last=node is module.body[-1]) for node in module.body)
    )
    _validate(script, input_names)
    return script


def evaluate(
    script: Script, inputs: Mapping[str, Tensor], work_limit: int = MAX_FORWARD_WORK
) -> Evaluation:
    """Run the script on the inputs (the learner's leaf tensors): y and every named tensor.

    An operation that would bring the work counted beyond `work_limit` is refused before
    it runs."""
    _validate(script, inputs.keys())
    for name, tensor in inputs.items():
        _check_size(name, tensor)
    values: dict[str, Tensor] = dict(inputs)
    named: dict[str, Tensor] = {}
    meter = _Meter(work_limit)
    sources: dict[object, Source] = {}
    y = None
    for statement in script.statements:
        evaluator = _Evaluator(values, meter, sources)
        y = _tensor(statement.expression, evaluator.value(statement.expression))
        if statement.target is not None:
            values[statement.target] = named[statement.target] = y
    frozen = MappingProxyType(sources)
    return Evaluation(y=y, named=MappingProxyType(named), work=meter.spent, sources=frozen)


class _Meter:
    """The work one evaluation has counted; it refuses to go beyond its limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.spent = 0

    def charge(self, node: ast.expr, work: int) -> None:
        if self.spent + work > self.limit:
            raise InputError(
                "expr_too_much_work",
                {
                    "piece": _piece(node),
                    "work": f"{self.spent + work:,}",
                    "limit": f"{self.limit:,}",
                    "operation": f"{OPERATION_WORK:,}",
                },
            )
        self.spent += work


def _statement(node: ast.stmt, is_last: bool) -> Statement:
    if isinstance(node, ast.Expr):
        if not is_last:
            raise InputError("expr_bare_line", {"piece": _piece(node)})
        return Statement(None, node.value)
    # `y += 1` and `y[0] = 5` change a tensor that already exists.
    if isinstance(node, ast.AugAssign) or (
        isinstance(node, ast.Assign)
        and any(isinstance(target, ast.Subscript) for target in node.targets)
    ):
        raise InputError("expr_inplace", {"piece": _piece(node)})
    if not isinstance(node, ast.Assign):
        raise InputError("expr_statement", {"piece": _piece(node)})
    if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
        raise InputError("expr_target", {"piece": _piece(node)})
    return Statement(node.targets[0].id, node.value)


def _validate(script: Script, input_names: Collection[str]) -> None:
    if len(input_names) > MAX_INPUTS:
        raise InputError("expr_too_many_inputs", {"count": len(input_names), "limit": MAX_INPUTS})
    taken: list[str] = []
    for name in input_names:
        check_input_name(name, taken)
        taken.append(name)
    if not script.statements:
        raise InputError("expr_empty")
    if len(script.statements) > MAX_STATEMENTS:
        raise InputError(
            "expr_too_many_lines", {"count": len(script.statements), "limit": MAX_STATEMENTS}
        )
    # Size first, by iterative walks: everything after this recurses over the tree.
    count = sum(_node_count(statement.expression) for statement in script.statements)
    if count > MAX_NODES:
        raise InputError("expr_too_many_nodes", {"count": count, "limit": MAX_NODES})
    if any(_depth(statement.expression) > MAX_DEPTH for statement in script.statements):
        raise InputError("expr_too_deep", {"limit": MAX_DEPTH})
    for statement in script.statements:
        _Checker(taken).expression(statement.expression)
        if statement.target is not None:
            check_input_name(statement.target, taken)
            taken.append(statement.target)


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth = max(depth - 1, 0)
    return deepest


def _children(node: ast.AST) -> list[ast.AST]:
    return [
        child for child in ast.iter_child_nodes(node) if not isinstance(child, ast.expr_context)
    ]


def _node_count(root: ast.AST) -> int:
    count, stack = 0, [root]
    while stack:
        count += 1
        stack.extend(_children(stack.pop()))
    return count


def _depth(root: ast.AST) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in _children(node))
    return deepest


def _piece(node: ast.AST) -> str:
    return _shorten(ast.unparse(node), PIECE_CHARS)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _torch_path(node: ast.expr) -> tuple[str, ...] | None:
    """`torch.nn.functional.relu` -> ("torch", "nn", "functional", "relu"); None otherwise."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id == "torch":
        return ("torch", *reversed(parts))
    return None


def _torch_function(node: ast.expr) -> Callable[..., object]:
    """The callable a `torch.…` call names, from the allow-lists; InputError otherwise."""
    path = _torch_path(node) or ()
    if len(path) == 2 and path[1] in _TORCH_FUNCTIONS:
        return _TORCH_FUNCTIONS[path[1]]
    if len(path) == 4 and path[1:3] == ("nn", "functional") and path[3] in _FUNCTIONAL:
        return _FUNCTIONAL[path[3]]
    if path and _is_inplace_name(path[-1]):
        raise InputError("expr_inplace_method", {"name": _shorten(path[-1], PIECE_CHARS)})
    raise InputError(
        "expr_function",
        {
            "piece": _piece(node),
            "functions": ", ".join(ALLOWED_TORCH_FUNCTIONS),
            "functional": ", ".join(ALLOWED_FUNCTIONAL),
        },
    )


def _is_inplace_name(name: str) -> bool:
    """torch's mark of an operation that changes its tensor in place: `add_`, `relu_`
    (a name such as `__class__` is Python's, not torch's)."""
    return name.endswith("_") and not name.startswith("_")


def _is_method_call(node: ast.Call) -> bool:
    """`x.sum()`, `(x + 1).pow(2)`: an attribute call whose receiver is not torch itself."""
    return isinstance(node.func, ast.Attribute) and _torch_path(node.func) is None


def _int_literal(node: ast.expr) -> int | None:
    """The whole number `3`, `-1` or `+2` spelled out in the text, else None."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        sign = -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return sign * _checked_number(node, node.value)
    return None


def _checked_number(node: ast.AST, value: object) -> Number:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError("expr_number", {"piece": _piece(node), "limit": f"{MAX_INTEGER:,}"})
    # Whole numbers first: math.isfinite cannot convert a huge int to a float.
    if abs(value) > MAX_INTEGER if isinstance(value, int) else not math.isfinite(value):
        raise InputError("expr_number", {"piece": _piece(node), "limit": f"{MAX_INTEGER:,}"})
    return value


def _bind_positional(node: ast.Call) -> tuple[str, ...]:
    """The parameter names an allowed call's positional arguments bind to, each one held to
    ALLOWED_KEYWORDS as a keyword would be; too many arguments are refused."""
    name = node.func.attr
    # A name without its entry takes only its tensor by position: safe, if terse.
    parameters = POSITIONAL_PARAMETERS.get(name, _INPUT)
    count = len(node.args) + _is_method_call(node)
    if SIZES in parameters:
        start = parameters.index(SIZES)
        bound = parameters[:start] + (SIZES,) * max(count - start, 0)
    else:
        bound = parameters[:count]
    if len(bound) < count:
        raise InputError(
            "expr_positional",
            {
                "piece": _piece(node),
                "name": name,
                "count": count,
                "limit": len(parameters),
                "parameters": ", ".join(parameters),
            },
        )
    for parameter in bound:
        if parameter != SIZES and parameter not in ALLOWED_KEYWORDS:
            raise InputError(
                "expr_keyword", {"piece": parameter, "keywords": ", ".join(ALLOWED_KEYWORDS)}
            )
    return bound


class _Checker:
    """Refuses, before anything runs, every construct outside the language."""

    def __init__(self, names: Collection[str]) -> None:
        self._names = names

    def expression(self, node: ast.expr) -> None:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float, complex):
            _checked_number(node, node.value)
        elif isinstance(node, ast.Name):
            if node.id not in self._names:
                raise InputError(
                    "expr_unknown_name",
                    {"name": _shorten(node.id, PIECE_CHARS), "names": ", ".join(self._names)},
                )
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise InputError("expr_operator", {"piece": _piece(node)})
            self.expression(node.left)
            self.expression(node.right)
        elif isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARY:
                raise InputError("expr_operator", {"piece": _piece(node)})
            self.expression(node.operand)
        elif isinstance(node, ast.Call):
            self._call(node)
        elif isinstance(node, ast.Attribute):
            if node.attr not in ALLOWED_ATTRIBUTES or _torch_path(node) is not None:
                raise InputError("expr_attribute", {"piece": _piece(node)})
            self.expression(node.value)
        elif isinstance(node, ast.Subscript):
            self.expression(node.value)
            _index(node.slice)
        elif isinstance(node, ast.Compare):  # only as torch.where's condition (_where)
            raise InputError("expr_comparison", {"piece": _piece(node)})
        else:
            raise InputError("expr_not_allowed", {"piece": _piece(node)})

    def _call(self, node: ast.Call) -> None:
        if _is_method_call(node):
            if _is_inplace_name(node.func.attr):
                name = _shorten(node.func.attr, PIECE_CHARS)
                raise InputError("expr_inplace_method", {"name": name})
            if node.func.attr not in _METHODS:
                raise InputError(
                    "expr_method",
                    {
                        "name": _shorten(node.func.attr, PIECE_CHARS),
                        "methods": ", ".join(ALLOWED_METHODS),
                    },
                )
            self.expression(node.func.value)
        elif _torch_function(node.func) is torch.where:
            self._where(node)
            return
        _bind_positional(node)
        target = _class_target(node) if node.func.attr in _CLASS_LOSSES else None
        for argument in node.args:
            if argument is not target:
                self._argument(argument)
        for keyword in node.keywords:
            if keyword.arg not in ALLOWED_KEYWORDS:
                raise InputError(
                    "expr_keyword",
                    {"piece": _piece(keyword), "keywords": ", ".join(ALLOWED_KEYWORDS)},
                )
            if keyword.value is target:
                continue
            if isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                if keyword.value.value not in KEYWORD_STRINGS.get(keyword.arg, ()):
                    raise InputError("expr_keyword_value", {"piece": _piece(keyword)})
            else:
                self._argument(keyword.value)

    def _where(self, node: ast.Call) -> None:
        """Added for the puzzles (issue 14): `torch.where(x > 0, a, b)` and nothing else.

        A comparison gives true/false entries, which only a selection can use sensibly."""
        condition = node.args[0] if node.args else None
        if (
            len(node.args) != 3
            or node.keywords
            or not isinstance(condition, ast.Compare)
            or len(condition.ops) != 1
            or type(condition.ops[0]) not in _COMPARISONS
        ):
            raise InputError("expr_where", {"piece": _piece(node)})
        for operand in (condition.left, *condition.comparators, *node.args[1:]):
            self.expression(operand)

    def _argument(self, node: ast.expr) -> None:
        """An expression, True/False/None, or a tuple of whole numbers such as (2, 3)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, bool | None):
            return
        if isinstance(node, ast.Tuple | ast.List):
            if not all(_int_literal(element) is not None for element in node.elts):
                raise InputError("expr_keyword_value", {"piece": _piece(node)})
            return
        self.expression(node)


def _class_target(node: ast.Call) -> ast.expr | None:
    """Added for the puzzles (issue 14): a loss's target when it is class indices written as
    `torch.tensor([2, 0])` (checked here, so the caller skips it); None for any other
    target, an expression checked as usual (class probabilities, for cross_entropy)."""
    if len(node.args) > 1:
        target = node.args[1]
    else:
        target = next((kw.value for kw in node.keywords if kw.arg == "target"), None)
    if target is None or _class_indices(target) is not None:
        return target
    tensor_call = isinstance(target, ast.Call) and _torch_path(target.func) == ("torch", "tensor")
    if tensor_call or isinstance(target, ast.List | ast.Tuple) or _int_literal(target) is not None:
        raise InputError("expr_class_target", {"piece": _piece(target)})
    return None


def _class_indices(node: ast.expr) -> int | tuple[int, ...] | None:
    """`torch.tensor(2)` or `torch.tensor([2, 0])`, whole numbers written out; else None."""
    if not (isinstance(node, ast.Call) and _torch_path(node.func) == ("torch", "tensor")):
        return None
    if len(node.args) != 1 or node.keywords:
        return None
    (values,) = node.args
    if isinstance(values, ast.List | ast.Tuple):
        numbers = tuple(_int_literal(element) for element in values.elts)
        return numbers if numbers and None not in numbers else None
    return _int_literal(values)


def _index(node: ast.expr) -> object:
    """What `y[...]` indexes with: whole numbers and slices of them, spelled out."""
    if isinstance(node, ast.Tuple):
        return tuple(_index_part(part) for part in node.elts)
    return _index_part(node)


def _index_part(node: ast.expr) -> int | slice | None:
    if isinstance(node, ast.Constant) and node.value is None:  # a new axis of size 1
        return None
    if isinstance(node, ast.Slice):
        return slice(*(_slice_bound(part) for part in (node.lower, node.upper, node.step)))
    number = _int_literal(node)
    if number is None:
        raise InputError("expr_index", {"piece": _piece(node)})
    return number


def _slice_bound(node: ast.expr | None) -> int | None:
    if node is None:
        return None
    number = _int_literal(node)
    if number is None:
        raise InputError("expr_index", {"piece": _piece(node)})
    return number


class _Evaluator:
    """Walks a checked tree; every operation is sized before it runs, and every graph node
    it makes is recorded with the piece of the tree that made it."""

    def __init__(
        self, values: Mapping[str, Tensor], meter: _Meter, sources: dict[object, Source]
    ) -> None:
        self._values = values
        self._meter = meter
        self._sources = sources

    def value(self, node: ast.expr) -> Value:
        result = self._value(node)
        for tensor in result if isinstance(result, _PAIRS) else (result,):
            if isinstance(tensor, Tensor) and tensor.grad_fn is not None:
                self._record(node, tensor.grad_fn)
        return result

    def _record(self, node: ast.expr, made: object) -> None:
        """Label the nodes this piece made: `made`, and those torch built inside the call
        to reach it. Inner pieces ran first and kept their own labels (a node already
        labelled is not new), so the walk stops at them and at the leaves."""
        stack = [(made, False)]
        while stack:
            graph_node, within = stack.pop()
            if graph_node in self._sources or type(graph_node).__name__ == "AccumulateGrad":
                continue
            self._sources[graph_node] = Source(ast.unparse(node), within)
            stack.extend((child, True) for child, _ in graph_node.next_functions if child)

    def _value(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Constant):
            return _checked_number(node, node.value)
        if isinstance(node, ast.Name):
            return self._values[node.id]
        if isinstance(node, ast.BinOp):
            left, right = self._operand(node.left), self._operand(node.right)
            function = _BINARY[type(node.op)]
            if isinstance(left, Tensor) or isinstance(right, Tensor):
                bound = _matmul_bound if isinstance(node.op, ast.MatMult) else _broadcast_bound
                return _run(node, function, (left, right), {}, bound, self._meter)
            return _number_math(node, function, left, right)
        if isinstance(node, ast.UnaryOp):
            operand = self._operand(node.operand)
            function = _UNARY[type(node.op)]
            if isinstance(operand, Tensor):
                return _run(node, function, (operand,), {}, _broadcast_bound, self._meter)
            return function(operand)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Subscript):
            indexed = (self._operand(node.value), _index(node.slice))
            return _run(node, operator.getitem, indexed, {}, _broadcast_bound, self._meter)
        raise InputError("expr_not_allowed", {"piece": _piece(node)})

    def _operand(self, node: ast.expr) -> Tensor | Number:
        value = self.value(node)
        if isinstance(value, _PAIRS):
            raise InputError("expr_values_needed", {"piece": _piece(node)})
        return value

    def _call(self, node: ast.Call) -> Value:
        if _is_method_call(node):
            function = _METHODS[node.func.attr]
            args = [self._operand(node.func.value)]
        else:
            function, args = _torch_function(node.func), []
        args += [self._argument(argument) for argument in node.args]
        kwargs = {keyword.arg: self._argument(keyword.value) for keyword in node.keywords}
        _refuse_warnings(node, args, kwargs)
        bound = _size_bound(node.func.attr, tuple(args), kwargs)
        return _run(node, function, tuple(args), kwargs, bound, self._meter)

    def _argument(self, node: ast.expr) -> object:
        if isinstance(node, ast.Compare):  # torch.where's condition, checked by _where
            return self._comparison(node)
        indices = _class_indices(node)  # a loss's target, checked by _class_target
        if indices is not None:
            return torch.tensor(indices)  # int64, as torch.tensor makes it
        if isinstance(node, ast.Constant) and isinstance(node.value, bool | str | None):
            return node.value
        if isinstance(node, ast.Tuple | ast.List):
            return tuple(_int_literal(element) for element in node.elts)
        return self._operand(node)

    def _comparison(self, node: ast.Compare) -> Value:
        """Added for the puzzles (issue 14): a bool tensor no larger than its sides."""
        left, right = self._operand(node.left), self._operand(node.comparators[0])
        function = _COMPARISONS[type(node.ops[0])]
        return _run(node, function, (left, right), {}, _broadcast_bound, self._meter)

    def _attribute(self, node: ast.Attribute) -> Value:
        value = self.value(node.value)
        if isinstance(value, _PAIRS) and node.attr == "values":
            return value.values
        if isinstance(value, Tensor) and node.attr in _TENSOR_ATTRIBUTES:
            if node.attr == "T" and value.dim() != 2:  # torch warns: deprecated there
                raise InputError(
                    "expr_transpose", {"piece": _piece(node), "shape": tuple(value.shape)}
                )
            attribute = _TENSOR_ATTRIBUTES[node.attr]
            return _run(node, attribute, (value,), {}, _broadcast_bound, self._meter)
        raise InputError("expr_attribute", {"piece": _piece(node)})


def _refuse_warnings(node: ast.Call, args: list, kwargs: Mapping[str, object]) -> None:
    """Refuse, before torch runs, the calls torch would answer with a warning. Warnings are
    process-wide state: each new text would be logged and kept in the warnings registry,
    and a loss's text quotes the learner's shapes."""
    name = node.func.attr
    # The arguments by the names POSITIONAL_PARAMETERS binds them to.
    parameters = POSITIONAL_PARAMETERS.get(name, _INPUT)
    named = dict(zip(parameters, args, strict=False)) | dict(kwargs)
    # torch.softmax(x) raises for itself; F.softmax(x) warns, then picks a dim.
    functional = (_torch_path(node.func) or ())[1:3] == ("nn", "functional")
    if functional and name in ("softmax", "log_softmax") and named.get("dim") is None:
        raise InputError("expr_dim_needed", {"piece": _piece(node), "name": name})
    given, target = named.get("input"), named.get("target")
    tensors = isinstance(given, Tensor) and isinstance(target, Tensor)
    if name in ("mse_loss", "l1_loss") and tensors and given.shape != target.shape:
        shapes = {"input": tuple(given.shape), "target": tuple(target.shape)}
        raise InputError("expr_loss_shapes", {"piece": _piece(node), **shapes})


def _number_math(node: ast.expr, function: Callable, left: Number, right: Number) -> Number:
    """Arithmetic on two plain numbers, as Python does it, refusing huge results up front."""
    huge_power = function is operator.pow and isinstance(left, int) and isinstance(right, int)
    if huge_power and abs(left) > 1 and right > MAX_INTEGER.bit_length():
        raise InputError("expr_number", {"piece": _piece(node), "limit": f"{MAX_INTEGER:,}"})
    try:
        return _checked_number(node, function(left, right))
    except (ArithmeticError, TypeError) as error:
        raise InputError(
            "expr_number_math", {"piece": _piece(node), "message": str(error)}
        ) from None


def _run(
    node: ast.expr, function: Callable, args: tuple, kwargs: dict, bound: Callable, meter: _Meter
) -> Value:
    """Call a torch function once the size of its result is known to fit, and its work too.

    `bound` gives an upper bound on the result's entries from the tensor arguments, or
    None. When it does not show that the result fits, the call runs first on meta tensors,
    which gives the exact shape without storage."""
    tensors = [value for value in (*args, *kwargs.values()) if isinstance(value, Tensor)]
    work = OPERATION_WORK + sum(tensor.numel() for tensor in tensors)
    work += _product_work(node, function, tensors)
    most = bound(tensors)
    sized = most is not None and most <= MAX_INTERMEDIATE_ENTRIES
    if not sized:
        work += META_WORK
        try:
            with torch.no_grad():
                meta = function(*_on_meta(args), **_on_meta(kwargs))
            _check_size(node, meta)
            most, sized = _entries(meta), True
        except InputError:
            raise
        except Exception:  # the real call below raises torch's own message
            pass
    meter.charge(node, work + (most if sized else 0))
    try:
        result = function(*args, **kwargs)
    except Exception as error:  # whatever torch raises, the learner reads
        message = _shorten(str(error), MESSAGE_CHARS)
        raise InputError("expr_torch", {"piece": _piece(node), "message": message}) from None
    if not sized:  # no meta kernel: every allowed operation has one (tested)
        _check_size(node, result)
    return result


def _entries(result: object) -> int:
    pair = result if isinstance(result, _PAIRS) else (result,)
    return sum(tensor.numel() for tensor in pair if isinstance(tensor, Tensor))


def _product_work(node: ast.expr, function: Callable, tensors: list[Tensor]) -> int:
    """A product's multiply-adds and its operands at their broadcast shape, which a
    broadcasting `@` copies them to (forward and backward): each is refused above
    MAX_INTERMEDIATE_ENTRIES, like a result. 0 for anything else or shapes torch refuses."""
    dims = _PRODUCT_DIMS.get(function)
    if dims is None or len(tensors) != 2:
        return 0
    found = dims(*(tuple(tensor.shape) for tensor in tensors))
    if found is None:
        return 0
    batch, n, k, m = found
    for operand in ((*batch, n, k), (*batch, k, m)):
        _check_shape(node, torch.Size(operand))
    return math.prod(batch) * (n * k + k * m + n * k * m)


def _matmul_dims(
    a: tuple[int, ...], b: tuple[int, ...]
) -> tuple[tuple[int, ...], int, int, int] | None:
    """(batch shape, n, k, m) of `a @ b` as torch.matmul broadcasts it, or None when torch
    would refuse the shapes (it then says why)."""
    if not a or not b:
        return None
    n, k = (1, a[0]) if len(a) == 1 else a[-2:]
    k_b, m = (b[0], 1) if len(b) == 1 else b[-2:]
    try:
        batch = tuple(torch.broadcast_shapes(a[:-2], b[:-2]))
    except RuntimeError:
        return None
    return (batch, n, k, m) if k == k_b else None


def _outer_dims(
    a: tuple[int, ...], b: tuple[int, ...]
) -> tuple[tuple[int, ...], int, int, int] | None:
    return ((), a[0], 1, b[0]) if len(a) == len(b) == 1 else None


_PRODUCT_DIMS = {
    operator.matmul: _matmul_dims,
    **{
        table[name]: _matmul_dims
        for table in (_TORCH_FUNCTIONS, _METHODS)
        for name in ("matmul", "mm", "mv", "dot")
    },
    **{table["outer"]: _outer_dims for table in (_TORCH_FUNCTIONS, _METHODS)},
}


def _size_bound(
    name: str, args: tuple = (), kwargs: Mapping[str, object] = MappingProxyType({})
) -> Callable[[list[Tensor]], int | None]:
    if name in _BROADCAST_BOUNDED:
        return _broadcast_bound
    if name in _PRODUCT_BOUNDED:
        return _product_bound if name == "outer" else _matmul_bound
    if name in _SHAPE_BOUNDS:
        return lambda tensors: _shape_bound(name, args, kwargs)
    return _no_bound


def _shape_bound(name: str, args: tuple, kwargs: Mapping[str, object]) -> int | None:
    try:
        return _SHAPE_BOUNDS[name](*args, **kwargs)
    except TypeError:  # given by keyword, as in torch.diag(input=x): the meta run sizes it
        return None


def _sizes(sizes: tuple) -> tuple[int, ...] | None:
    """The whole numbers of `x.expand(2, 3)` or `x.expand((2, 3))`, None for anything else."""
    if len(sizes) == 1 and isinstance(sizes[0], tuple):
        sizes = sizes[0]
    whole = all(isinstance(size, int) and not isinstance(size, bool) for size in sizes)
    return tuple(sizes) if whole else None


def _expand_bound(tensor: object, *sizes: object) -> int | None:
    found = _sizes(sizes)
    if not isinstance(tensor, Tensor) or found is None or min(found, default=0) < -1:
        return None
    # -1 keeps a size of the tensor's, at most its largest.
    kept = max(tensor.shape, default=1)
    return math.prod(kept if size == -1 else size for size in found)


def _repeat_bound(tensor: object, *repeats: object) -> int | None:
    found = _sizes(repeats)
    if not isinstance(tensor, Tensor) or found is None or min(found, default=0) < 0:
        return None
    return tensor.numel() * math.prod(found)


def _diag_bound(tensor: object, diagonal: object = 0) -> int | None:
    if not isinstance(tensor, Tensor) or not isinstance(diagonal, int) or tensor.dim() > 2:
        return None
    if tensor.dim() == 1:  # a square matrix with the vector on its diagonal-th diagonal
        return (tensor.numel() + abs(diagonal)) ** 2
    return tensor.numel()


# Bounds from the arguments themselves, for names whose result can outgrow their inputs.
_SHAPE_BOUNDS = {"expand": _expand_bound, "repeat": _repeat_bound, "diag": _diag_bound}


def _broadcast_bound(tensors: list[Tensor]) -> int:
    """The entries of the shapes broadcast together, or more if they do not broadcast."""
    rank = max((tensor.dim() for tensor in tensors), default=0)
    sizes = [1] * rank
    for tensor in tensors:
        for axis, size in enumerate(tensor.shape, start=rank - tensor.dim()):
            sizes[axis] = max(sizes[axis], size)
    return math.prod(sizes)


def _product_bound(tensors: list[Tensor]) -> int:
    return math.prod(tensor.numel() for tensor in tensors)


def _matmul_bound(tensors: list[Tensor]) -> int | None:
    """The exact entries of `a @ b` (also mm, mv), or None for shapes torch refuses."""
    found = len(tensors) == 2 and _matmul_dims(*(tuple(tensor.shape) for tensor in tensors))
    if not found:
        return None
    batch, n, _, m = found
    return math.prod(batch) * n * m


def _no_bound(tensors: list[Tensor]) -> None:
    return None


def _on_meta(values):
    if isinstance(values, Tensor):
        return torch.empty_like(values, device="meta")
    if isinstance(values, dict):
        return {name: _on_meta(value) for name, value in values.items()}
    if isinstance(values, tuple):
        return tuple(_on_meta(value) for value in values)
    return values


def _check_size(node: ast.expr | str, result: object) -> None:
    for tensor in result if isinstance(result, _PAIRS) else (result,):
        if isinstance(tensor, Tensor):
            _check_shape(node, tensor.shape)


def _check_shape(node: ast.expr | str, shape: torch.Size) -> None:
    if math.prod(shape) > MAX_INTERMEDIATE_ENTRIES:
        raise InputError(
            "expr_too_large",
            {
                "piece": node if isinstance(node, str) else _piece(node),
                "shape": tuple(shape),
                "count": math.prod(shape),
                "limit": MAX_INTERMEDIATE_ENTRIES,
            },
        )


def _tensor(node: ast.expr, value: Value) -> Tensor:
    """What a line gives must be a tensor: a plain number has no graph to show."""
    if isinstance(value, _PAIRS):
        raise InputError("expr_values_needed", {"piece": _piece(node)})
    if not isinstance(value, Tensor):
        raise InputError("expr_not_tensor", {"piece": _piece(node)})
    return value
