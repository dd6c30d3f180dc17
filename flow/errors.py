"""One exception type for every user-facing failure.

The CLI turns a FlowError into a single line on stderr and a stage-specific exit code, so bad input
never reaches the user as a traceback.
"""

from __future__ import annotations


class FlowError(Exception):
    """A failure the user can act on: `message` says what went wrong, `hint` what to do."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InputError(FlowError):
    """The user's files (model, Verilog, paths) are wrong."""

    exit_code = 2


class PdkError(FlowError):
    """The PDK is missing, incomplete or unknown."""

    exit_code = 3


class ToolError(FlowError):
    """An external tool is missing or failed."""

    exit_code = 4


class SignoffError(FlowError):
    """The flow finished but its layout failed a check (DRC, LVS, readback, XOR); the run
    directory and report are kept for inspection."""

    exit_code = 5
