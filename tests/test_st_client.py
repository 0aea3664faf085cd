"""The benchmark's websocket learner reads a page as Streamlit sent it."""

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.st_client import Run, _record_delta
from ui.text import code_block


def block(path: tuple[int, ...], block_id: str) -> ForwardMsg:
    message = ForwardMsg()
    message.metadata.delta_path[:] = path
    message.delta.add_block.id = block_id
    return message


def markdown(path: tuple[int, ...], body: str) -> ForwardMsg:
    message = ForwardMsg()
    message.metadata.delta_path[:] = path
    message.delta.new_element.markdown.body = body
    return message


def test_a_keyed_container_drawn_again_elsewhere_is_read_where_it_now_is():
    run = Run()
    _record_delta(run, block((0, 5), "$$ID-1-page_result"))
    _record_delta(run, markdown((0, 5, 0), "before"))
    _record_delta(run, markdown((0, 4, 0), f"x.grad\n\n{code_block('tensor([2.])')}"))
    _record_delta(run, block((0, 4), "$$ID-1-page_result"))
    assert run.texts_in("page_result") == ["x.grad", "tensor([2.])"]
