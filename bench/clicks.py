"""Server CPU per interaction in a real browser (Chromium), against the floor app, alternating.

What a learner's click costs the server, fragments and websocket included (the script-only
rerun timing misses both): a new x on /scalar, an exercise answer typed and checked, one
step of the playground. Each interaction is followed by one on the floor app; every one
waits for the numbers it must show, so a fast wrong page cannot win. It runs in rounds,
each on fresh servers and a fresh browser, and gives the figures pooled and by round.

A server spends CPU while nothing happens too (Streamlit polls its config files, uvicorn
ticks), so an interaction the benchmark waits long for (over a second for a playground
step) is charged for that wait. Each server's idle rate is measured with its tab open,
and the table gives both the raw figure and the figure less idle rate times wall time.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlencode

import torch
from playwright.sync_api import Page, Playwright, expect, sync_playwright

from bench.chromium import CHROMIUM, CHROMIUM_ARGS
from bench.rerun import FLOOR_APP, new_x
from bench.server import AppServer, running_app
from bench.stats import p50, print_table
from i18n import catalog
from tests.e2e.expected import as_text, shown_gradient
from ui.playground import EXAMPLES, link_from_fields

SETTLED = '[data-testid="stApp"][data-test-script-state="notRunning"]'
TIMEOUT_MS = 120_000
WARM_UP = 2
IDLE_S = 10  # seconds over which each server's idle rate is measured
EXERCISE = "scalar_two_dot"  # its answer is x.grad of 2·xᵀx at the exercise's own x
TRAINING = dict(EXAMPLES)["training"]
STEP_PATH = f"playground?{urlencode(link_from_fields(TRAINING, 'en'))}"
COLUMNS = (
    "interaction", "server CPU ms", "of it idle ms", "less idle ms", "times the floor",
    "median less idle ms", "median times the floor",
)  # fmt: skip


@dataclass
class Interaction:
    name: str
    act: Callable[[Page, int], None]  # does the n-th interaction and waits for its result
    presses: int = 1  # interactions (reruns asked for) in one act
    cpu_ms: list[float] = field(default_factory=list)
    idle_ms: list[float] = field(default_factory=list)  # idle rate times wall time, per press

    def since(self, start: int) -> "Interaction":
        """The same interaction's figures from its `start`-th on."""
        return replace(self, cpu_ms=self.cpu_ms[start:], idle_ms=self.idle_ms[start:])

    @property
    def mean_ms(self) -> float:
        # What a class's server pays: the rare slow click counts too.
        return sum(self.cpu_ms) / len(self.cpu_ms)

    @property
    def mean_net_ms(self) -> float:
        return self.mean_ms - sum(self.idle_ms) / len(self.idle_ms)

    @property
    def median_net_ms(self) -> float:
        # The typical click: one collection in a run moves a mean by several percent.
        return p50([cpu - idle for cpu, idle in zip(self.cpu_ms, self.idle_ms, strict=True)])


def settle(page: Page) -> None:
    page.locator(SETTLED).wait_for(timeout=TIMEOUT_MS)


def type_into(page: Page, key: str, text: str) -> None:
    field_ = page.locator(f".st-key-{key} input")
    field_.fill(text)
    field_.press("Enter")


def new_floor_x(page: Page, number: int) -> None:
    type_into(page, "floor_x", str(number))
    expect(page.locator('[data-testid="stCode"]')).to_contain_text(f"{float(number)}")
    settle(page)


def new_scalar_x(page: Page, number: int) -> None:
    x = new_x(number)
    type_into(page, "scalar_x", as_text(x))
    expect(page.locator(".st-key-scalar_result")).to_contain_text(shown_gradient("scalar", x))
    settle(page)


def check_exercise(page: Page, number: int) -> None:
    """Type an answer (right or wrong in turn) and press Check: two reruns."""
    box = page.locator(f".st-key-{EXERCISE}_box")
    type_into(page, f"{EXERCISE}_answer", "1, 2, 3" if number % 2 else "4, 8, 12")
    settle(page)
    box.locator(f".st-key-{EXERCISE}_check button").click()
    expect(box.locator('[data-testid="stAlert"]')).to_have_count(1, timeout=TIMEOUT_MS)
    settle(page)


def step_playground(page: Page, number: int) -> None:
    """Next, or Previous at the last step: the step panel must show the step's number."""
    runs = catalog("en")["playground.step_runs"].split("{number}")[0]
    main = page.locator('[data-testid="stMain"]')
    direction = "previous" if number % 2 else "next"
    page.locator(f".st-key-playground_step_{direction} button").click()
    step = 1 if direction == "previous" else 2
    expect(main).to_contain_text(f"{runs}{step} ")
    settle(page)


def idle_rate(server: AppServer) -> float:
    """CPU seconds per second the server spends with its tabs open and nothing happening."""
    before = server.cpu_seconds()
    time.sleep(IDLE_S)
    return (server.cpu_seconds() - before) / IDLE_S


def measure(
    server: AppServer, idle: float, page: Page, interaction: Interaction, number: int
) -> None:
    before, started = server.cpu_seconds(), time.perf_counter()
    interaction.act(page, number)
    wall = time.perf_counter() - started
    interaction.cpu_ms.append((server.cpu_seconds() - before) * 1000 / interaction.presses)
    interaction.idle_ms.append(idle * wall * 1000 / interaction.presses)


def open_tab(browser, url: str) -> Page:
    tab = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    tab.goto(url, timeout=TIMEOUT_MS)
    settle(tab)
    tab.locator('[data-testid="stSkeleton"]').first.wait_for(state="detached", timeout=TIMEOUT_MS)
    return tab


def run(log_dir: Path, repeats: int, options: list[str], rounds: int) -> None:
    if not CHROMIUM.exists():
        print(f"\n(clicks section skipped: {CHROMIUM} is missing)")
        return
    torch.set_num_threads(1)  # the expected numbers are tiny: leave the cores to the servers
    interactions = [
        (Interaction("/scalar: a new x", new_scalar_x), "scalar"),
        (Interaction("an exercise: type an answer, press Check", check_exercise, 2), "scalar"),
        (Interaction("/playground: one step (training-step example)", step_playground), STEP_PATH),
    ]
    floor_figures = Interaction("floor app: a new text input", new_floor_x)
    items = [floor_figures, *(item for item, _ in interactions)]
    ratios: dict[str, list[str]] = {item.name: [] for item in items}
    floor_idles = []
    with sync_playwright() as playwright:
        for _ in range(rounds):
            counted = {item.name: len(item.cpu_ms) for item in items}
            floor_idles.append(
                measure_round(log_dir, options, playwright, interactions, floor_figures, repeats)
            )
            this_round = {item.name: item.since(counted[item.name]) for item in items}
            for item in items:
                ratios[item.name].append(
                    _ratios(this_round[item.name], this_round[floor_figures.name])
                )
    print_figures(items, ratios, repeats, p50(floor_idles))


def print_figures(
    items: list[Interaction], ratios: dict[str, list[str]], repeats: int, floor_idle: float
) -> None:
    """The pooled table (the floor first), then each round's ratios."""
    rounds = len(ratios[items[0].name])
    print_table(
        f"Server CPU per interaction in Chromium, {repeats} of each in each of {rounds} rounds, "
        "alternating with the floor app (an exercise's two reruns counted as two "
        "interactions). Idle: the server's CPU with its tab open and nothing happening (the "
        f"floor's, median of the rounds: {floor_idle * 1000:.1f} ms per second), times the "
        "interaction's wall time; the ratios compare what is left, as means and as medians "
        "of all rounds' interactions",
        COLUMNS,
        [_row(item, items[0]) for item in items],
    )
    print_table(
        "The same by round, each on fresh servers and a fresh browser: times the floor, by "
        "the mean (the median)",
        ("interaction", *(f"round {n}" for n in range(1, rounds + 1))),
        [(name, *figures) for name, figures in ratios.items()],
    )


def measure_round(
    log_dir: Path,
    options: list[str],
    playwright: Playwright,
    interactions: list[tuple[Interaction, str]],
    floor_figures: Interaction,
    repeats: int,
) -> float:
    """One round of every interaction, alternating with the floor's, on servers and a
    browser of its own: the same code's ratio to the floor differs more from one pair of
    servers to the next than from click to click (README, "Ninth round"). Returns the
    floor server's idle rate."""
    with (
        running_app(log_dir, options=options) as app,
        running_app(log_dir, FLOOR_APP, options=options) as floor,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        floor_tab = open_tab(browser, floor.url)
        floor_idle = idle_rate(floor)
        for interaction, path in interactions:
            tab = open_tab(browser, f"{app.url}/{path}")
            for number in range(WARM_UP):
                interaction.act(tab, number)
            app_idle = idle_rate(app)
            for number in range(WARM_UP, WARM_UP + repeats):
                measure(app, app_idle, tab, interaction, number)
                measure(floor, floor_idle, floor_tab, floor_figures, number)
            tab.context.close()
        browser.close()
    return floor_idle


def _ratios(item: Interaction, floor: Interaction) -> str:
    return (
        f"{item.mean_net_ms / floor.mean_net_ms:.2f} "
        f"({item.median_net_ms / floor.median_net_ms:.2f})"
    )


def _row(item: Interaction, floor: Interaction) -> tuple[str, ...]:
    idle = item.mean_ms - item.mean_net_ms
    return (
        item.name,
        f"{item.mean_ms:.1f}",
        f"{idle:.1f}",
        f"{item.mean_net_ms:.1f}",
        f"{item.mean_net_ms / floor.mean_net_ms:.2f}",
        f"{item.median_net_ms:.1f}",
        f"{item.median_net_ms / floor.median_net_ms:.2f}",
    )
