"""A new process for each program a page offers, with torch already imported.

tests/test_snippets.py starts this once per test process (`python -m tests.program_server`,
so that, as with `python -c`, the current folder heads sys.path) and sends it programs, one
JSON string per line. For each, the server forks: the child is this fresh interpreter, which
has run `import torch` and nothing of the tests, and runs the program as `python program.py`
would (runpy, as __main__, in a namespace of its own). The answer is one JSON line: the
child's exit code, its stdout and its stderr. Every program begins with `import torch`
(tests/helpers.py finds it by that line), so all that differs from a new `python` is that
this first line finds torch loaded: ~3 s less per program."""

import json
import os
import runpy
import sys
import tempfile
import traceback
from pathlib import Path

import torch  # noqa: F401 (the first line of every program, run once for all of them)


def run_as_main(script: Path, stdout: int, stderr: int) -> None:
    """In the forked child: run the script with its output going to the two files, then exit."""
    os.dup2(stdout, 1)
    os.dup2(stderr, 2)
    code = 0
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run(program: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        script, out, err = (Path(folder) / name for name in ("program.py", "out", "err"))
        script.write_text(program)
        with out.open("w+b") as stdout, err.open("w+b") as stderr:
            child = os.fork()
            if child == 0:
                run_as_main(script, stdout.fileno(), stderr.fileno())
            _, status = os.waitpid(child, 0)
        return {
            "returncode": os.waitstatus_to_exitcode(status),
            "stdout": out.read_text(),
            "stderr": err.read_text(),
        }


def main() -> None:
    for line in sys.stdin:
        print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
