"""Capacity: N learners on /scalar, each typing a new x every 3 s, driven by Locust
(bench/locustfile.py) headless on loopback, against a fresh server for every N."""

import asyncio
import csv
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.server import MIB, REPO_ROOT, PeakRss, running_app
from bench.st_client import session
from bench.stats import p95, print_table
from deploy.local import proxied_app

LOCUSTFILE = "bench/locustfile.py"
# The scenario (bench/locustfile.py imports these; importing Locust here would let gevent
# patch this process).
PAGE = "scalar"
CHANGE_EVERY_S = 3
RAMP_S = 5  # a class opens the link within a few seconds, not in one instant


@contextmanager
def serving(log_dir: Path, processes: int, options: list[str]) -> Iterator[tuple[str, list]]:
    """(url, app servers): one process as the README starts it, or N behind deploy/'s nginx."""
    if processes:
        with proxied_app(log_dir, processes, options) as app:
            yield app.url, app.servers
    else:
        with running_app(log_dir, options=options) as server:
            yield server.url, [server]


async def open_once(url: str) -> None:
    """The teacher checks the link before class: the server has run the page once (a fresh
    process imports torch and Plotly on its first run, which is not what learners measure)."""
    async with session(url, PAGE) as teacher:
        await teacher.run()


def locust(
    url: str, learners: int, duration: int, prefix: Path, locustfile: str = LOCUSTFILE
) -> dict[str, dict[str, str]]:
    """Run a scenario headless; Locust's per-request-name figures, from its CSV output."""
    command = [
        sys.executable, "-m", "locust", "-f", locustfile, "--host", url, "--headless",
        "--users", str(learners), "--spawn-rate", str(max(learners / RAMP_S, 1)),
        "--run-time", f"{duration}s", "--csv", str(prefix), "--only-summary",
        "--exit-code-on-error", "0", "--loglevel", "WARNING",
    ]  # fmt: skip
    request_log(prefix).unlink(missing_ok=True)  # a second run of the same size starts afresh
    environment = os.environ | {"BENCH_REQUEST_LOG": str(request_log(prefix))}
    with Path(f"{prefix}.log").open("wb") as log:
        subprocess.run(command, cwd=REPO_ROOT, check=True, stdout=log, stderr=log, env=environment)
    with Path(f"{prefix}_stats.csv").open() as figures:
        return {row["Name"]: row for row in csv.DictReader(figures)}


def request_log(prefix: Path) -> Path:
    """Where the Locust users write each request (bench/locustfile.py, REQUEST_LOG)."""
    return Path(f"{prefix}_requests.tsv")


@dataclass(frozen=True)
class Request:
    name: str
    started: float  # seconds since the epoch
    milliseconds: float


def once_all_opened(prefix: Path) -> list[Request]:
    """The successful requests started a full change period after the last learner's page
    had opened: the class at its own pace, past the queue of first page runs that a whole
    class opening a link within seconds makes."""
    rows = [line.split("\t") for line in request_log(prefix).read_text().splitlines()]
    done = [Request(name, float(at), float(ms)) for name, at, ms, ok in rows if ok == "True"]
    ends = [r.started + r.milliseconds / 1000 for r in done if r.name == "open"]
    if not ends:
        return []  # no page opened: nothing settled to report
    return [r for r in done if r.started >= max(ends) + CHANGE_EVERY_S]


def settled_figures(requests: list[Request], name: str) -> tuple[str, str]:
    """(count, p95 ms) of the requests named `name`, "-" for a p95 of too few."""
    times = [r.milliseconds for r in requests if r.name == name]
    return str(len(times)), f"{p95(times):.0f}" if len(times) >= 20 else "-"


@dataclass
class CpuSpent:
    """CPU seconds spent inside the block by the app servers and by child processes that
    ended in it (Locust, on the same cores): steadier than latency on a busy machine."""

    servers: float = 0.0
    clients: float = 0.0


@contextmanager
def cpu_spent(servers: list) -> Iterator[CpuSpent]:
    def children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    spent = CpuSpent()
    servers_before, children_before = sum(s.cpu_seconds() for s in servers), children()
    yield spent
    spent.servers = sum(s.cpu_seconds() for s in servers) - servers_before
    spent.clients = children() - children_before


def failure_messages(prefix: Path) -> list[str]:
    with Path(f"{prefix}_failures.csv").open() as failures:
        return [f"{row['Occurrences']}x {row['Error'][:120]}" for row in csv.DictReader(failures)]


def run(log_dir: Path, counts: list[int], duration: int, processes: int, options: list) -> None:
    rows, failures = [], []
    for learners in counts:
        prefix = log_dir / f"locust-{learners}"
        with (
            serving(log_dir, processes, options) as (url, servers),
            PeakRss(*servers) as memory,
        ):
            asyncio.run(open_once(url))
            with cpu_spent(servers) as cpu:
                figures = locust(url, learners, duration, prefix)
        change, opened = figures.get("change x", {}), figures.get("open", {})
        errors = sum(int(row.get("Failure Count", 0)) for row in (change, opened))
        requests = int(change.get("Request Count", 0)) + int(opened.get("Request Count", 0))
        rows.append(
            (
                learners,
                opened.get("95%", "-"),
                change.get("Request Count", "0"),
                change.get("50%", "-"),
                change.get("95%", "-"),
                *settled_figures(once_all_opened(prefix), "change x"),
                errors,
                f"{cpu.servers * 1000 / max(requests, 1):.1f}",
                f"{cpu.servers / duration:.2f}",
                f"{cpu.clients / duration:.2f}",
                f"{memory.peak_bytes / MIB:.0f}",
            )
        )
        failures += [f"{learners} learners: {message}" for message in failure_messages(prefix)]
    where = placement(processes)
    print_table(
        f"Capacity on /{PAGE} ({where}): each learner types a new x every {CHANGE_EVERY_S} s "
        f"for {duration} s "
        f"(Locust, ramp {RAMP_S} s). Settled: the changes started {CHANGE_EVERY_S} s or more "
        "after the last learner's page had opened. Server CPU per request counts opens and "
        "changes; the cores figures are CPU seconds per second of the run (one process cannot "
        "run Python on more than one core)",
        (
            "learners", "open p95 ms", "changes", "change p50 ms", "change p95 ms",
            "settled changes", "settled p95 ms", "errors",
            "server CPU ms per request", "server cores", "Locust cores", "server peak RSS MiB",
        ),
        rows,
    )  # fmt: skip
    for message in failures:
        print(f"- {message}")


MIXED_LOCUSTFILE = "bench/locust_mixed.py"
MIXED_KINDS = ("open", "change x", "check exercise", "step", "attempt puzzle")
MIXED_COLUMNS = (
    "interaction", "count", "p50 ms", "p95 ms", "p99 ms", "settled count", "settled p95 ms",
    "errors",
)  # fmt: skip


def run_mixed(log_dir: Path, learners: int, duration: int, processes: int, options: list) -> None:
    """The mixed class (bench/locust_mixed.py): percentiles per kind of interaction."""
    prefix = log_dir / f"mixed-{learners}"
    with serving(log_dir, processes, options) as (url, servers), PeakRss(*servers) as memory:
        asyncio.run(open_once(url))
        figures = locust(url, learners, duration, prefix, MIXED_LOCUSTFILE)
    settled = once_all_opened(prefix)
    rows = [
        (
            kind,
            figures.get(kind, {}).get("Request Count", "0"),
            figures.get(kind, {}).get("50%", "-"),
            figures.get(kind, {}).get("95%", "-"),
            figures.get(kind, {}).get("99%", "-"),
            *(settled_figures(settled, kind) if kind in MIXED_KINDS[1:] else ("-", "-")),
            figures.get(kind, {}).get("Failure Count", "0"),
        )
        for kind in (*MIXED_KINDS, "Aggregated")
    ]
    where = placement(processes)
    print_table(
        f"A mixed class of {learners} learners on every page ({where}), {duration} s, one "
        f"action every 2-4 s each (Locust, ramp {RAMP_S} s); settled: the actions started "
        f"{CHANGE_EVERY_S} s or more after the last learner's page had opened; server peak RSS "
        f"{memory.peak_bytes / MIB:.0f} MiB",
        MIXED_COLUMNS,
        rows,
    )
    for message in failure_messages(prefix):
        print(f"- {message}")


def placement(processes: int) -> str:
    """Where the app ran, for a table's title."""
    plural = "es" if processes > 1 else ""
    return f"nginx and {processes} app process{plural}" if processes else "one process"
