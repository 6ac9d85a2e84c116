"""The one exception a stage raises for input it cannot use."""


class InputError(Exception):
    """Input the tool cannot use. ``str(err)`` is one Chinese line a reviewer can act on."""

    def __init__(self, message: str, source: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message


class SetupError(Exception):
    """The tool's own setup cannot be used: REVIEWER_HOME, REVIEWER_RULES, an output path.

    Unlike InputError it never means "skip this one input and go on"; ``str(err)`` is one
    Chinese line saying what to fix.
    """
