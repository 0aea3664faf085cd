"""The expression language: every construct against torch run directly, every refusal, gradients."""

import ast
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch
import torch.nn.functional as F
from torch.autograd.functional import jacobian

from i18n import catalog
from lessons.language import expression
from lessons.language.expression import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_FUNCTIONAL,
    ALLOWED_KEYWORDS,
    ALLOWED_METHODS,
    ALLOWED_TORCH_FUNCTIONS,
    MAX_DEPTH,
    MAX_INTERMEDIATE_ENTRIES,
    MAX_STATEMENTS,
    Script,
    Statement,
    evaluate,
    parse_script,
)
from lessons.parsing import InputError
from tests.test_properties import assert_readable

NAMES = ("x", "W", "b", "t")
# No entry sits on a kink (relu, abs, clamp, max ties), so finite differences apply.
VALUES = {
    "x": [0.5, 1.5, 2.0],
    "W": [[0.2, -0.4, 0.9], [1.1, 0.3, -0.7]],
    "b": [0.5, -1.0],
    "t": [1.0, 0.25],
}


def leaves(dtype=torch.float32) -> dict[str, torch.Tensor]:
    return {
        name: torch.tensor(values, dtype=dtype, requires_grad=True)
        for name, values in VALUES.items()
    }


def run(source: str, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
    return evaluate(parse_script(source, inputs.keys()), inputs).y


def elementwise(name):
    return lambda x, W, b, t: getattr(torch, name)(x), lambda x, W, b, t: getattr(x, name)()


ELEMENTWISE_NAMES = ("sin", "cos", "tan", "exp", "log", "log1p", "sqrt", "square", "abs", "neg")
ELEMENTWISE_NAMES += ("tanh", "sigmoid", "relu")
# (source, the same computation written directly in torch)
CONSTRUCTS = [
    *((f"torch.{name}(x)", elementwise(name)[0]) for name in ELEMENTWISE_NAMES),
    *((f"x.{name}()", elementwise(name)[1]) for name in ELEMENTWISE_NAMES),
    ("x + 1", lambda x, W, b, t: x + 1),
    ("1 - x", lambda x, W, b, t: 1 - x),
    ("x * x / 2", lambda x, W, b, t: x * x / 2),
    ("2 / x", lambda x, W, b, t: 2 / x),
    ("x ** 2", lambda x, W, b, t: x**2),
    ("2 ** x", lambda x, W, b, t: 2**x),
    ("x ** 0.5 - -x", lambda x, W, b, t: x**0.5 - -x),
    ("+b @ -W", lambda x, W, b, t: +b @ -W),
    ("W @ x + b", lambda x, W, b, t: W @ x + b),
    ("-(2 ** 3) * x / (1 + 1)", lambda x, W, b, t: -(2**3) * x / (1 + 1)),
    ("3*b**3 - t**2", lambda x, W, b, t: 3 * b**3 - t**2),
    ("(x * torch.sin(x)).sum()", lambda x, W, b, t: (x * torch.sin(x)).sum()),
    ("((x * x).detach() * x).sum()", lambda x, W, b, t: ((x * x).detach() * x).sum()),
    ("x.detach()", lambda x, W, b, t: x.detach()),
    ("torch.pow(x, 3)", lambda x, W, b, t: torch.pow(x, 3)),
    ("torch.pow(x, exponent=b.sum())", lambda x, W, b, t: torch.pow(x, exponent=b.sum())),
    ("torch.clamp(x, min=1, max=1.8)", lambda x, W, b, t: torch.clamp(x, min=1, max=1.8)),
    ("torch.maximum(x, x * x)", lambda x, W, b, t: torch.maximum(x, x * x)),
    ("torch.minimum(b, other=t)", lambda x, W, b, t: torch.minimum(b, other=t)),
    ("torch.sum(W, dim=1, keepdim=True)", lambda x, W, b, t: torch.sum(W, dim=1, keepdim=True)),
    ("torch.sum(input=W, dim=(0, 1))", lambda x, W, b, t: torch.sum(input=W, dim=(0, 1))),
    ("torch.mean(W)", lambda x, W, b, t: torch.mean(W)),
    ("torch.prod(x)", lambda x, W, b, t: torch.prod(x)),
    ("torch.norm(W, p=2)", lambda x, W, b, t: torch.norm(W, p=2)),
    ("torch.max(x)", lambda x, W, b, t: torch.max(x)),
    ("torch.min(W, dim=1).values", lambda x, W, b, t: torch.min(W, dim=1).values),
    ("torch.cumsum(x, dim=0)", lambda x, W, b, t: torch.cumsum(x, dim=0)),
    ("torch.logsumexp(W, 0)", lambda x, W, b, t: torch.logsumexp(W, 0)),
    ("torch.softmax(W @ x, dim=0)", lambda x, W, b, t: torch.softmax(W @ x, dim=0)),
    ("torch.log_softmax(W, dim=1)", lambda x, W, b, t: torch.log_softmax(W, dim=1)),
    ("torch.dot(x, x)", lambda x, W, b, t: torch.dot(x, x)),
    ("torch.matmul(W, x)", lambda x, W, b, t: torch.matmul(W, x)),
    ("torch.mm(W, W.T)", lambda x, W, b, t: torch.mm(W, W.T)),
    ("torch.mv(W, x)", lambda x, W, b, t: torch.mv(W, x)),
    ("torch.outer(b, x)", lambda x, W, b, t: torch.outer(b, x)),
    ("torch.t(W)", lambda x, W, b, t: torch.t(W)),
    ("torch.transpose(W, 0, 1)", lambda x, W, b, t: torch.transpose(W, 0, 1)),
    ("torch.trace(W @ W.mT)", lambda x, W, b, t: torch.trace(W @ W.mT)),
    ("torch.diag(x)", lambda x, W, b, t: torch.diag(x)),
    # The names positional arguments bind to are keywords too.
    ("torch.dot(x, tensor=x)", lambda x, W, b, t: torch.dot(x, x)),
    ("torch.mm(W, mat2=W.T)", lambda x, W, b, t: torch.mm(W, W.T)),
    ("torch.mv(W, vec=x)", lambda x, W, b, t: torch.mv(W, x)),
    ("torch.outer(b, vec2=x)", lambda x, W, b, t: torch.outer(b, x)),
    ("torch.diag(x, diagonal=1)", lambda x, W, b, t: torch.diag(x, 1)),
    ("torch.diag(input=W)", lambda x, W, b, t: torch.diag(W)),
    ("torch.reshape(W, (3, 2))", lambda x, W, b, t: torch.reshape(W, (3, 2))),
    ("torch.flatten(W, start_dim=0, end_dim=1)", lambda x, W, b, t: torch.flatten(W, 0, 1)),
    ("torch.squeeze(W.reshape(1, 6))", lambda x, W, b, t: torch.squeeze(W.reshape(1, 6))),
    ("torch.unsqueeze(x, 0)", lambda x, W, b, t: torch.unsqueeze(x, 0)),
    ("torch.nn.functional.relu(x - 1)", lambda x, W, b, t: F.relu(x - 1)),
    ("torch.nn.functional.sigmoid(b)", lambda x, W, b, t: F.sigmoid(b)),
    ("torch.nn.functional.softmax(W, dim=1)", lambda x, W, b, t: F.softmax(W, dim=1)),
    ("torch.nn.functional.log_softmax(x, dim=0)", lambda x, W, b, t: F.log_softmax(x, dim=0)),
    ("torch.nn.functional.mse_loss(W @ x, t)", lambda x, W, b, t: F.mse_loss(W @ x, t)),
    (
        "torch.nn.functional.l1_loss(b, target=t, reduction='sum')",
        lambda x, W, b, t: F.l1_loss(b, t, reduction="sum"),
    ),
    (
        "torch.nn.functional.binary_cross_entropy_with_logits(b, t, reduction='none')",
        lambda x, W, b, t: F.binary_cross_entropy_with_logits(b, t, reduction="none"),
    ),
    ("x.pow(2)", lambda x, W, b, t: x.pow(2)),
    ("x.clamp(min=1)", lambda x, W, b, t: x.clamp(min=1)),
    ("x.maximum(2 * x - 1)", lambda x, W, b, t: x.maximum(2 * x - 1)),
    ("x.minimum(2 * x - 1)", lambda x, W, b, t: x.minimum(2 * x - 1)),
    ("W.sum(0)", lambda x, W, b, t: W.sum(0)),
    ("W.mean(dim=1)", lambda x, W, b, t: W.mean(dim=1)),
    ("x.prod()", lambda x, W, b, t: x.prod()),
    ("x.norm()", lambda x, W, b, t: x.norm()),
    ("W.max(dim=1).values", lambda x, W, b, t: W.max(dim=1).values),
    ("x.min()", lambda x, W, b, t: x.min()),
    ("W.cumsum(1)", lambda x, W, b, t: W.cumsum(1)),
    ("W.logsumexp(dim=1)", lambda x, W, b, t: W.logsumexp(dim=1)),
    ("W.softmax(dim=0)", lambda x, W, b, t: W.softmax(dim=0)),
    ("W.log_softmax(0)", lambda x, W, b, t: W.log_softmax(0)),
    ("x.dot(x)", lambda x, W, b, t: x.dot(x)),
    ("W.matmul(x)", lambda x, W, b, t: W.matmul(x)),
    ("W.mm(W.t())", lambda x, W, b, t: W.mm(W.t())),
    ("W.mv(x)", lambda x, W, b, t: W.mv(x)),
    ("x.outer(b)", lambda x, W, b, t: x.outer(b)),
    ("W.transpose(dim0=0, dim1=1)", lambda x, W, b, t: W.transpose(0, 1)),
    ("(W.T @ W).trace()", lambda x, W, b, t: (W.T @ W).trace()),
    ("x.diag()", lambda x, W, b, t: x.diag()),
    ("W.reshape(6)", lambda x, W, b, t: W.reshape(6)),
    ("W.view(-1, 2)", lambda x, W, b, t: W.view(-1, 2)),
    ("W.flatten()", lambda x, W, b, t: W.flatten()),
    ("x.unsqueeze(1).squeeze()", lambda x, W, b, t: x.unsqueeze(1).squeeze()),
    ("W.permute(1, 0)", lambda x, W, b, t: W.permute(1, 0)),
    ("x.expand(2, 3) * W", lambda x, W, b, t: x.expand(2, 3) * W),
    ("x.repeat(2) + x.clone()[0]", lambda x, W, b, t: x.repeat(2) + x.clone()[0]),
    ("(x + 1).pow(2).sum(dim=0, keepdim=True)", lambda x, W, b, t: (x + 1).pow(2).sum(0, True)),
    ("W[1]", lambda x, W, b, t: W[1]),
    ("W[-1, 0]", lambda x, W, b, t: W[-1, 0]),
    ("W[1, :2]", lambda x, W, b, t: W[1, :2]),
    ("x[1:] * x[:-1]", lambda x, W, b, t: x[1:] * x[:-1]),
    ("W[:, ::2]", lambda x, W, b, t: W[:, ::2]),
    ("(W @ x)[0]", lambda x, W, b, t: (W @ x)[0]),
    ("h = W @ x + b\nloss = (h.relu() - t).pow(2).mean()", lambda x, W, b, t: _loss(x, W, b, t)),
    ("y = W @ x; y[0]", lambda x, W, b, t: (W @ x)[0]),
    # Added for the puzzles (issue 14).
    ("x + torch.ones_like(x)", lambda x, W, b, t: x + torch.ones_like(x)),
    ("torch.zeros_like(W) - b[:, None]", lambda x, W, b, t: torch.zeros_like(W) - b[:, None]),
    ("W[:, None] * x", lambda x, W, b, t: W[:, None] * x),
    ("x[None, :, None]", lambda x, W, b, t: x[None, :, None]),
    ("x.flip(0)", lambda x, W, b, t: x.flip(0)),
    ("W.flip(0, 1)", lambda x, W, b, t: W.flip(0, 1)),
    ("torch.flip(W, dims=(1,))", lambda x, W, b, t: torch.flip(W, dims=(1,))),
    ("torch.where(x > 1, x, 0)", lambda x, W, b, t: torch.where(x > 1, x, 0)),
    ("torch.where(W <= x, W * x, -x)", lambda x, W, b, t: torch.where(x >= W, W * x, -x)),
    (
        "torch.where(x >= 1, x.sin(), x.cos())",
        lambda x, W, b, t: torch.where(x >= 1, x.sin(), x.cos()),
    ),
    ("torch.where(b < t, b, t * 2)", lambda x, W, b, t: torch.where(b < t, b, t * 2)),
    # Equal and unequal where a nudge of the inputs cannot flip them (finite differences).
    (
        "torch.where(W.relu() == 0, W, 2 * W)",
        lambda x, W, b, t: torch.where(W.relu() == 0, W, 2 * W),
    ),
    ("torch.where(b.relu() != 0, b, 0.5)", lambda x, W, b, t: torch.where(b.relu() != 0, b, 0.5)),
    (
        "torch.nn.functional.cross_entropy(W, torch.tensor([2, 0]))",
        lambda x, W, b, t: F.cross_entropy(W, torch.tensor([2, 0])),
    ),
    (
        "torch.nn.functional.cross_entropy(x, torch.tensor(1))",
        lambda x, W, b, t: F.cross_entropy(x, torch.tensor(1)),
    ),
    ("torch.nn.functional.cross_entropy(b, target=t)", lambda x, W, b, t: F.cross_entropy(b, t)),
    (
        "torch.nn.functional.nll_loss(W.log_softmax(1), target=torch.tensor((1, 2)))",
        lambda x, W, b, t: F.nll_loss(W.log_softmax(1), torch.tensor([1, 2])),
    ),
    ("a = x * 2\n\nc = a.sum()\nc * 3", lambda x, W, b, t: (x * 2).sum() * 3),
]


def _loss(x, W, b, t):
    h = W @ x + b
    return (h.relu() - t).pow(2).mean()


def called_names(sources):
    """The torch functions, functional names, methods, attributes and keywords used."""
    torch_names, functional, methods, attributes, keywords = set(), set(), set(), set(), set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                path = ast.unparse(node.func)
                if path.startswith("torch.nn.functional."):
                    functional.add(node.func.attr)
                elif path.startswith("torch."):
                    torch_names.add(node.func.attr)
                else:
                    methods.add(node.func.attr)
                keywords |= {keyword.arg for keyword in node.keywords}
            elif isinstance(node, ast.Attribute) and not ast.unparse(node).startswith("torch"):
                attributes.add(node.attr)
    # torch.tensor is taken only as a loss's class indices, tried with the losses.
    return torch_names - {"tensor"}, functional, methods - {"values"}, attributes, keywords


def test_every_allowed_name_is_tried_against_torch():
    torch_names, functional, methods, attributes, keywords = called_names(
        source for source, _ in CONSTRUCTS
    )
    assert torch_names == set(ALLOWED_TORCH_FUNCTIONS)
    assert functional == set(ALLOWED_FUNCTIONAL)
    assert methods == set(ALLOWED_METHODS)
    assert attributes - methods == set(ALLOWED_ATTRIBUTES)
    assert keywords == set(ALLOWED_KEYWORDS)


@pytest.mark.parametrize(("source", "direct"), CONSTRUCTS, ids=[s for s, _ in CONSTRUCTS])
def test_each_construct_computes_what_torch_computes(source, direct):
    ours, theirs = leaves(), leaves()
    y, expected = run(source, ours), direct(**theirs)
    assert y.shape == expected.shape
    assert torch.equal(y, expected)
    # The same operations, so the same graph node at the top.
    assert type(y.grad_fn) is type(expected.grad_fn)


@pytest.mark.parametrize(("source", "direct"), CONSTRUCTS, ids=[s for s, _ in CONSTRUCTS])
def test_every_operation_can_be_sized_on_meta_tensors(source, direct, monkeypatch):
    """With no bound from the arguments, each call is sized on meta tensors, never after."""
    sized = []
    check_size = expression._check_size

    def record(node, result):
        if not isinstance(node, str):  # the inputs themselves are checked as they are
            sized.append(result.values if isinstance(result, tuple) else result)
        check_size(node, result)

    monkeypatch.setattr(expression, "_check_size", record)
    monkeypatch.setattr(expression, "_broadcast_bound", expression._no_bound)
    monkeypatch.setattr(expression, "_product_bound", expression._no_bound)
    monkeypatch.setattr(expression, "_matmul_bound", expression._no_bound)
    monkeypatch.setattr(expression, "_SHAPE_BOUNDS", {})
    monkeypatch.setattr(expression, "META_WORK", 0)  # sizes only: work is tested apart
    run(source, leaves())
    assert sized
    assert {tensor.device.type for tensor in sized} == {"meta"}


@pytest.mark.parametrize(("source", "direct"), CONSTRUCTS, ids=[s for s, _ in CONSTRUCTS])
def test_the_size_bounds_hold_for_every_operation(source, direct, monkeypatch):
    """Each bound that lets a call skip the meta run is at least the real result's size."""
    checked = []
    real_run = expression._run

    def bounded_run(node, function, args, kwargs, bound, meter):
        result = real_run(node, function, args, kwargs, bound, meter)
        tensors = [value for value in (*args, *kwargs.values()) if isinstance(value, torch.Tensor)]
        most = bound(tensors)
        if most is not None:
            entries = result.values.numel() if isinstance(result, tuple) else result.numel()
            checked.append((ast.unparse(node), entries, most))
        return result

    monkeypatch.setattr(expression, "_run", bounded_run)
    run(source, leaves())
    assert [check for check in checked if check[1] > check[2]] == []


def test_each_allowed_name_has_a_bound_or_runs_on_meta():
    bounded = expression._BROADCAST_BOUNDED | expression._PRODUCT_BOUNDED
    assert set(ALLOWED_METHODS) - bounded == {"diag", "expand", "repeat"}
    assert (set(ALLOWED_TORCH_FUNCTIONS) | set(ALLOWED_FUNCTIONAL)) - bounded == {"diag"}
    # Those three are bounded from their sizes: no allowed name needs a meta run.
    assert set(expression._SHAPE_BOUNDS) == {"diag", "expand", "repeat"}


def vector_jacobian_products(source, inputs, v):
    """(through evaluate(), from jacobian() of torch run directly) for one seeded v."""
    direct = dict(CONSTRUCTS)[source]
    y = run(source, inputs)
    y.backward(v)
    ours = [inp.grad if inp.grad is not None else torch.zeros_like(inp) for inp in inputs.values()]
    jacobians = jacobian(lambda *args: direct(*args), tuple(leaves(torch.float64).values()))
    theirs = [torch.tensordot(v, j, dims=v.dim()) for j in jacobians]
    return ours, theirs


def central_differences(source, inputs, v, step=1e-6):
    """vᵀJ for every input from float64 central differences of evaluate() itself."""
    script = parse_script(source, inputs.keys())
    results = []
    for name, inp in inputs.items():
        grad = torch.zeros_like(inp)
        for index in range(inp.numel()):
            moved = {}
            for sign in (1, -1):
                shifted = {key: value.detach().clone() for key, value in inputs.items()}
                shifted[name].view(-1)[index] += sign * step
                moved[sign] = evaluate(script, shifted).y
            grad.view(-1)[index] = ((moved[1] - moved[-1]) * v).sum() / (2 * step)
        results.append(grad)
    return results


# x.detach() alone gives a y that needs no gradient.
DIFFERENTIABLE = [source for source, _ in CONSTRUCTS if source != "x.detach()"]


@pytest.mark.parametrize("source", DIFFERENTIABLE)
def test_gradients_of_every_input_match_jacobian_and_finite_differences(source):
    inputs = leaves(torch.float64)
    shape = run(source, leaves()).shape
    v = torch.randn(shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    ours, theirs = vector_jacobian_products(source, inputs, v)
    for grad, expected in zip(ours, theirs, strict=True):
        torch.testing.assert_close(grad, expected, rtol=1e-12, atol=1e-12)
    if "detach" not in source:  # detach() changes the gradient, not the value
        for grad, estimate in zip(ours, central_differences(source, inputs, v), strict=True):
            torch.testing.assert_close(grad, estimate, rtol=1e-6, atol=1e-6)


def test_the_notes_example_with_its_own_names():
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    result = evaluate(parse_script("Q = 3*a**3 - b**2", ["a", "b"]), {"a": a, "b": b})
    assert result.y.tolist() == [-12.0, 65.0]
    assert list(result.named) == ["Q"]
    assert result.named["Q"] is result.y
    result.y.backward(torch.ones(2))
    assert a.grad.tolist() == [36.0, 81.0]  # 9 a²
    assert b.grad.tolist() == [-12.0, -8.0]  # -2 b


def test_named_lines_keep_their_tensors_in_order_and_the_last_line_is_y():
    inputs = leaves()
    result = evaluate(parse_script("h = W @ x + b; r = h.relu(); (r - t).sum()", NAMES), inputs)
    assert list(result.named) == ["h", "r"]
    assert torch.equal(result.named["r"], (inputs["W"] @ inputs["x"] + inputs["b"]).relu())
    subtraction = result.y.grad_fn.next_functions[0][0]
    assert subtraction.next_functions[0][0] is result.named["r"].grad_fn
    with pytest.raises(TypeError):
        result.named["h"] = result.y


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("(x*torch.sin(x)).sum()", "(x * torch.sin(x)).sum()"),
        (
            "  h=W@x+b ;loss=(h.relu()-t).pow(2).mean()  # a comment",
            "h = W @ x + b\nloss = (h.relu() - t).pow(2).mean()",
        ),
        ("3*b**3-t**2", "3 * b ** 3 - t ** 2"),
        ("W[1,:2]", "W[1, :2]"),
        ('F_sum = torch.nn.functional.mse_loss(b,t,reduction="sum")', None),
        ("\n    a = x\n    a.sum()\n", "a = x\na.sum()"),
    ],
)
def test_the_code_shown_is_regenerated_from_the_tree(source, code):
    code = code or "F_sum = torch.nn.functional.mse_loss(b, t, reduction='sum')"
    script = parse_script(source, NAMES)
    assert script.code == code
    assert parse_script(script.code, NAMES).code == code


def test_nan_and_infinity_are_results_not_errors():
    inputs = leaves()
    huge = evaluate(parse_script("x ** 1e6", NAMES), inputs)
    assert not huge.finite
    assert huge.y.tolist()[1:] == [float("inf"), float("inf")]
    assert evaluate(parse_script("x.sum()", NAMES), inputs).finite


def test_torch_errors_carry_torch_s_own_words_from_the_real_call():
    inputs = leaves()
    with pytest.raises(RuntimeError) as direct:
        inputs["W"] @ inputs["W"]
    with pytest.raises(InputError) as caught:
        run("W @ W", inputs)
    assert caught.value.code == "expr_torch"
    assert caught.value.params == {"piece": "W @ W", "message": str(direct.value)}


def test_the_size_limit_is_exact_and_checked_before_building():
    inputs = leaves()
    assert run(f"x.repeat({MAX_INTERMEDIATE_ENTRIES // 3})", inputs).numel() == 4095
    with pytest.raises(InputError) as caught:
        run(f"x.repeat({MAX_INTERMEDIATE_ENTRIES // 3 + 1})", inputs)
    assert caught.value.params == {
        "piece": "x.repeat(1366)",
        "shape": (4098,),
        "count": 4098,
        "limit": MAX_INTERMEDIATE_ENTRIES,
    }
    # 3 * 10**10 float32 entries (120 GB): only refusing before building can answer at all.
    with pytest.raises(InputError) as caught:
        run("x.repeat(100000, 100000)", inputs)
    assert caught.value.code == "expr_too_large"


def test_evaluate_checks_a_script_built_by_hand():
    sneaky = Script((Statement(None, ast.parse("x.__class__").body[0].value),))
    with pytest.raises(InputError) as caught:
        evaluate(sneaky, leaves())
    assert caught.value.code == "expr_attribute"


# (source, input names, code): at least one example of every refusal.
# Eight lines of eleven products of 63 x 63 matrices: each line fits, all of them do not.
TOO_MUCH_WORK = "A = x.repeat(64, 21)[:, :63]\nB = A.T @ A / 1000\n" + "\n".join(
    f"c{line} = " + " @ ".join(["B"] * 12) for line in range(8)
)
REFUSALS = [
    ("", NAMES, "expr_empty"),
    ("# only a comment", NAMES, "expr_empty"),
    ("x" * 1001, NAMES, "expr_too_long"),
    ("(" * 50 + "x" + ")" * 50, NAMES, "expr_too_deep"),
    ("-" * 50 + "x", NAMES, "expr_too_deep"),
    ("x" + " + x" * 160, NAMES, "expr_too_deep"),
    (
        "\n".join(f"a{i} = x" + " + x" * 9 for i in range(MAX_STATEMENTS)),
        NAMES,
        "expr_too_many_nodes",
    ),
    ("\n".join(f"a{i} = x" for i in range(MAX_STATEMENTS + 1)), NAMES, "expr_too_many_lines"),
    ("x", ("x", "a", "b", "c", "d", "e", "g"), "expr_too_many_inputs"),
    ("x +", NAMES, "expr_syntax"),
    ("(x", NAMES, "expr_syntax"),
    ("x\x00", NAMES, "expr_syntax"),
    ("import os", NAMES, "expr_statement"),
    ("x += 1", NAMES, "expr_inplace"),
    ("def f(): pass", NAMES, "expr_statement"),
    ("a, c = x, x", NAMES, "expr_target"),
    ("x[0] = 1", NAMES, "expr_inplace"),
    ("a = c = x", NAMES, "expr_target"),
    ("x.sum()\nx", NAMES, "expr_bare_line"),
    ("z * 2", NAMES, "expr_unknown_name"),
    ("h = h + x", NAMES, "expr_unknown_name"),
    ("F.relu(x)", NAMES, "expr_unknown_name"),
    ("torch", NAMES, "expr_unknown_name"),
    ("lambda: x", NAMES, "expr_not_allowed"),
    ("x if x else x", NAMES, "expr_not_allowed"),
    ("x < 1", NAMES, "expr_comparison"),
    ("torch.where(x > 0, x > 1, x)", NAMES, "expr_comparison"),
    ("torch.where(x > 0)", NAMES, "expr_where"),
    ("torch.where(x, x, 0)", NAMES, "expr_where"),
    ("torch.where(0 < x < 1, x, 0)", NAMES, "expr_where"),
    ("torch.where(x in x, x, 0)", NAMES, "expr_where"),
    ("torch.where(x > 0, input=x, other=0)", NAMES, "expr_where"),
    ("x + 'a'", NAMES, "expr_not_allowed"),
    ("x * True", NAMES, "expr_not_allowed"),
    ("x // 2", NAMES, "expr_operator"),
    ("~x", NAMES, "expr_operator"),
    ("not x", NAMES, "expr_operator"),
    ("torch.load(x)", NAMES, "expr_function"),
    ("print(x)", NAMES, "expr_function"),
    ("torch.nn.functional.conv2d(x, x)", NAMES, "expr_function"),
    ("x.numpy()", NAMES, "expr_method"),
    ("x.add_(1)", NAMES, "expr_inplace_method"),
    ("x.grad", NAMES, "expr_attribute"),
    ("x.values", NAMES, "expr_attribute"),
    ("torch.pi * x", NAMES, "expr_attribute"),
    ("x.sum(out=x)", NAMES, "expr_keyword"),
    ("x.sum(**d)", NAMES, "expr_keyword"),
    ("torch.norm(x, 2, None, False, x)", NAMES, "expr_positional"),
    ("x.sum(dim='0')", NAMES, "expr_keyword_value"),
    ("x.reshape((x, 1))", NAMES, "expr_keyword_value"),
    ("x[x]", NAMES, "expr_index"),
    ("x[0.5]", NAMES, "expr_index"),
    ("x[True]", NAMES, "expr_index"),
    ("x * 1e400", NAMES, "expr_number"),
    ("x * 1j", NAMES, "expr_number"),
    ("x * 2**60", NAMES, "expr_number"),
    ("x * (-8) ** 0.5", NAMES, "expr_number"),
    ("x * (1 / 0)", NAMES, "expr_number_math"),
    ("x * 10.0 ** 400", NAMES, "expr_number_math"),
    ("torch.max(W, dim=0)", NAMES, "expr_values_needed"),
    ("torch.max(W, 0) * 2", NAMES, "expr_values_needed"),
    ("2 * 3", NAMES, "expr_not_tensor"),
    ("a = 2\nx * a", NAMES, "expr_not_tensor"),
    ("torch.outer(W.flatten(), x.repeat(1000))", NAMES, "expr_too_large"),
    (
        "A = x.repeat(64, 22)[:, :64].reshape(64, 1, 1, 64)\nA @ A.reshape(1, 64, 64, 1)",
        NAMES,
        "expr_too_large",
    ),
    (TOO_MUCH_WORK, NAMES, "expr_too_much_work"),
    ("W @ x @ x", NAMES, "expr_torch"),
    ("x[5]", NAMES, "expr_torch"),
    ("x[::-1]", NAMES, "expr_torch"),
    ("torch.softmax(x)", NAMES, "expr_torch"),
    ("torch.nn.functional.nll_loss(W, torch.tensor([3, 0]))", NAMES, "expr_torch"),
    ("torch.nn.functional.cross_entropy(W, [2, 0])", NAMES, "expr_class_target"),
    ("torch.nn.functional.cross_entropy(x, target=1)", NAMES, "expr_class_target"),
    ("torch.nn.functional.cross_entropy(W, torch.tensor([0.5, 1]))", NAMES, "expr_class_target"),
    ("torch.nn.functional.nll_loss(W, torch.tensor([]))", NAMES, "expr_class_target"),
    ("torch.nn.functional.nll_loss(W, torch.tensor(b))", NAMES, "expr_class_target"),
    ("W * torch.tensor([2, 0])", NAMES, "expr_function"),
    ("x.where(x > 0, x)", NAMES, "expr_method"),
    ("x.ones_like()", NAMES, "expr_method"),
    ("torch.nn.functional.softmax(x)", NAMES, "expr_dim_needed"),
    ("torch.nn.functional.mse_loss(b, W)", NAMES, "expr_loss_shapes"),
    ("x.reshape(1, 1, 3).T", NAMES, "expr_transpose"),
    ("f = x * 2", NAMES, "tensor_name_reserved"),
    ("x = x * 2", NAMES, "tensor_name_taken"),
    ("h = x; h = h * 2", NAMES, "tensor_name_taken"),
    ("torch.sin(x)", ("x", "torch"), "tensor_name_reserved"),
]


@pytest.mark.parametrize(("source", "names", "code"), REFUSALS, ids=[r[0][:30] for r in REFUSALS])
def test_each_refusal_has_its_code_and_a_complete_message(source, names, code):
    inputs = {name: torch.ones(3, requires_grad=True) for name in names}
    inputs |= {name: tensor for name, tensor in leaves().items() if name in names}
    with pytest.raises(InputError) as caught:
        run(source, inputs)
    assert caught.value.code == code
    assert_readable(caught.value)


def test_every_expression_message_is_reached_by_a_refusal():
    codes = {key.removeprefix("errors.") for key in catalog("en") if key.startswith("errors.expr_")}
    assert codes == {code for _, _, code in REFUSALS if code.startswith("expr_")}


@pytest.mark.parametrize(
    ("source", "params"),
    [
        ("x.numpy()", {"name": "numpy", "methods": ", ".join(ALLOWED_METHODS)}),
        ("x.__class__.__subclasses__()", {"name": "__subclasses__"}),
        ("torch.hub.load(x)", {"piece": "torch.hub.load"}),
        ("z + x", {"name": "z", "names": "x, W, b, t"}),
        ("h = x\nh.sum() + g", {"name": "g", "names": "x, W, b, t, h"}),
        (
            "(lambda: " + "x + " * 20 + "x)()",
            {"piece": "lambda: " + "x + " * 8 + "…"},
        ),
        ("x.sum(dim=0, out=x)", {"piece": "out=x"}),
        ("x\n1/0", {"piece": "x"}),
        ("x +\n", {"line": 1, "message": "invalid syntax"}),
    ],
)
def test_messages_quote_the_offending_piece(source, params):
    with pytest.raises(InputError) as caught:
        run(source, leaves())
    assert params.items() <= caught.value.params.items()


@pytest.mark.parametrize("prefix", ["", "h = "])
def test_the_depth_limit_is_exact_on_every_line(prefix):
    inputs = leaves()
    deepest = "+" * (MAX_DEPTH - 1) + "x"  # each plus is one level, x the last
    assert torch.equal(run(prefix + deepest, inputs), inputs["x"])
    with pytest.raises(InputError) as caught:
        run(prefix + "+" + deepest, inputs)
    assert caught.value.code == "expr_too_deep"


def test_scripts_parsed_in_many_threads_at_once_come_out_exactly_the_same():
    """Sessions are threads: ast.parse runs one at a time (CPython gh-106905 on 3.11.7)."""
    sources = [
        "h = " + "(" * depth + "x + W @ x" + ")" * depth + f"\nh.pow({depth}).sum(dim=0)"
        for depth in range(1, MAX_DEPTH - 2)
    ] * 8
    expected = [parse_script(source, NAMES).code for source in sources]
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda source: parse_script(source, NAMES).code, sources))
    assert codes == expected
    assert expected[0] == "h = x + W @ x\nh.pow(1).sum(dim=0)"
