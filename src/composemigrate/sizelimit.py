"""The ``--max-size`` guard: a file too large to parse is refused before it is parsed.

Parsing takes tens of bytes of memory per byte of YAML (more at the peak of a verified
rewrite), so a 50 MB file would take minutes and gigabytes; a limit turns that into one
clear error at once.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from composemigrate import fileio
from composemigrate.result import MigrationError

DEFAULT_MB = 10

F = TypeVar("F", bound=Callable[..., Any])


def option(command: F) -> F:
    """The ``--max-size MB`` option, the same for every command that parses files."""
    return click.option(
        "--max-size",
        type=click.IntRange(min=0),
        default=DEFAULT_MB,
        show_default=True,
        metavar="MB",
        help="Refuse files over MB megabytes that would need parsing (0: no limit).",
    )(command)


def limit_bytes(megabytes: int) -> int | None:
    """The limit in bytes for ``--max-size``; None for no limit (0)."""
    return megabytes * 1_000_000 or None


def check(text: str, limit: int | None, parsed: Callable[[str], bool] = lambda text: True) -> None:
    """Raise ``MigrationError`` when ``text`` is more than ``limit`` bytes of UTF-8 and
    ``parsed(text)`` says it would be parsed (asked only of a text over the limit)."""
    if limit is None or len(text) * 4 <= limit:
        return
    size = len(text.encode("utf-8"))
    if size > limit and parsed(text):
        raise MigrationError(
            f"{size / 1e6:.1f} MB is more than --max-size allows ({limit / 1e6:g} MB); "
            "file left unchanged"
        )


def large_file(
    path: Path, limit: int | None, parsed: Callable[[str], bool], within: str | None = None
) -> bool:
    """For a regular file over ``limit`` bytes, never held in memory whole: raise
    ``MigrationError`` when a piece of it would be parsed, else True (nothing to do). False
    when the file is within the limit (or cannot be looked at: reading it will say why)."""
    if limit is None:
        return False
    try:
        info = os.stat(path)
        if info.st_size <= limit or not stat.S_ISREG(info.st_mode):
            return False
        wanted = any(parsed(piece) for piece in fileio.pieces(path, within))
    except OSError:
        return False
    size = info.st_size
    if wanted:
        raise MigrationError(
            f"{size / 1e6:.1f} MB is more than --max-size allows ({limit / 1e6:g} MB); "
            "file left unchanged"
        )
    return True
