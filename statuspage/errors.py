"""User-facing errors: every problem points at a file and line (or a ticket) it came from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, printed as ``path:line: message``."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class StatuspageError(Exception):
    """An error caused by the user's input or environment; the CLI prints it without a traceback."""


class ValidationError(StatuspageError):
    """The site has one or more problems; all of them are carried so they can be reported at once."""

    def __init__(self, problems: list[Problem], warnings: tuple[Problem, ...] | list[Problem] = ()) -> None:
        self.problems = sorted(set(problems), key=_problem_sort_key)
        self.warnings = sorted(set(warnings), key=_problem_sort_key)  # reported beside them, not counted
        super().__init__("\n".join(str(p) for p in self.problems))


def _problem_sort_key(problem: Problem) -> tuple[str, int, str]:
    return (problem.path, problem.line or 0, problem.message)


class Collector:
    """Gathers problems while loading so that a run reports all of them, not just the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, line: int | None, message: str) -> None:
        self.problems.append(Problem(path, line, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ValidationError(self.problems)
