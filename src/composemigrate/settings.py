"""What one ``migrate`` run is asked to do: every option in one typed, frozen value, built once at
the edge (the command line) and read everywhere else."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

from composemigrate.gpu import Form

Mode = Literal["write", "check", "diff"]


@dataclass(frozen=True)
class Settings:
    """The options of a ``migrate`` run; defaults are the command line's."""

    to: Form
    dry_run: bool = False
    check: bool = False
    color: bool | None = None
    verify: bool = True
    compose: tuple[str, ...] = ()
    """The command that runs the user's Docker Compose (``--verify-with-compose``); () for none."""
    drop_version: bool = False
    report_format: str = "text"
    jobs: int | None = None
    max_size: int = 10
    """Megabytes; 0 for no limit."""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    no_ignore: bool = False
    python: bool = False
    repos_from: Path | None = None
    git_branch: str | None = None
    git_commit: bool = False
    files: tuple[Path, ...] = ()
    """The files given with ``-f``: one project."""
    quiet: bool = False
    verbose: bool = False
    strict: bool = False
    """Services left unchanged with a refusal code fail the run (exit 1)."""
    report_file: Path | None = None
    """The file a json, html or markdown report goes to instead of stdout."""
    report_dir: Path | None = None
    """With ``--report markdown``: the folder to write one document per repository to."""

    @classmethod
    def from_options(cls, to: Form, options: Mapping[str, Any]) -> Settings:
        """Settings from the command line's options, by name; options it has no field for are
        the command's own business (the paths, the target flags)."""
        names = {field.name for field in fields(cls)}
        given = {name: value for name, value in options.items() if name in names}
        for name in ("include", "exclude", "files"):
            if name in given:
                given[name] = tuple(given[name])
        given["compose"] = tuple(given.get("compose") or ())
        return cls(to=to, **given)

    @property
    def mode(self) -> Mode:
        if self.dry_run:
            return "diff"
        return "check" if self.check else "write"

    @property
    def level(self) -> int:
        """0 quiet, 1 normal, 2 verbose."""
        return 0 if self.quiet else 2 if self.verbose else 1
