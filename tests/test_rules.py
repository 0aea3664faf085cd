"""The rule table against torch's engine: every allowed operation, at random float64 points.

Each expression below is evaluated by the expression language, its graph recorded by the
engine's hooks, and every node's rule (lessons/language/rules.py) is applied to what
arrived and what the node saved; what the rule gives must be what the engine passed on."""

import ast
import dataclasses

import pytest
import torch

from i18n import catalog
from lessons.language import rules
from lessons.language.chain import rule_context, step_texts
from lessons.language.expression import (
    _BINARY,
    _UNARY,
    ALLOWED_ATTRIBUTES,
    ALLOWED_FUNCTIONAL,
    ALLOWED_METHODS,
    ALLOWED_TORCH_FUNCTIONS,
    evaluate,
    parse_script,
)
from lessons.language.graph import _walk, record_backward, trace
from lessons.language.playground import playground_lesson
from lessons.language.rules import NO_RULE, RULES, Rule, apply
from lessons.language.snapshot import snapshot
from lessons.vjp import VectorChoice
from tests.helpers import code_blocks
from tests.test_playground_page import open_link
from tests.test_playground_steps import reachable_tensors, step_button

F = "torch.nn.functional."
# At least one expression per allowed function, method, operator, attribute and index.
# x, u: vectors of n entries, W: n x n, z: positive entries (for log, sqrt, powers).
EXPRESSIONS = (
    *("x + u", "x + 1", "1 + x", "x - u", "x - 1", "1 - x", "x * u", "3 * x", "x * W"),
    *("x / u", "x / 2", "2 / x", "x ** 2", "3 * x ** 3 - u ** 2", "z ** x", "2 ** x"),
    *("x ** 0.5 * z", "x @ u", "W @ u", "u @ W", "W @ W", "-x", "+x * u", "x[0] * u"),
    *("x[1:] * 2", "W[0, 1] * x", "W[:, 0] * 2", "W[None] * 2", "W.T * 2", "W.mT @ W"),
    *("torch.sin(x)", "torch.cos(x)", "torch.tan(x)", "torch.exp(x)", "torch.log(z)"),
    *("torch.log1p(z)", "torch.sqrt(z)", "torch.square(x)", "torch.abs(x)", "torch.neg(x)"),
    *("torch.tanh(x)", "torch.sigmoid(x)", "torch.relu(x)", "torch.pow(x, 3)"),
    *("torch.pow(z, x)", "torch.clamp(x, -0.5, 0.5)", "torch.clamp(x, min=0)"),
    *("torch.maximum(x, u)", "torch.minimum(x, u)", "torch.sum(W)", "torch.sum(W, 0)"),
    *("W.sum((0, 1), keepdim=True)", "torch.mean(x)", "torch.mean(W, 1)", "torch.prod(x)"),
    *("torch.prod(W, 0)", "torch.norm(x)", "torch.norm(W, dim=0)", "torch.norm(x, 1)"),
    *("torch.norm(x, 3)", "torch.max(x)", "torch.max(W, 1).values", "torch.max(x, u)"),
    *("torch.min(x)", "torch.min(W, 0, keepdim=True).values", "torch.min(x, u)"),
    *("torch.cumsum(W, 1)", "torch.logsumexp(W, 0)", "torch.softmax(W, 1)"),
    *("torch.log_softmax(x, 0)", "torch.dot(x, u)", "torch.matmul(W, u)", "torch.mm(W, W)"),
    *("torch.mv(W, x)", "torch.outer(x, u)", "torch.t(W)", "torch.transpose(W, 0, 1)"),
    *("torch.trace(W)", "torch.diag(x)", "torch.diag(x, 1)", "torch.diag(W)"),
    *("torch.reshape(W, (-1,))", "torch.flatten(W)", "torch.squeeze(W[0:1])"),
    *("torch.squeeze(W[0:1], 0)", "W[0:1].squeeze((0,))", "torch.unsqueeze(x, 0)"),
    *("torch.flip(W, (0,))", "torch.ones_like(x) * x", "torch.zeros_like(x) + x"),
    *("torch.where(x > 0, x, u * 2)",),
    *(F + name + "(x)" for name in ("relu", "sigmoid")),
    *(F + "softmax(W, dim=0)", F + "log_softmax(W, dim=1)", F + "mse_loss(x, u)"),
    *(F + "mse_loss(x, u, reduction='sum')", F + "l1_loss(x, u, reduction='none')"),
    *(F + "binary_cross_entropy_with_logits(x, u.sigmoid())",),
    *(F + "cross_entropy(W[0:2], torch.tensor([1, 0]))", F + "cross_entropy(W, W.softmax(1))"),
    *(F + "nll_loss(W[0:2].log_softmax(1), torch.tensor([0, 1]), reduction='sum')",),
    *("x.view(-1, 1).sum()", "W.permute(1, 0)", "u.expand(2, -1)", "x.repeat(2, 1)"),
    *("x.detach() * u", "x.clone()", "x.sin().exp().sum()", "W.flip(0, 1)", "x.reshape(1, -1)"),
    *("x.sum()", "x.mean()", "x.prod()", "x.max()", "x.min()", "x.cumsum(0)", "x.norm()"),
    *("x.logsumexp(0)", "x.softmax(0)", "x.log_softmax(0)", "x.dot(u)", "W.matmul(u)"),
    *("W.mm(W)", "W.mv(u)", "x.outer(u)", "W.t()", "W.transpose(0, 1)", "W.trace()"),
    *("x.diag()", "W.flatten()", "x.unsqueeze(1)", "x.squeeze()", "x.tanh()", "x.sigmoid()"),
    *("x.relu()", "x.pow(2)", "x.clamp(max=0.1)", "x.maximum(u)", "x.minimum(u)", "x.sin()"),
    *("x.cos()", "x.tan()", "x.exp()", "z.log()", "z.log1p()", "z.sqrt()", "x.square()"),
    *("x.abs()", "x.neg()", "W[None] @ W"),
    # Negative dimensions and indices, which torch saves as unsigned 64-bit numbers:
    *("x.unsqueeze(-1)", "W.softmax(-1)", "W.sum(-1)", "x[-2:]", "W[-1]", "W.flip(-1)"),
    *("W.transpose(-1, 0)", "W.cumsum(-1)", "W.max(-1).values", "W.prod(-1)", "W.mean(-1)"),
    *("W.norm(dim=-1)", "W.permute(-1, 0)", "W.logsumexp(-1)", "W.log_softmax(-1)"),
    *("W.squeeze(-1)", "x.diag(-1)", "W.diag(-1)"),
)  # fmt: skip


def leaves(n: int, seed: int) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)

    def draw(*shape, low=-2.0, high=2.0):
        values = torch.rand(*shape, generator=generator, dtype=torch.float64)
        return (low + (high - low) * values).requires_grad_()

    return {"x": draw(n), "u": draw(n), "W": draw(n, n), "z": draw(n, low=0.5, high=2.0)}


def run(expression: str, tensors: dict[str, torch.Tensor]):
    """Evaluate, trace and run backward with a random v; the torch nodes as well."""
    evaluation = evaluate(parse_script(expression, list(tensors)), tensors)
    y = evaluation.y
    graph = trace(y, tensors, evaluation.named, evaluation.sources)
    nodes = _walk(y)
    # What each node saved, read before backward() frees it: the reference for the steps.
    expected = [
        {name[len("_saved_") :]: getattr(node, name) for name in dir(node) if _saved(name)}
        for node in nodes
    ]
    generator = torch.Generator().manual_seed(len(expression))
    v = torch.rand(y.shape, generator=generator, dtype=torch.float64) + 0.5
    steps = record_backward(y, v, tensors) if y.grad_fn is not None else ()
    return graph, steps, expected


def _saved(attribute: str) -> bool:
    return attribute.startswith("_saved_")


def differences(rule: Rule, step, graph) -> list[float]:
    """|rule - engine| for every entry the engine passed on; inf when the rule gives none
    or nan in other places."""
    computed = rule.backward(rule_context(step, graph))
    found = []
    for slot, engine in enumerate(step.outgoing):
        if engine is None:
            continue
        mine = computed[slot]
        if mine is None or mine.shape != engine.shape:
            found.append(float("inf"))
        else:  # nan where the engine has nan too (x ** 0.5 at x < 0) counts as agreeing
            agree = mine.isnan() == engine.isnan()
            gap = (mine - engine).nan_to_num(nan=0.0).abs().max().item() if mine.numel() else 0.0
            found.append(gap if bool(agree.all()) else float("inf"))
    return found


def used_names(expression: str) -> set[str]:
    tree = ast.parse(expression)
    calls = {node.func.attr for node in ast.walk(tree) if isinstance(node, ast.Call)}
    calls |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    return calls


def test_the_expressions_use_every_allowed_operation():
    used = set().union(*map(used_names, EXPRESSIONS))
    allowed = {*ALLOWED_TORCH_FUNCTIONS, *ALLOWED_METHODS, *ALLOWED_FUNCTIONAL}
    assert allowed - {"nn", "functional"} <= used
    assert set(ALLOWED_ATTRIBUTES) <= used
    trees = [ast.parse(expression) for expression in EXPRESSIONS]
    operators = {type(node.op) for tree in trees for node in ast.walk(tree) if hasattr(node, "op")}
    assert set(_BINARY) | set(_UNARY) <= operators
    assert any(isinstance(node, ast.Subscript) for tree in trees for node in ast.walk(tree))


@pytest.mark.parametrize("n, seed", [(2, 0), (3, 1)])
@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_every_rule_gives_what_the_engine_passed_on(expression, n, seed):
    graph, steps, _ = run(expression, leaves(n, seed))
    for step in steps:
        kind = graph.nodes[step.node].kind
        assert kind in RULES or kind in NO_RULE, kind
        if kind in RULES:
            gaps = differences(RULES[kind], step, graph)
            assert gaps and max(gaps) < 1e-10, (kind, gaps)


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_what_each_node_saved_is_read_before_it_runs(expression):
    _, steps, expected = run(expression, leaves(3, 2))
    for step in steps:
        want = expected[step.node]
        assert [saved.name for saved in step.saved] == list(want)
        for saved in step.saved:
            value = want[saved.name]
            if isinstance(value, torch.Tensor):
                torch.testing.assert_close(
                    saved.value, value.detach(), rtol=0, atol=0, equal_nan=True
                )
            else:
                assert saved.value == value


def test_every_node_the_language_makes_has_a_rule_or_is_listed_and_every_rule_is_used():
    made = set()
    for expression in EXPRESSIONS:
        graph, _, _ = run(expression, leaves(3, 0))
        made |= {node.kind for node in graph.nodes}
    assert made - set(NO_RULE) <= set(RULES)
    assert set(RULES) <= made  # no rule the tests above never ran
    assert set(NO_RULE) == {"AccumulateGrad"}


def test_a_wrong_rule_is_caught():
    tensors = leaves(3, 0)
    graph, steps, _ = run("x ** 3", tensors)
    (step,) = [step for step in steps if graph.nodes[step.node].kind == "PowBackward0"]
    right = RULES["PowBackward0"]
    wrong = dataclasses.replace(right, backward=lambda c: (c.g * c.value("self") ** 2,))
    assert max(differences(right, step, graph)) < 1e-12
    assert max(differences(wrong, step, graph)) > 0.1


def test_ties_share_the_gradient_as_torch_does():
    a = torch.tensor([1.0, 3.0, 3.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([2.0, 3.0, 0.0], dtype=torch.float64, requires_grad=True)
    shares = {
        "torch.max(a)": ([0.0, 0.5, 0.5],),
        "torch.maximum(a, b)": ([0.0, 0.5, 1.0], [1.0, 0.5, 0.0]),
        "torch.min(b)": ([0.0, 0.0, 1.0],),
    }
    for expression, expected in shares.items():
        graph, steps, _ = run(expression, {"a": a, "b": b})
        first = steps[0]
        kind = graph.nodes[first.node].kind
        assert max(differences(RULES[kind], first, graph)) == 0
        assert [(sent / first.incoming[0]).tolist() for sent in first.outgoing] == list(expected)


def texts(expression: str, **values: str):
    lesson = playground_lesson(list(values.items()), expression, VectorChoice())
    by_kind = {}
    for text in step_texts(lesson.steps, lesson.graph):
        by_kind.setdefault(lesson.graph.nodes[text.node].label, text)
    return lesson, by_kind


def test_the_cubic_shows_its_constants_where_the_nodes_saved_them_and_the_rules_here():
    _, by_label = texts("Q = 3*a**3 - b**2", a="2, 3", b="6, 4")
    square, product = by_label["b ** 2"], by_label["3 * a ** 3"]
    saved = {item.name: item for item in square.saved}
    assert (saved["exponent"].value, saved["self"].value) == ("2", str(torch.tensor([6.0, 4.0])))
    assert saved["self"].origin == "b" and not saved["self"].own_output
    assert square.formula == "∂(aᵖ)/∂a = p·aᵖ⁻¹" and square.here == "2·b"
    assert by_label["a ** 3"].here == "3·a²"
    assert {item.name: item.value for item in product.saved}["other"] == str(torch.tensor(3))
    assert product.here == "∂/∂(a ** 3) = 3"
    assert square.computed == (str(torch.tensor([-12.0, -8.0])),) and square.difference == 0


def test_a_saved_output_is_named_as_the_nodes_own():
    _, by_label = texts("(W @ x + b).sigmoid().sum()", W="1, -1; 0.5, 2", x="1, 2", b="0.1, -0.2")
    sigmoid = by_label["(W @ x + b).sigmoid()"]
    (result,) = sigmoid.saved
    assert result.name == "result" and result.own_output
    assert sigmoid.here == "((W @ x + b).sigmoid())·(1 − ((W @ x + b).sigmoid()))"
    assert by_label["W @ x"].here == "∂/∂W = g·xᵀ, ∂/∂x = Wᵀ·g"


@pytest.mark.parametrize(
    "expression, senders",
    [
        ("W * W", ["MulBackward0", "MulBackward0"]),
        ("x * x + x", ["AddBackward0", "MulBackward0", "MulBackward0"]),
        ("(x * torch.sin(x)).sum()", ["MulBackward0", "SinBackward0"]),
    ],
)
def test_a_leaf_shows_each_contribution_and_their_sum_is_its_grad(expression, senders):
    values = {"W": "1, 2; 3, 4"} if "W" in expression else {"x": "1, 2, 3"}
    lesson, _ = texts(expression, **values)
    (name,) = values
    leaf = next(
        text
        for text in step_texts(lesson.steps, lesson.graph)
        if lesson.graph.nodes[text.node].names == (name,)
    )
    (grad,) = [item.grad for item in lesson.inputs]
    assert leaf.total == str(grad) and leaf.total_difference == 0
    sent = sorted(lesson.graph.nodes[item.source].kind for item in leaf.contributions)
    assert sent == senders


def test_an_operation_without_a_rule_says_so_and_keeps_torchs_numbers(monkeypatch):
    fewer = {kind: rule for kind, rule in RULES.items() if kind != "SinBackward0"}
    monkeypatch.setattr(rules, "RULES", fewer)
    _, by_label = texts("torch.sin(x).sum()", x="1, 2")
    sine = by_label["torch.sin(x)"]
    assert not sine.has_rule and sine.formula == "" and sine.computed == ()
    assert sine.outgoing == (str(torch.cos(torch.tensor([1.0, 2.0]))),)
    assert not apply("NoSuchBackward0", None).rule


def test_a_snapshot_keeps_texts_only():
    lesson = playground_lesson([("x", "1, 2, 3")], "(x * x + x).sum()", VectorChoice())
    assert lesson.steps[0].saved is not None
    assert not reachable_tensors([snapshot(lesson)])


def paragraphs(at) -> list[str]:
    return [part for element in at.markdown for part in element.value.split("\n\n")]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_step_panel_shows_the_chain_rule_in_both_languages(language):
    messages = catalog(language)
    at = open_link({"f": "Q = 3*a**3 - b**2", "a": "2, 3", "b": "6, 4"}, language)
    assert messages["playground.step_order"] in [caption.value for caption in at.caption]
    step_button(at, "next").click().run()  # b ** 2, in the order this run took
    assert messages["playground.step_made_by"].replace("{code}", "b ** 2") in paragraphs(at)
    assert messages["playground.step_saved"] in paragraphs(at)
    codes = code_blocks(at)
    six_four = str(torch.tensor([6.0, 4.0]))
    assert f"_saved_exponent = 2\n_saved_self = {six_four}  # b" in codes
    here = messages["playground.step_here"]
    assert f"∂(aᵖ)/∂a = p·aᵖ⁻¹\n{here} 2·b" in codes
    engine, rule = messages["playground.step_engine_line"], messages["playground.step_rule_line"]
    sent = str(torch.tensor([-12.0, -8.0]))
    assert f"{engine}: {sent}\n{rule}: {sent}" in codes
    difference = messages["playground.step_difference"].format(difference="0")
    assert difference in paragraphs(at)

    step_button(at, "next").click().run()  # b's leaf
    codes = code_blocks(at)
    assert f"← b ** 2 (PowBackward0): {sent}\nΣ = {sent}" in codes
    total = messages["playground.step_contributions_sum"].format(name="b", diff="0")
    assert total in paragraphs(at)
    assert not at.exception


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_steps_table_shows_saved_values_rules_and_their_agreement(language):
    messages = catalog(language)
    at = open_link({"f": "y = W * W", "W": "1, 2; 3, 4"}, language)
    frame = at.table[0].value
    column = lambda name: list(frame[messages[f"playground.table_{name}"]])  # noqa: E731
    assert column("code") == ["`W * W`", ""]
    W = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    first_line = str(W).splitlines()[0]
    assert column("saved")[0].startswith(f"`_saved_other = {first_line}`\n")
    assert column("saved")[0].count("# W") == 2
    assert column("rule")[0] == "`∂(a·b)/∂a = b, ∂(a·b)/∂b = a`\n`∂/∂W = W, ∂/∂W = W`"
    assert column("difference") == ["0", "0"]
    assert f"`Σ = {str(2 * W).splitlines()[0]}`" in column("computed")[1]
