"""Debian's Chromium as the browser tests and the benchmark launch it (Playwright cannot
download its own browser here)."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--no-proxy-server",  # only ever talk to 127.0.0.1, whatever the environment says
]
