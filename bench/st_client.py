"""A small Streamlit client over the app's websocket: what a browser sends and reads, minus the
browser. Cheap enough to run many sessions at once on two cores.

Two transports share one protocol: `session()` (asyncio, for tests and the benchmark) and
`BlockingSession` (websocket-client's blocking socket, for Locust's users).

The wire protocol, as streamlit 1.67's own frontend speaks it (`web/server/starlette/
starlette_websocket.py`): connect to `/_stcore/stream` with subprotocol `streamlit`; each run
is a `BackMsg.rerun_script` naming the page and carrying the widget values; the server
answers with `ForwardMsg`s: `new_session` (again after each `st.rerun()`), `navigation`,
`delta`s addressed by `metadata.delta_path`, then `script_finished`. No query string is
sent, so the app takes its defaults (English).
"""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from ui.text import markdown_parts

RUN_TIMEOUT_S = 60
# Plotly specs with their templates are large; the server itself caps messages elsewhere.
MAX_MESSAGE_BYTES = 64 * 2**20

Path = tuple[int, ...]
FINISHED = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


class ScriptRunError(AssertionError):
    """The server ended a run in a way no learner should ever see."""


@dataclass
class Run:
    """What one finished script run put on screen, addressed by delta path."""

    elements: dict[Path, Element] = field(default_factory=dict)
    # Containers with an id (`st.container(key=...)`): delta path -> id.
    block_ids: dict[Path, str] = field(default_factory=dict)
    # The fragment that drew each element ("" outside any): a widget's changes rerun it.
    fragments: dict[Path, str] = field(default_factory=dict)
    page_not_found: bool = False
    seconds: float = 0.0

    def widget(self, key: str):
        """The proto of the widget whose user key is `key` (its id ends with `-<key>`)."""
        return self._widget_at(key)[1]

    def fragment_of(self, key: str) -> str:
        return self.fragments.get(self._widget_at(key)[0], "")

    def _widget_at(self, key: str):
        for path, element in self.elements.items():
            proto = getattr(element, element.WhichOneof("type"))
            if "id" in proto.DESCRIPTOR.fields_by_name and proto.id.endswith(f"-{key}"):
                return path, proto
        raise KeyError(f"no widget with key {key!r} in this run")

    def continued(self, fragment: str) -> "Run":
        """The page as a rerun of `fragment` starts from: everything drawn outside it."""
        kept = {path for path, drawn_by in self.fragments.items() if drawn_by != fragment}
        return Run(
            elements={path: e for path, e in self.elements.items() if path in kept},
            block_ids=dict(self.block_ids),
            fragments={path: self.fragments[path] for path in kept},
        )

    def texts_in(self, container_key: str) -> list[str]:
        """Code, markdown and plain text inside the keyed container, in page order."""
        block = _path_with_key(self.block_ids, container_key)
        return [
            text
            for path, element in sorted(self.elements.items())
            if path[: len(block)] == block
            for text in _texts_of(element)
        ]

    @property
    def errors(self) -> list[str]:
        return [
            e.alert.body
            for e in self.elements.values()
            if e.WhichOneof("type") == "alert" and e.alert.format == Alert.ERROR
        ]

    @property
    def exceptions(self) -> list[str]:
        return [
            f"{e.exception.type}: {e.exception.message}"
            for e in self.elements.values()
            if e.WhichOneof("type") == "exception"
        ]


def _path_with_key(ids: dict[Path, str], key: str) -> Path:
    # Keyed elements have ids like `$$ID-<hash>-<user key>`.
    for path, element_id in ids.items():
        if element_id.endswith(f"-{key}"):
            return path
    raise KeyError(f"no container with key {key!r} in this run")


def _texts_of(element: Element) -> list[str]:
    """An element's texts: a Markdown element's prose and each of its code blocks apart."""
    kind = element.WhichOneof("type")
    if kind == "code":
        return [element.code.code_text]
    if kind == "markdown":
        return [text for _, text in markdown_parts(element.markdown.body)]
    if kind in {"text", "alert"} and getattr(element, kind).body:
        return [getattr(element, kind).body]
    return []


class _Tab:
    """One browser tab's worth of state: the page and every widget value. The transport
    (asyncio or blocking socket) lives in the subclasses; the protocol lives here."""

    def __init__(self, socket, page: str) -> None:
        self._socket = socket
        self._page_name = page
        self._page_hash = ""
        self._widgets: dict[str, WidgetState] = {}
        self._press: WidgetState | None = None  # a button's trigger: sent with one run only
        self._fragment = ""  # the fragment the next run reruns, as a browser would ask
        self._current = Run()
        self._running_fragment = ""
        self.last = Run()

    def set_text(self, key: str, value: str) -> None:
        widget_id = self.last.widget(key).id
        self._widgets[widget_id] = WidgetState(id=widget_id, string_value=value)
        self._fragment = self.last.fragment_of(key)

    def press(self, key: str) -> None:
        """Click the button `key` on the next run."""
        widget_id = self.last.widget(key).id
        self._press = WidgetState(id=widget_id, trigger_value=True)
        self._fragment = self.last.fragment_of(key)

    def set_radio_index(self, key: str, index: int) -> None:
        # Radio values travel as the option's displayed (formatted) text.
        radio = self.last.widget(key)
        self._widgets[radio.id] = WidgetState(id=radio.id, string_value=radio.options[index])

    def _rerun_request(self) -> bytes:
        """The message a browser sends for a rerun with the current widget values."""
        message = BackMsg()
        state = message.rerun_script
        state.page_name = self._page_name
        state.page_script_hash = self._page_hash
        state.widget_states.widgets.extend(self._widgets.values())
        if self._press is not None:
            state.widget_states.widgets.append(self._press)
        state.fragment_id = self._fragment
        self._current = self.last.continued(self._fragment) if self._fragment else Run()
        self._press, self._running_fragment, self._fragment = None, self._fragment, ""
        return message.SerializeToString()

    def _receive(self, data: bytes) -> bool:
        """Take in one server message; True once the run has finished (it is then `last`)."""
        message = ForwardMsg()
        message.ParseFromString(data)
        kind = message.WhichOneof("type")
        if kind == "new_session" and not self._running_fragment:
            # A new run (or the app's own st.rerun()) starts from an empty page.
            self._current = Run()
        elif kind == "navigation":
            # st.navigation resolved the page; later reruns name it by hash, as browsers do.
            self._page_hash = message.navigation.page_script_hash
        elif kind == "delta":
            _record_delta(self._current, message)
        elif kind == "page_not_found":
            self._current.page_not_found = True
        elif kind == "session_event" and message.session_event.HasField(
            "script_compilation_exception"
        ):
            raise ScriptRunError(str(message.session_event.script_compilation_exception))
        elif kind == "script_finished":
            if message.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                raise ScriptRunError("the page failed to compile")
            if message.script_finished in FINISHED:
                self.last = self._current
                return True
        return False


class Session(_Tab):
    """A tab over an asyncio websocket (tests, the benchmark's own drivers)."""

    async def run(self) -> Run:
        """Send the current widget values and wait for the run to finish."""
        started = time.perf_counter()
        await self._socket.send(self._rerun_request())
        async with asyncio.timeout(RUN_TIMEOUT_S):
            while not self._receive(await self._socket.recv()):
                pass
        self.last.seconds = time.perf_counter() - started
        return self.last


class BlockingSession(_Tab):
    """A tab over websocket-client's blocking socket (Locust's users, which gevent
    schedules: no background thread per connection, unlike websockets' sync client)."""

    def run(self) -> Run:
        started = time.perf_counter()
        deadline = started + RUN_TIMEOUT_S
        self._socket.send_binary(self._rerun_request())
        while True:
            self._socket.settimeout(max(deadline - time.perf_counter(), 0.001))
            if self._receive(self._socket.recv()):
                break
        self.last.seconds = time.perf_counter() - started
        return self.last


def _record_delta(run: Run, message: ForwardMsg) -> None:
    path = tuple(message.metadata.delta_path)
    delta = message.delta
    if delta.HasField("new_element"):
        run.elements[path] = delta.new_element
        run.fragments[path] = delta.fragment_id
    elif delta.HasField("add_block") and delta.add_block.id:
        # A fragment's rerun may draw a keyed container at a new path: the old one is gone.
        for stale in [at for at, known in run.block_ids.items() if known == delta.add_block.id]:
            del run.block_ids[stale]
        run.block_ids[path] = delta.add_block.id


def stream_url(base_url: str) -> str:
    """The websocket address of the app at `base_url` (http -> ws, https -> wss)."""
    return base_url.replace("http", "ws", 1).rstrip("/") + "/_stcore/stream"


# proxy=None: websockets would otherwise honour proxy variables, even for loopback.
CONNECT_OPTIONS = {"subprotocols": ["streamlit"], "max_size": MAX_MESSAGE_BYTES, "proxy": None}


@asynccontextmanager
async def session(base_url: str, page: str, cookie: str = "") -> AsyncIterator[Session]:
    """Connect a new session to `page` (a url path such as `vjp`; `""` is the home page).
    `cookie` is sent as the Cookie header, as a browser would (a proxy may route by it)."""
    headers = {"Cookie": cookie} if cookie else None
    async with websockets.connect(
        stream_url(base_url), additional_headers=headers, **CONNECT_OPTIONS
    ) as socket:
        yield Session(socket, page)
