"""Start `streamlit run <script>` on a free loopback port, the way the README starts the app
(the settings come from .streamlit/config.toml), and stop it without leftovers."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
# Importing torch and plotly on a cold 2-core machine takes a few seconds; allow slack.
STARTUP_TIMEOUT_S = 60
STOP_TIMEOUT_S = 10
MIB = 2**20
RSS_SAMPLE_INTERVAL_S = 0.05
# No proxy: a proxy variable in the environment must never route loopback traffic.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class AppServer:
    url: str
    process: psutil.Process
    log_path: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def rss_bytes(self) -> int:
        """Resident memory of the server and any process it started."""
        total = 0
        for member in [self.process, *self.process.children(recursive=True)]:
            with suppress(psutil.NoSuchProcess):  # a child may exit between the two calls
                total += member.memory_info().rss
        return total

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far, all its threads (ended ones too): robust to
        a busy machine. On Linux to the nanosecond, from the kernel's CPU clock of the
        process; elsewhere in the 10 ms ticks that psutil reads."""
        if sys.platform == "linux":
            return time.clock_gettime(_process_cpu_clock(self.process.pid))
        times = self.process.cpu_times()
        return times.user + times.system

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


def _process_cpu_clock(pid: int) -> int:
    """The clock id that clock_getcpuclockid(3) gives for `pid` on Linux (the kernel's
    MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)), which Python does not expose."""
    return (~pid << 3) | 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def running_app(
    log_dir: Path, script: str = "app.py", options: Sequence[str] = (), port: int | None = None
) -> Iterator[AppServer]:
    """Yield a healthy server; on exit terminate its whole process group.

    `script` is relative to the repository, whose .streamlit/config.toml applies to it;
    `options` (such as `--runner.postScriptGC=true`) override that configuration."""
    port = port or free_port()
    log_path = log_dir / f"streamlit-{port}.log"
    command = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.headless", "true",
        "--server.address", HOST,
        "--server.port", str(port),
        *options,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        # A new session makes the server a process-group leader, so one killpg reaches
        # everything it spawned.
        popen = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = AppServer(f"http://{HOST}:{port}", psutil.Process(popen.pid), log_path)
    try:
        wait_until_healthy(server.url, popen, server.log_tail)
        yield server
    finally:
        stop(popen)


def wait_until_healthy(url: str, popen: subprocess.Popen, log: Callable[[], str]) -> None:
    """Until `url`/_stcore/health answers ok (directly or through a proxy)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            raise RuntimeError(f"{popen.args[0]} exited with {popen.returncode}:\n{log()}")
        try:
            with _DIRECT.open(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            pass  # not listening yet
        time.sleep(0.2)
    raise RuntimeError(f"{url} not healthy within {STARTUP_TIMEOUT_S} s:\n{log()}")


def stop(popen: subprocess.Popen) -> None:
    """Terminate the process group that `popen` leads (started with start_new_session)."""
    leader = psutil.Process(popen.pid)
    alive = [leader, *leader.children(recursive=True)]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with suppress(ProcessLookupError):  # the whole group is already gone
            os.killpg(popen.pid, sig)
        _, alive = psutil.wait_procs(alive, timeout=STOP_TIMEOUT_S)
        if not alive:
            break
    popen.wait(timeout=STOP_TIMEOUT_S)
    if alive:
        raise RuntimeError(f"processes survived SIGKILL: {[p.pid for p in alive]}")


class PeakRss:
    """Samples the servers' total resident memory in a background thread while in the block."""

    def __init__(self, *servers: AppServer) -> None:
        self._servers = servers
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.peak_bytes = self._total()

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(RSS_SAMPLE_INTERVAL_S):
            self.peak_bytes = max(self.peak_bytes, self._total())

    def _total(self) -> int:
        return sum(server.rss_bytes() for server in self._servers)
