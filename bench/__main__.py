"""`python -m bench [section ...]`: start real servers on loopback ports and print tables.

A benchmark, not a test: it asserts that every run showed the right numbers, never how
long anything took. Timings on a shared machine are noisy; compare the ratios measured in
one run (every section measures the app against the floor app in the same run)."""

import argparse
import tempfile
from pathlib import Path

from bench import capacity, clicks, first_chart, rerun, size

SECTIONS = ("rerun", "capacity", "mixed", "size", "clicks", "browser")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "sections",
        nargs="*",
        default=list(SECTIONS),
        help=f"what to measure, any of {', '.join(SECTIONS)} (default: all)",
    )
    parser.add_argument("--reruns", type=int, default=20, help="warm reruns per page (rerun)")
    parser.add_argument(
        "--clicks",
        type=int,
        default=10,
        help="browser interactions of each kind per round (clicks)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of clicks, each on fresh servers and a fresh browser (clicks)",
    )
    parser.add_argument(
        "--learners",
        type=int,
        nargs="+",
        default=[25, 50, 100, 150],
        help="simulated learners, one capacity run per number (capacity; mixed: the last)",
    )
    parser.add_argument(
        "--duration", type=int, default=30, help="seconds of each capacity run (capacity)"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=0,
        help="serve through deploy/'s nginx with this many app processes (capacity; "
        "0: one process, no proxy)",
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="--section.key=value",
        help="a streamlit option that overrides .streamlit/config.toml for every server "
        "started, e.g. --option=--runner.postScriptGC=true (repeatable)",
    )
    arguments = parser.parse_args()  # fmt: skip
    if unknown := set(arguments.sections) - set(SECTIONS):
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    return arguments


def main() -> None:
    arguments = parse_arguments()
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        logs = Path(folder)
        if "rerun" in arguments.sections:
            rerun.run(logs, arguments.reruns, arguments.option)
        if "capacity" in arguments.sections:
            capacity.run(
                logs, arguments.learners, arguments.duration, arguments.processes, arguments.option
            )
        if "mixed" in arguments.sections:
            capacity.run_mixed(
                logs, arguments.learners[-1], arguments.duration, arguments.processes,
                arguments.option,
            )  # fmt: skip
        if "size" in arguments.sections:
            size.run(logs, arguments.option)
        # Last: Playwright's sync API leaves its asyncio loop behind in this thread.
        if "clicks" in arguments.sections:
            clicks.run(logs, arguments.clicks, arguments.option, arguments.rounds)
        if "browser" in arguments.sections:
            first_chart.run(logs, arguments.option)


if __name__ == "__main__":
    main()
