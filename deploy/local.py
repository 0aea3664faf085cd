"""Start N app processes and Debian's nginx in front of them, on loopback ports, with
deploy/nginx.conf as it is shipped (only its ports and log path are changed).

    python -m deploy.local --processes 2 --port 8080    # then open http://127.0.0.1:8080

The benchmark (`python -m bench capacity --processes 2`) and tests/e2e use the same code.
"""

import argparse
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bench.server import HOST, AppServer, free_port, running_app, stop, wait_until_healthy

NGINX_CONF = Path(__file__).with_name("nginx.conf")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
UPSTREAM_SERVERS = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+ (.*)$\n", re.MULTILINE)


def site_config(ports: list[int], listen: int, access_log: Path) -> str:
    """deploy/nginx.conf with its upstream listing `ports` and its server on `listen`."""
    text = NGINX_CONF.read_text()
    indent, options = UPSTREAM_SERVERS.search(text).groups()
    servers = "".join(f"{indent}server {HOST}:{port} {options}\n" for port in ports)
    text = UPSTREAM_SERVERS.sub("", text, count=len(UPSTREAM_SERVERS.findall(text)) - 1)
    text = UPSTREAM_SERVERS.sub(servers, text)
    text = text.replace("listen 80;", f"listen {HOST}:{listen};")
    return text.replace("/var/log/nginx/autograd-lab.log", str(access_log))


def main_config(folder: Path, site: Path) -> str:
    """A self-contained nginx.conf around the site: everything it writes stays in `folder`."""
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    return f"""worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {site};
}}
"""


@dataclass(frozen=True)
class ProxiedApp:
    url: str  # nginx's address: what a browser opens
    servers: list[AppServer]
    access_log: Path  # one line per request, with its sticky key and the process it reached

    def routes(self, path: str) -> list[tuple[str, str]]:
        """(sticky key, upstream address) of every logged request for `path`."""
        pattern = re.compile(
            rf'"GET {re.escape(path)}\S* HTTP[^"]*" \d+ route=(\S+) upstream=(\S+)'
        )
        return pattern.findall(self.access_log.read_text())


@contextmanager
def proxied_app(
    log_dir: Path, processes: int, options: Sequence[str] = (), port: int | None = None
) -> Iterator[ProxiedApp]:
    """Yield `processes` healthy app servers behind a healthy nginx; stop them all on exit."""
    with ExitStack() as stack:
        # Started side by side: each spends seconds importing torch on its own core.
        with ThreadPoolExecutor(processes) as pool:
            servers = list(
                pool.map(
                    lambda _: stack.enter_context(running_app(log_dir, "serve.py", options)),
                    range(processes),
                )
            )
        folder = Path(tempfile.mkdtemp(prefix="nginx-", dir=log_dir))
        listen = port or free_port()
        access_log = folder / "access.log"
        site = folder / "site.conf"
        site.write_text(site_config([server.port for server in servers], listen, access_log))
        config = folder / "nginx.conf"
        config.write_text(main_config(folder, site))
        log_path = folder / "nginx.out"
        with log_path.open("wb") as log:
            nginx = subprocess.Popen(
                [NGINX, "-p", str(folder), "-c", str(config), "-g", "daemon off;"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        stack.callback(stop, nginx)
        url = f"http://{HOST}:{listen}"
        wait_until_healthy(url, nginx, lambda: log_path.read_text() + _error_log(folder))
        yield ProxiedApp(url, servers, access_log)


def _error_log(folder: Path) -> str:
    path = folder / "error.log"
    return path.read_text()[-3000:] if path.exists() else ""


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.local", description=__doc__)
    parser.add_argument("--processes", "-n", type=int, default=2)
    parser.add_argument("--port", type=int, default=8080, help="nginx's port on 127.0.0.1")
    arguments = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="autograd-lab-") as folder,
        proxied_app(Path(folder), arguments.processes, port=arguments.port) as app,
    ):
        ports = ", ".join(str(server.port) for server in app.servers)
        print(f"{app.url} -> app processes on ports {ports}; Ctrl-C stops everything")
        with suppress(KeyboardInterrupt):
            signal.sigwait({signal.SIGINT, signal.SIGTERM})


if __name__ == "__main__":
    main()
