"""Run-time failures and how they are reported.

A failure is reported at the innermost node that failed: `StageFailure` carries that node's
`.ib` location and what it did (`in call of train_test_split at cancer.ib:11:36`) together
with the Python exception; `format_failure` renders it with the traceback trimmed to the
user's frames (the runtime's own frames are dropped, the prelude's are kept).
"""

from __future__ import annotations

import os

from ibc.runtime.values import ImportFailure

_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
_PRELUDE = os.path.join(_RUNTIME_DIR, "prelude.py")


class UnpackError(ValueError):
    """A destructured value does not have the number of elements its pattern names."""


class StageFailure(Exception):
    """Evaluating `node` raised `error` (the original exception, traceback attached, or
    one rebuilt from a worker process); `traceback` is the user's part of the traceback when
    the stage ran elsewhere (or in an executor that trimmed it already)."""

    def __init__(self, node, error: BaseException, traceback: str | None = None) -> None:
        from ibc.runtime.runlog import safe_str  # an exception whose __str__ raises

        super().__init__(
            f"{node.describe()} at {node.at or '<unknown location>'}: {safe_str(error)}"
        )
        self.node = node
        self.error = error
        self.traceback = traceback

    def __reduce__(self):
        return (StageFailure, (self.node, self.error, self.traceback))

    @property
    def where(self) -> str:
        """`in call of train_test_split at cancer.ib:11:36`"""
        at = f" at {self.node.at}" if self.node.at else ""
        return f"in {self.node.describe()}{at}"


def _is_runtime_frame(filename: str) -> bool:
    if filename.startswith("<frozen importlib"):
        return True
    path = os.path.abspath(filename)
    return os.path.dirname(path) == _RUNTIME_DIR and path != _PRELUDE


def user_traceback(error: BaseException) -> str:
    """The traceback of `error` without the runtime's frames, ending with the exception."""
    import traceback

    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not _is_runtime_frame(frame.filename)
    ]
    lines = []
    if frames:
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_list(frames))
    lines.extend(traceback.format_exception_only(type(error), error))
    return "".join(lines)


def format_failure(target: str, kind: str, failure: BaseException) -> str:
    """The message printed when target `target` fails."""
    lines = [f"error: {kind} {target} failed"]
    error = failure.error if isinstance(failure, StageFailure) else failure
    if isinstance(error, UnpackError) or type(error).__name__ == "PurityError":
        lines.append(f"  {error}")  # the message names the pattern and its location
        return "\n".join(lines) + "\n"
    if isinstance(failure, StageFailure):
        lines.append(f"  {failure.where}")
    if isinstance(error, ImportFailure):
        lines.append(f"  {error}")
        cause = error.__cause__
        if cause is None or isinstance(cause, (ImportError, AttributeError)):
            return "\n".join(lines) + "\n"
        error = cause  # the module raised while being imported: show where
    elif isinstance(failure, StageFailure) and failure.traceback:
        return "\n".join(lines) + "\n" + failure.traceback
    return "\n".join(lines) + "\n" + user_traceback(error)
