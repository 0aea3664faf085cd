"""The run as a whole: the tests spread over two processes (pytest-xdist, `-n 2` in
pyproject.toml), and the figures the end-to-end tests record (latency, memory, the
screenshot folder) gathered from both and printed once at the end of the run."""

from collections.abc import Callable

import pytest

FIGURES = pytest.StashKey[list[tuple[str, str]]]()

Record = Callable[[str, str], None]


def pytest_configure(config: pytest.Config) -> None:
    config.stash[FIGURES] = []


@pytest.fixture(scope="session")
def record_figure(request: pytest.FixtureRequest) -> Record:
    """`record_figure("load", "20 sessions")` prints the line in the run's final summary."""
    figures = request.config.stash[FIGURES]
    return lambda topic, text: figures.append((topic, text))


def pytest_sessionfinish(session: pytest.Session) -> None:
    # In a worker process: hand the figures to the controller, which prints the summary.
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["figures"] = session.config.stash[FIGURES]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    node.config.stash[FIGURES].extend(tuple(pair) for pair in node.workeroutput.get("figures", ()))


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if hasattr(config, "workeroutput"):
        return
    figures = config.stash.get(FIGURES, [])
    if not figures:
        return
    terminalreporter.section("Autograd Lab end-to-end figures")
    for topic, text in figures:
        terminalreporter.write_line(f"{topic:>12}: {text}")
