"""What one migration of one text returns: the new text and what was noticed on the way."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    """A warning about the input, at a 1-based line and column (0 when there is no place);
    ``code`` is its stable id (``CM5xx`` for a service left unchanged, see ``refusals``)."""

    line: int
    col: int
    message: str
    code: str = ""

    def render(self, path: str) -> str:
        where = f"{path}:{self.line}:{self.col}" if self.line else path
        return f"{where}: warning: {self.code + ' ' if self.code else ''}{self.message}"


@dataclass(frozen=True)
class Result:
    """The outcome of migrating one text; ``changed`` is False when ``text`` is the input."""

    text: str
    changed: bool
    warnings: tuple[Finding, ...] = ()
    services: tuple[str, ...] = field(default=())
    suppressed: tuple[Finding, ...] = ()
    """Warnings an inline ``# composemigrate: ignore[CODE]`` keeps from being reported."""


class MigrationError(Exception):
    """The input cannot be migrated at all (invalid YAML, wrong shape, failed verification)."""

    def __init__(self, message: str, line: int = 0, col: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col

    def render(self, path: str) -> str:
        where = f"{path}:{self.line}:{self.col}" if self.line else path
        return f"{where}: error: {self.message}"


def internal_error(exc: BaseException) -> MigrationError:
    """An exception no code path expected, as one line that asks to be reported: a worker never
    raises, so the file fails alone and the batch goes on."""
    detail = " ".join(str(exc).split())
    return MigrationError(f"internal error: please report ({type(exc).__name__}: {detail})")
