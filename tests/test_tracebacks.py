"""No traceback reaches a learner: the uncaught ones found by the hostile review are caught
where they arise, with the page's own message, typed and from a link; and what is still
uncaught shows no type, message nor server path."""

import tomllib

import pytest
import torch
import torch.nn.functional as F
from streamlit import config
from streamlit.elements import exception
from streamlit.proto.Exception_pb2 import Exception as ExceptionProto
from streamlit.runtime.state.query_params import EMBED_QUERY_PARAMS_KEYS
from streamlit.testing.v1.util import patch_config_options

from i18n import catalog
from lessons.parsing import STREAMLIT_PARAMS, InputError, check_input_name
from tests.helpers import ROOT, code_blocks, open_page
from tests.test_playground_page import open_link, url
from ui.session import Translator
from ui.text import message

STREAMLIT_NAMES = ("embed", "Embed", "EMBED_options", "embed_OPTIONS")


def served_option(name: str) -> object:
    section, key = name.split(".")
    with (ROOT / ".streamlit" / "config.toml").open("rb") as file:
        return tomllib.load(file)[section][key]


def test_an_uncaught_exception_shows_neither_its_type_nor_a_server_path():
    value = served_option("client.showErrorDetails")
    assert value in set(config.ShowErrorDetailsConfigOptions)
    try:
        raise ZeroDivisionError(f"secret words from {ROOT}")
    except ZeroDivisionError as error:
        caught = error
    proto = ExceptionProto()
    with patch_config_options({"client.showErrorDetails": value}):
        exception.marshall(proto, caught, apply_show_error_details=True)
    assert not proto.stack_trace and not proto.type
    assert str(ROOT) not in proto.message and "secret" not in proto.message
    assert proto.message  # Streamlit's generic words


def test_the_names_streamlit_keeps_for_links_are_the_ones_refused():
    assert set(STREAMLIT_PARAMS) == set(EMBED_QUERY_PARAMS_KEYS)
    for name in STREAMLIT_NAMES:
        with pytest.raises(InputError) as refused:
            check_input_name(name)
        assert refused.value.code == "tensor_name_streamlit"
        assert refused.value.params["name"] == name
    check_input_name("embedding")  # only the two names themselves


def streamlit_name_error(name: str) -> str:
    reserved = ", ".join(STREAMLIT_PARAMS)
    return message(Translator("en"), "errors.tensor_name_streamlit", name=name, reserved=reserved)


@pytest.mark.parametrize("name", STREAMLIT_NAMES)
def test_a_typed_input_name_streamlit_keeps_gets_a_message_and_the_page_goes_on(name):
    at = open_link({"f": "x.sum()", "x": "1, 2"})
    at.text_input(key="playground_name_2").set_value(name)
    at.text_input(key="playground_value_2").set_value("3").run()
    assert not at.exception
    assert [error.value for error in at.error] == [streamlit_name_error(name)]
    assert name not in url(at) and url(at)["x"] == "1, 2"
    at.text_input(key="playground_name_2").set_value("z").run()
    assert not at.exception and not at.error


@pytest.mark.parametrize("name", ["embed", "EMBED_options"])
def test_a_link_with_a_line_named_as_streamlit_keeps_gets_the_message(name):
    at = open_link({"f": f"{name} = x * 2\n{name}.sum()", "x": "1, 2"})
    assert not at.exception
    assert [error.value for error in at.error] == [streamlit_name_error(name)]
    # Streamlit itself hides such a parameter from the page: the link's other inputs work.
    at = open_link({"f": "x.sum()", "x": "1, 2", name: "3"})
    assert not at.exception and not at.error
    assert [at.text_input(key=f"playground_name_{row}").value for row in (1, 2)] == ["x", ""]
    assert "x.grad = tensor([1., 1.])" in code_blocks(at)


def empty_mse_loss_words() -> str:
    """What torch says when vmap runs the pullback of mse_loss on an empty tensor."""
    _, pullback = torch.func.vjp(lambda x: F.mse_loss(x[1:], x[1:]).reshape(-1), torch.ones(1))
    with pytest.raises(ZeroDivisionError) as caught:
        torch.func.vmap(pullback)(torch.eye(1))
    return f"ZeroDivisionError: {caught.value}"


OWN_FUNCTION_ERRORS = [
    # torch.norm(x, 0): backward() leaves x.grad None (was a TypeError from torch.stack).
    ("1, 2, 3", "torch.norm(x, 0)", "jacobian_grad_none", lambda: {"row": 1}),
    # mse_loss of an empty tensor: torch divides by zero under vmap (was uncaught).
    (
        "3",
        "torch.nn.functional.mse_loss(x[1:], x[1:])",
        "jacobian_torch",
        lambda: {"call": "vmap", "message": empty_mse_loss_words()},
    ),
]


@pytest.mark.parametrize(("x", "expression", "code", "params"), OWN_FUNCTION_ERRORS)
def test_an_own_function_torch_cannot_build_j_for_gets_the_pages_message(
    x, expression, code, params
):
    expected = message(Translator("en"), f"errors.{code}", **params())
    # From a link to the playground, then the function picked on /jacobian.
    at = open_link({"f": expression, "x": x})
    at.switch_page("pages/jacobian.py").run()
    at.radio(key="jacobian_fn").set_value("playground").run()
    assert not at.exception
    assert [error.value for error in at.error] == [expected]
    assert catalog("en")["jacobian.step_cost"] in [header.value for header in at.subheader]
    # Typed on the playground.
    at = open_page("playground")
    for row, (name, value) in enumerate([("x", x), ("", "")], start=1):
        at.text_input(key=f"playground_name_{row}").set_value(name)
        at.text_input(key=f"playground_value_{row}").set_value(value)
    at.text_area(key="playground_f").set_value(expression).run()
    at.switch_page("pages/jacobian.py").run()
    at.radio(key="jacobian_fn").set_value("playground").run()
    assert not at.exception
    assert [error.value for error in at.error] == [expected]
