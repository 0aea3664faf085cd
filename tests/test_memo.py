"""Work kept per session: /gradcheck's h-sweep is computed once per x and function."""

import json

import lessons.gradcheck as gradcheck_module
from lessons.gradcheck import error_curves
from tests.helpers import decode, open_page


def sweep_traces(at) -> list[list[float]]:
    (spec,) = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return [decode(trace["y"]).tolist() for trace in spec["data"][:4]]  # then the best marks


def test_moving_h_or_the_toggle_keeps_the_sweep_and_a_new_x_computes_it_again(monkeypatch):
    expected = [list(curve.errors) for curve in error_curves("1, 2, 3", "x_sin_x")]
    moved = [list(curve.errors) for curve in error_curves("0.5, -1", "x_sin_x")]
    calls = []
    real = gradcheck_module._curves

    def counting(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(gradcheck_module, "_curves", counting)
    at = open_page("gradcheck")
    assert len(calls) == 1
    at.select_slider(key="gradcheck_step").set_value(6).run()
    at.toggle(key="gradcheck_bug").set_value(True).run()
    assert len(calls) == 1 and not at.exception
    assert sweep_traces(at) == expected
    at.text_input(key="gradcheck_x").set_value("0.5, -1").run()
    assert len(calls) == 2
    assert sweep_traces(at) == moved != expected
