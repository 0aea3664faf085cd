"""The autograd errors the lessons raise live, named so that the error finder can learn them.

Each lesson module that raises an error a learner might paste lists it in a module-level
`DEMONSTRATIONS` tuple. `run` is the lesson's own code for that step (not a copy): calling it
raises torch's exception, or emits torch's warning. The error finder (lessons/errors.py)
runs each one once, takes torch's words and matches pasted text against them.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Demonstration:
    key: str  # stable id, also the catalog key of the finder's explanation: errors_finder.<key>
    page: str  # url path of the lesson that raises it (a LessonPage name)
    anchor: str  # anchor of the step on that page that raises it (its subheader's anchor=)
    run: Callable[[], object]  # raises torch's exception, or emits torch's warning
