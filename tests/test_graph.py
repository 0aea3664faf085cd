"""The graph walk, the engine recorder and the DOT text, on tensors built with torch directly."""

import re

import pytest
import torch

from lessons.language.expression import evaluate, parse_script
from lessons.language.graph import (
    CURRENT_COLOUR,
    DONE_COLOUR,
    MAX_DRAWN_BOXES,
    MAX_DRAWN_IN_DEGREE,
    WAITING_COLOUR,
    Edge,
    Graph,
    Node,
    dot_string,
    graph_size,
    record_backward,
    to_dot,
    trace,
)


def leaf(*values):
    return torch.tensor(values, requires_grad=True)


def kinds(graph):
    return [node.kind for node in graph.nodes]


def order(graph, steps):
    return [graph.nodes[step.node].kind for step in steps]


def test_x_sin_x_gives_torch_names_shapes_edges_and_the_engine_order():
    x = leaf(1.0, 2.0, 3.0)
    y = (x * torch.sin(x)).sum()
    graph = trace(y, {"x": x}, {})
    assert kinds(graph) == ["SumBackward0", "MulBackward0", "AccumulateGrad", "SinBackward0"]
    assert [node.shapes for node in graph.nodes] == [((),), ((3,),), ((3,),), ((3,),)]
    assert [node.names for node in graph.nodes] == [(), (), ("x",), ()]
    # Mul passes to x (slot 0) and to sin (slot 1); sin passes to x as well: one x node.
    assert graph.edges == (Edge(0, 1, 0), Edge(1, 2, 0), Edge(1, 3, 1), Edge(3, 2, 0))

    steps = record_backward(y)
    assert order(graph, steps) == [
        "SumBackward0",
        "MulBackward0",
        "SinBackward0",
        "AccumulateGrad",
    ]
    # x's node runs once, with both contributions already added by the engine.
    expected = torch.sin(x) + x * torch.cos(x)
    assert torch.allclose(steps[-1].incoming[0], expected.detach())
    assert torch.equal(steps[-1].incoming[0], x.grad)
    assert steps[-1].outgoing == ()
    assert torch.equal(steps[1].outgoing[1], x.detach())  # d(x·s)/ds · 1 = x, sent to sin


def test_recorded_gradients_flow_node_to_node():
    """What a node passes along an edge arrives at the node the edge points to."""
    a, b = leaf(2.0, 3.0), leaf(6.0, 4.0)
    y = (3 * a**3 - b**2).sum()
    graph = trace(y, {"a": a, "b": b}, {})
    steps = {step.node: step for step in record_backward(y)}
    single_parent = [
        edge
        for edge in graph.edges
        if sum(other.target == edge.target for other in graph.edges) == 1
    ]
    assert single_parent
    for edge in single_parent:
        sent = steps[edge.source].outgoing[edge.slot]
        assert torch.equal(sent, steps[edge.target].incoming[0])
    assert torch.equal(a.grad, 9 * a.detach() ** 2)
    assert torch.equal(b.grad, -2 * b.detach())


def test_every_leaf_receives_its_grad_at_its_last_step():
    W = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x, b = leaf(0.5, -1.0), leaf(0.1, 0.2)
    y = (W @ x + b).sigmoid().sum()
    graph = trace(y, {"W": W, "x": x, "b": b}, {})
    steps = record_backward(y)
    leaves = [step for step in steps if graph.nodes[step.node].is_leaf]
    by_name = {graph.nodes[step.node].names[0]: step.incoming[0] for step in leaves}
    assert sorted(by_name) == ["W", "b", "x"]
    for name, tensor in {"W": W, "x": x, "b": b}.items():
        assert torch.equal(by_name[name], tensor.grad)
    assert steps[0].node == 0 and torch.equal(steps[0].incoming[0], torch.tensor(1.0))
    assert graph.nodes[0].kind == "SumBackward0"
    assert {node.shapes for node in graph.nodes if node.names == ("W",)} == {((2, 2),)}


def test_named_intermediates_label_their_nodes():
    W = torch.tensor([[1.0, -1.0], [2.0, 0.5]], requires_grad=True)
    x, b, target = leaf(1.0, 2.0), leaf(0.0, -3.0), torch.tensor([1.0, 0.0])
    h = W @ x + b
    loss = (h.relu() - target).pow(2).mean()
    graph = trace(loss, {"W": W, "x": x, "b": b, "t": target}, {"h": h, "loss": loss})
    labels = {node.names: node.kind for node in graph.nodes if node.names}
    assert labels == {
        ("loss",): "MeanBackward0",
        ("h",): "AddBackward0",
        ("W",): "AccumulateGrad",
        ("x",): "AccumulateGrad",
        ("b",): "AccumulateGrad",
    }
    assert graph.nodes[0].names == ("loss",)
    steps = record_backward(loss)
    assert order(graph, steps)[:4] == [
        "MeanBackward0",
        "PowBackward0",
        "SubBackward0",
        "ReluBackward0",
    ]
    ran = [graph.nodes[step.node].names for step in steps]
    assert ran.index(("h",)) < min(ran.index(("W",)), ran.index(("x",)), ran.index(("b",)))


def test_two_names_for_one_tensor_are_both_shown():
    x = leaf(1.0, 2.0)
    h = x * 2
    graph = trace(h.sum(), {"x": x}, {"h": h, "g": h})
    assert [node.names for node in graph.nodes] == [(), ("h", "g"), ("x",)]


def test_a_detached_branch_and_an_input_without_grad_are_absent():
    x = leaf(1.0, 2.0, 3.0)
    c = torch.tensor([4.0, 5.0, 6.0])  # needs no grad
    y = ((x * x).detach() * x * c).sum()
    graph = trace(y, {"x": x, "c": c}, {})
    assert [node.names for node in graph.nodes if node.is_leaf] == [("x",)]
    assert kinds(graph).count("MulBackward0") == 2  # (·)*x and (·)*c; x*x is gone
    record_backward(y)
    assert torch.equal(x.grad, (x * x * c).detach())
    assert c.grad is None


def test_y_without_grad_fn_has_an_empty_graph_and_backward_fails_as_torch_says():
    x = leaf(1.0, 2.0)
    y = x.detach().sum()
    assert trace(y, {"x": x}, {}).nodes == ()
    with pytest.raises(RuntimeError, match="does not require grad"):
        record_backward(y)


def test_a_vector_y_is_recorded_with_v_and_multi_output_nodes_list_every_shape():
    x = leaf(3.0, 1.0, 2.0)
    first, rest = x.split([1, 2])
    y = torch.cat([rest * rest, first])
    graph = trace(y, {"x": x}, {})
    split = kinds(graph).index("SplitWithSizesBackward0")
    assert graph.nodes[split].shapes == ((1,), (2,))
    v = torch.tensor([1.0, 2.0, 5.0])
    steps = record_backward(y, v)
    assert torch.equal(steps[0].incoming[0], v)
    at_split = next(step for step in steps if step.node == split)
    assert [g.tolist() for g in at_split.incoming] == [[5.0], [2.0, 8.0]]
    assert torch.equal(x.grad, torch.tensor([5.0, 2.0, 8.0]))


def test_hooks_are_removed_even_when_backward_fails():
    x = leaf(1.0, 2.0)
    y = x * x
    with pytest.raises(RuntimeError):
        record_backward(y)  # a vector y without v
    accumulate = y.grad_fn.next_functions[0][0]
    calls = []
    accumulate.register_prehook(lambda grads: calls.append(grads))
    y.sum().backward()
    assert len(calls) == 1  # only the hook registered here fired
    assert record_backward((x * 3).sum())[-1].incoming[0].tolist() == [3.0, 3.0]


def test_dot_text_highlights_the_current_node_and_escapes_labels():
    x = leaf(1.0, 2.0)
    hostile = 'x"]; evil [label="\\l<b>\n'
    y = (x * 2).sum()
    dot = to_dot(trace(y, {hostile: x}, {}), done={0}, current=1)
    assert dot.startswith("digraph backward {") and dot.endswith("}")
    assert f'n1 [label="MulBackward0\\n(2,)", fillcolor="{CURRENT_COLOUR}", penwidth=3]' in dot
    assert f'fillcolor="{DONE_COLOUR}"' in dot.splitlines()[2]
    waiting = [line for line in dot.splitlines() if f'fillcolor="{WAITING_COLOUR}"' in line]
    assert waiting and all('style="rounded,filled,dashed"' in line for line in waiting)
    assert dot.count("dashed") == len(waiting)
    assert "n0 -> n1;" in dot and "n1 -> n2;" in dot
    # Inside every quoted string, each quote is escaped: the label cannot break out.
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', dot)
    (label,) = [string for string in strings if "evil" in string]
    assert 'x\\"]; evil [label=\\"\\\\l<b>' in label.split("\\n")[0]
    assert "evil [" not in re.sub(r'"(?:[^"\\]|\\.)*"', "", dot)
    assert dot_string('a\\b"c\td') == 'a\\\\b\\"cd'


def chained_products(count: int) -> torch.Tensor:
    """`h @ D @ D …` onto one reshaped leaf: D's AccumulateGrad node gets `count` arrows."""
    h = leaf(1.0, 2.0, 3.0, 4.0).reshape(2, 2)
    D = torch.eye(2, requires_grad=True)
    for _ in range(count):
        h = h @ D
    return h.sum()


def test_ninety_chained_products_onto_one_leaf_are_too_big_to_draw():
    size = graph_size(trace(chained_products(90), {}, {}))
    # SumBackward0, 90 MmBackward0, ViewBackward0 and two AccumulateGrad nodes.
    assert (size.nodes, size.edges, size.in_degree) == (94, 182, 90)
    # D sits below the last product: the arrow from the k-th crosses 90 - k levels.
    assert size.boxes == 94 + sum(range(90)) > MAX_DRAWN_BOXES
    assert not size.drawable


@pytest.mark.parametrize("count", [1, 5, MAX_DRAWN_IN_DEGREE])
def test_a_few_chained_products_are_drawn(count):
    size = graph_size(trace(chained_products(count), {}, {}))
    assert size.in_degree == count and size.nodes == count + 4
    assert size.boxes == count + 4 + sum(range(count))
    assert size.drawable


def test_levels_follow_the_longest_path_from_y():
    # y -> a -> b -> leaf and y -> leaf: the short arrow crosses 2 levels, one box.
    nodes = tuple(Node(kind, ((1,),)) for kind in ("Y", "A", "B", "AccumulateGrad"))
    edges = (Edge(0, 1, 0), Edge(1, 2, 0), Edge(2, 3, 0), Edge(0, 3, 1))
    size = graph_size(Graph(nodes, edges))
    assert (size.nodes, size.edges, size.in_degree, size.boxes) == (4, 4, 2, 6)
    assert graph_size(Graph((), ())).drawable


def labelled(text: str, **tensors):
    """The graph of the learner's lines, each node with the piece of code that made it."""
    evaluation = evaluate(parse_script(text, list(tensors)), tensors)
    graph = trace(evaluation.y, tensors, evaluation.named, evaluation.sources)
    return graph, evaluation


def test_named_lines_label_each_node_with_the_code_that_made_it():
    W = torch.tensor([[1.0, -1.0], [2.0, 0.5]], requires_grad=True)
    x, b = leaf(1.0, 2.0), leaf(0.0, -3.0)
    graph, _ = labelled("h = W @ x + b\nloss = h.relu().pow(2).mean()", W=W, x=x, b=b)
    assert [(node.names, node.source, node.kind) for node in graph.nodes if not node.is_leaf] == [
        (("loss",), "h.relu().pow(2).mean()", "MeanBackward0"),
        ((), "h.relu().pow(2)", "PowBackward0"),
        ((), "h.relu()", "ReluBackward0"),
        (("h",), "W @ x + b", "AddBackward0"),
        ((), "W @ x", "MvBackward0"),
    ]
    assert all(node.source == "" for node in graph.nodes if node.is_leaf)
    assert [node.label for node in graph.nodes][:2] == ["loss", "h.relu().pow(2)"]


def test_a_repeated_name_gives_one_leaf_and_one_node_per_operation():
    x = leaf(1.0, 2.0)
    graph, _ = labelled("h = x * x\nh * h + x", x=x)
    assert [node.source for node in graph.nodes] == ["h * h + x", "h * h", "", "x * x"]
    assert [node.names for node in graph.nodes] == [(), (), ("x",), ("h",)]
    # h * h: two arrows to h's node; x * x and the sum: three arrows to x's.
    assert sum(edge.target == 3 for edge in graph.edges) == 2
    assert sum(edge.target == 2 for edge in graph.edges) == 3


def test_a_method_chain_and_indexing_label_every_link():
    W = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = leaf(1.0, -1.0)
    graph, _ = labelled("(W @ x)[1:].sigmoid().sum() * W[0, 1]", W=W, x=x)
    sources = {node.source: node.kind for node in graph.nodes if not node.is_leaf}
    assert sources == {
        "(W @ x)[1:].sigmoid().sum() * W[0, 1]": "MulBackward0",
        "(W @ x)[1:].sigmoid().sum()": "SumBackward0",
        "(W @ x)[1:].sigmoid()": "SigmoidBackward0",
        "(W @ x)[1:]": "SliceBackward0",
        "W @ x": "MvBackward0",
        "W[0, 1]": "SelectBackward0",
    }
    # W[0, 1] is two selections: the outer one is its result, the inner one is made on the way.
    selections = [node for node in graph.nodes if node.kind == "SelectBackward0"]
    assert [node.within for node in selections] == [False, True]


def test_nodes_torch_builds_inside_one_call_carry_that_call():
    x, t = leaf(1.0, 2.0), torch.tensor([0.0, 4.0])
    graph, _ = labelled("torch.nn.functional.l1_loss(x, t)", x=x, t=t)
    call = "torch.nn.functional.l1_loss(x, t)"
    assert [(node.kind, node.source, node.within) for node in graph.nodes] == [
        ("MeanBackward0", call, False),
        ("AbsBackward0", call, True),
        ("SubBackward0", call, True),
        ("AccumulateGrad", "", False),
    ]


def test_the_drawing_shows_the_code_beside_the_class_and_shape():
    a, b = leaf(2.0, 3.0), leaf(6.0, 4.0)
    graph, _ = labelled("Q = 3*a**3 - b**2", a=a, b=b)
    dot = to_dot(graph)
    assert 'label="Q\\n3 * a ** 3 - b ** 2\\nSubBackward0\\n(2,)"' in dot
    assert 'label="b ** 2\\nPowBackward0\\n(2,)"' in dot
    assert 'label="3 * a ** 3\\nMulBackward0\\n(2,)"' in dot
    long = "x" + " + x" * 30
    dot = to_dot(labelled(long, x=leaf(1.0))[0])
    assert f'label="{long[:39]}…\\nAddBackward0' in dot


def test_saved_values_are_read_before_each_node_runs_and_traced_to_their_tensor():
    a, b = leaf(2.0, 3.0), leaf(6.0, 4.0)
    graph, evaluation = labelled("Q = 3*a**3 - b**2\nQ.exp().sum()", a=a, b=b)
    steps = record_backward(evaluation.y, None, {"a": a, "b": b})
    saved = {
        graph.nodes[step.node].source: {item.name: item for item in step.saved} for step in steps
    }
    power = saved["b ** 2"]
    assert power["exponent"].value == 2 and power["exponent"].origin is None
    assert torch.equal(power["self"].value, b.detach())
    assert graph.nodes[power["self"].origin].names == ("b",)
    assert saved["3 * a ** 3"]["other"].value.item() == 3  # the constant, as torch kept it
    exp = next(step for step in steps if graph.nodes[step.node].kind == "ExpBackward0")
    (result,) = exp.saved
    assert result.name == "result" and result.origin == exp.node
    # Reading after backward() would fail: the values were copied while they existed.
    exp_node = evaluation.y.grad_fn.next_functions[0][0]
    with pytest.raises(RuntimeError):
        exp_node._saved_result  # noqa: B018
    assert exp.input_shapes == ((2,),)
