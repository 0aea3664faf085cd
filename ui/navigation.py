"""The lesson pages, in teaching order: one list for the router and the home page's map."""

from dataclasses import dataclass


@dataclass(frozen=True)
class LessonPage:
    name: str  # file stem, url path and catalog section at once
    icon: str

    @property
    def path(self) -> str:
        return f"pages/{self.name}.py"


HOME = LessonPage("home", ":material/home:")
# The error finder, in the start section; its catalog section is errors_finder, since
# errors.* holds the messages about typed input.
ERRORS = LessonPage("errors", ":material/troubleshoot:")
LESSONS = (
    LessonPage("scalar", ":material/looks_one:"),
    LessonPage("nonscalar", ":material/looks_two:"),
    LessonPage("vjp", ":material/looks_3:"),
    LessonPage("accumulate", ":material/looks_4:"),
    LessonPage("jacobian", ":material/looks_5:"),
    LessonPage("graph", ":material/looks_6:"),
    LessonPage("inplace", ":material/edit_note:"),
    LessonPage("nograd", ":material/link_off:"),
    LessonPage("gradcheck", ":material/fact_check:"),
    LessonPage("edges", ":material/warning:"),
    LessonPage("higher", ":material/exposure_plus_2:"),
)
# Open-ended pages where the learner brings the function or the answer.
PRACTICE: tuple[LessonPage, ...] = (
    LessonPage("playground", ":material/draw:"),
    LessonPage("puzzles", ":material/extension:"),
)


def lesson_page(name: str) -> LessonPage:
    """The lesson page at url path `name`."""
    return next(lesson for lesson in LESSONS if lesson.name == name)
