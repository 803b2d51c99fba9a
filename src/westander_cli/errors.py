"""One error path: every expected failure is a WstError carrying the exit code the CLI returns."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes of SPEC section 4, which CI scripts depend on."""

    OK = 0
    FAILED = 1
    INVALID = 2
    NOT_YET = 3
    NOT_PERMITTED = 4
    INTERNAL = 70


class WstError(Exception):
    """Base of all expected errors; the message is one line meant for a person."""

    exit_code: ExitCode = ExitCode.FAILED


class InvalidInput(WstError):
    """Bad file or argument: nothing was written."""

    exit_code = ExitCode.INVALID


class NotYet(WstError):
    """The process is not at that step, or a CEO decision or exception is needed first."""

    exit_code = ExitCode.NOT_YET

    def __init__(self, message: str, missing: list[str] | None = None) -> None:
        super().__init__(message)
        self.missing = missing or []


class NotPermitted(WstError):
    """Unknown person or wrong role."""

    exit_code = ExitCode.NOT_PERMITTED


class Failed(WstError):
    """A check, a delivery or a verification failed."""

    exit_code = ExitCode.FAILED
