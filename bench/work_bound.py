"""The costliest scripts we could build within every limit of the expression language, and
what each really costs: `python -m bench.work_bound` prints, for each, the work counted
(MAX_WORK bounds it), the CPU seconds of one page run and its peak memory.

Each script runs in a fresh Python with one torch thread (as the server runs), after one
small warm-up run of the same lesson, so the figures are the script's own.
"""

import json
import resource
import subprocess
import sys
import time

# An x of 64 entries, the most a typed input may have, and of 32, the most /jacobian takes.
X64 = ", ".join(str(index % 7 - 3) for index in range(64))
X32 = ", ".join(str(index % 7 - 3) for index in range(32))


def _lines(count: int, body: str) -> str:
    """`s0 = body` … and `total`, their sum."""
    names = [f"s{index}" for index in range(count)]
    return "\n".join([*(f"{name} = {body}" for name in names), "total = " + " + ".join(names)])


# (page, inputs, lines): "playground" runs playground_lesson, "jacobian" the learner's own
# function on /jacobian.
WORST_SCRIPTS = {
    # 64 x 64 products, the most multiply-adds one operation may do, up to the forward limit;
    # y is one number, so the Jacobian is one backward pass.
    "playground: products": (
        "playground",
        (("x", X64),),
        "A = x.expand(64, 64) / 64\n" + _lines(6, " @ ".join(["A"] * 11)) + "\ny = total.sum()",
    ),
    # 4,096-entry element-wise work, and a y of 24 entries: its Jacobian fits the budget.
    "playground: element-wise, 24 rows": (
        "playground",
        (("x", X64),),
        "A = x.expand(64, 64)\n"
        + _lines(9, "A.exp().sin().tanh().cumsum(0).softmax(1).cos()")
        + "\ny = total.sum(0)[:24]",
    ),
    # Many small operations and a y of 64 entries: a 64-row batched Jacobian.
    "playground: small operations, 64 rows": (
        "playground",
        (("x", X64),),
        _lines(7, "x" + ".sin()" * 6),
    ),
    # /jacobian with x and y of 32 entries: 32 backward passes and 32 jvp passes, each
    # through every operation, then vmap, jacrev and jacfwd.
    "jacobian: small operations, x of 32": ("jacobian", (("x", X32),), "y = x" + ".sin()" * 19),
    "jacobian: 4,096-entry operations, x of 32": (
        "jacobian",
        (("x", X32),),
        "A = x.expand(128, 32)\ny = A.sin().exp().tanh().softmax(0).cos().sum(0)",
    ),
    "jacobian: products, x of 32": (
        "jacobian",
        (("x", X32),),
        "A = x.expand(32, 32) / 32\ny = (A @ A @ A @ A @ A @ A).sum(0)",
    ),
}


def run_one(page: str, inputs: tuple[tuple[str, str], ...], lines: str) -> dict[str, object]:
    """One page run of the script in this process: work counted, CPU seconds, MiB."""
    import torch

    from lessons.jacobian import lesson_work, playground_jacobian_lesson
    from lessons.language.expression import evaluate, parse_script
    from lessons.language.playground import parse_inputs, playground_lesson
    from lessons.vjp import VectorChoice

    torch.set_num_threads(1)
    if page == "playground":
        playground_lesson((("x", "1, 2"),), "(x * x).sum()", VectorChoice())
    else:
        playground_jacobian_lesson((("x", "1, 2"),), "x * x")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.process_time()
    if page == "playground":
        lesson = playground_lesson(inputs, lines, VectorChoice())
        work, jacobians = lesson.work, not lesson.jacobians_too_costly
    else:
        lesson = playground_jacobian_lesson(inputs, lines)
        values = parse_inputs(inputs)
        tensors = {name: torch.tensor(value) for name, value in values.items()}
        forward = evaluate(parse_script(lines, list(values)), tensors).work
        work, jacobians = lesson_work(forward, *lesson.shape), True
    seconds = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"work": work, "jacobians": jacobians, "cpu_s": seconds, "mib": (peak - before) / 1024}


def main() -> None:
    from lessons.language.expression import MAX_WORK

    print(f"MAX_WORK = {MAX_WORK:,}")
    for name, case in WORST_SCRIPTS.items():
        output = subprocess.run(
            [sys.executable, "-m", "bench.work_bound", json.dumps(case)],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(output.stdout)
        jacobians = "built" if figures["jacobians"] else "skipped"
        print(
            f"{name:45s} work {figures['work']:>13,}  {figures['cpu_s']:.3f} CPU-s  "
            f"+{figures['mib']:.1f} MiB peak  Jacobians {jacobians}"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1:
        page, inputs, lines = json.loads(sys.argv[1])
        print(json.dumps(run_one(page, tuple(map(tuple, inputs)), lines)))
    else:
        main()
