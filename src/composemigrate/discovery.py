"""Find the files to migrate: explicit files as given, directories walked for Compose files.

A walk stays inside the directory it was given: it skips vendored and generated trees
(``node_modules``, virtualenvs, caches), honours every ``.gitignore`` from that directory down,
and follows a directory symlink only when it points inside the tree to a directory not walked yet,
so a link loop ends and a link to ``/`` is never taken. The result is sorted and holds each real
file once, whatever the number of arguments or links that reach it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from pathspec import GitIgnoreSpec

COMPOSE_PATTERNS: tuple[str, ...] = (
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
    "compose.*.yaml",
    "compose.*.yml",
    "docker-compose.*.yaml",
    "docker-compose.*.yml",
)
"""File names a walk takes (case-sensitive, as ``docker compose`` looks them up)."""

SKIPPED_DIRS = frozenset(
    {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}
)
"""Directory names never walked into; any directory holding ``pyvenv.cfg`` is skipped too."""

_Ignores = tuple[tuple[str, GitIgnoreSpec], ...]
"""The ``.gitignore`` files above a directory: (their directory relative to the root, rules)."""


@dataclass(frozen=True)
class Discovered:
    """A file to migrate and the repository it belongs to (None outside any repository)."""

    path: Path
    repo: Path | None


@dataclass(frozen=True)
class _Rules:
    include: GitIgnoreSpec
    exclude: GitIgnoreSpec
    use_ignore: bool
    python: bool

    def takes(self, rel: str, name: str) -> bool:
        """Whether a file met during a walk is one to migrate."""
        if _matches(self.exclude, rel, name):
            return False
        return (
            any(fnmatchcase(name, pattern) for pattern in COMPOSE_PATTERNS)
            or (self.python and name.endswith(".py"))
            or _matches(self.include, rel, name)
        )


def _matches(spec: GitIgnoreSpec, rel: str, name: str) -> bool:
    return bool(spec.match_file(rel) or spec.match_file(name))


def _ignored(ignores: _Ignores, rel: str) -> bool:
    """Git's answer: the deepest ``.gitignore`` with a matching rule decides, its last rule wins."""
    for base, spec in reversed(ignores):
        decision = spec.check_file(rel[len(base) + 1 :] if base else rel).include
        if decision is not None:
            return bool(decision)
    return False


def _with_gitignore(directory: Path, rel: str, ignores: _Ignores) -> _Ignores:
    try:
        lines = (directory / ".gitignore").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ignores
    return (*ignores, (rel, GitIgnoreSpec.from_lines(lines.split("\n"))))


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _walk(root: Path, rules: _Rules) -> list[tuple[Path, str]]:
    """The wanted files under ``root`` with their real paths.

    Links come last (directory links are walked once every real directory is, file links follow
    the real files), so that a file reachable both ways is first met under its real path.
    """
    root_real = os.path.realpath(root)
    visited: set[str] = set()
    pending: list[tuple[Path, str, str, _Ignores]] = [(root, root_real, "", ())]
    links: list[tuple[Path, str, str, _Ignores]] = []
    found: list[tuple[Path, str]] = []
    file_links: list[tuple[Path, str]] = []
    while pending or links:
        directory, real, rel, ignores = pending.pop() if pending else links.pop(0)
        if real in visited:
            continue
        visited.add(real)
        if rules.use_ignore:
            ignores = _with_gitignore(directory, rel, ignores)
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            path, child = directory / entry.name, f"{rel}/{entry.name}" if rel else entry.name
            link = entry.is_symlink()
            child_real = os.path.realpath(path) if link else os.path.join(real, entry.name)
            if link and not _inside(child_real, root_real):
                continue
            if entry.is_dir():
                if _walkable(path, child, ignores, rules):
                    (links if link else pending).append((path, child_real, child, ignores))
            elif (
                entry.is_file() and not _ignored(ignores, child) and rules.takes(child, entry.name)
            ):
                (file_links if link else found).append((path, child_real))
    return found + file_links


def _walkable(path: Path, rel: str, ignores: _Ignores, rules: _Rules) -> bool:
    return not (
        path.name in SKIPPED_DIRS
        or (path / "pyvenv.cfg").is_file()
        or _ignored(ignores, rel + "/")
        or _matches(rules.exclude, rel + "/", path.name + "/")
    )


def _repo_finder() -> Callable[[Path], Path | None]:
    """A lookup of the nearest directory holding ``.git``, cached for one discovery."""
    cache: dict[Path, Path | None] = {}

    def find(directory: Path) -> Path | None:
        if directory not in cache:
            if (directory / ".git").exists():
                cache[directory] = directory
            else:
                parent = directory.parent
                cache[directory] = None if parent == directory else find(parent)
        return cache[directory]

    return find


def discover(
    paths: Sequence[Path],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    use_ignore: bool = True,
    python: bool = False,
) -> list[Discovered]:
    """Explicit files as given (never filtered) plus the files found by walking directories.

    A file reached twice keeps the path it was first reached by, in argument order.
    """
    rules = _Rules(
        GitIgnoreSpec.from_lines(include), GitIgnoreSpec.from_lines(exclude), use_ignore, python
    )
    candidates: list[tuple[Path, str]] = []
    for path in paths:
        candidates += _walk(path, rules) if path.is_dir() else [(path, os.path.realpath(path))]
    unique: dict[str, Path] = {}
    for path, real in candidates:
        unique.setdefault(real, path)
    repo_of = _repo_finder()
    return [
        Discovered(path, repo_of(Path(os.path.abspath(path)).parent))
        for path in sorted(unique.values())
    ]


def read_repo_list(path: Path) -> list[Path]:
    """The roots listed in a ``--repos-from`` file: one per line, ``#`` comments, ``~`` expanded,
    relative paths taken from the file's own directory. Raises ``OSError`` if it cannot be read."""
    text = path.read_text(encoding="utf-8-sig")
    entries = (line.strip() for line in text.split("\n"))
    return [
        path.parent / Path(entry).expanduser() for entry in entries if entry and entry[0] != "#"
    ]
