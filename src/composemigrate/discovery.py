"""Find the files to migrate: explicit files as given, directories walked for Compose files.

A walk stays inside the directory it was given: it skips vendored and generated trees
(``node_modules``, virtualenvs, caches), honours every ``.gitignore`` from that directory down,
and follows a directory symlink only when it points inside the tree to a directory the walk does
not otherwise enter, so a link loop ends and a link to ``/`` is never taken. Files stream out in
the order of the arguments, each directory's in sorted order, and each real file comes once,
whatever the number of arguments or links that reach it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import translate
from pathlib import Path

from pathspec import GitIgnoreSpec

from composemigrate import fileio, gitops

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

_COMPOSE_NAME = re.compile("|".join(translate(pattern) for pattern in COMPOSE_PATTERNS))

SKIPPED_DIRS = frozenset(
    {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}
)
"""Directory names never walked into; any directory holding ``pyvenv.cfg`` is skipped too."""

_Ignores = tuple[tuple[str, GitIgnoreSpec, "re.Pattern[str] | None"], ...]
"""The ``.gitignore`` files above a directory: (their directory relative to the root, rules)."""


@dataclass(frozen=True)
class Discovered:
    """A file to migrate and the repository it belongs to (None outside any repository)."""

    path: Path
    repo: Path | None
    within: str | None = field(default=None, compare=False)
    """For a file found by a walk: the real path of the walked folder, which the file must
    still lie in when it is opened (a link swapped in after the walk must not lead out)."""


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
            is_compose_name(name)
            or (self.python and name.endswith(".py"))
            or _matches(self.include, rel, name)
        )


def is_compose_name(name: str) -> bool:
    return _COMPOSE_NAME.match(name) is not None


def _matches(spec: GitIgnoreSpec, rel: str, name: str) -> bool:
    return bool(spec.patterns) and bool(spec.match_file(rel) or spec.match_file(name))


def _ignored(ignores: _Ignores, rel: str) -> bool:
    """Git's answer: the deepest ``.gitignore`` with a matching rule decides, its last rule wins.
    (``rel`` never starts with ``/`` or ``./``, so it is the path the rules see.)"""
    for base, spec, any_rule in reversed(ignores):
        path = rel[len(base) + 1 :] if base else rel
        if any_rule is not None and any_rule.search(path) is None:
            continue  # no rule of this file matches: it decides nothing
        decision = spec.check_file(path).include
        if decision is not None:
            return bool(decision)
    return False


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def any_rule(spec: GitIgnoreSpec) -> re.Pattern[str] | None:
    """One expression that finds a path when any rule of ``spec`` does (their own expressions,
    joined): most paths match no rule, and one search says so at once where the rules would be
    tried one by one. None when a rule is not a plain expression to join."""
    sources = []
    for pattern in spec.patterns:
        if pattern.include is None:
            continue
        regex = getattr(pattern, "regex", None)
        if not isinstance(regex, re.Pattern) or regex.flags != re.UNICODE:
            return None
        sources.append(f"(?:{_NAMED_GROUP.sub('(?:', str(regex.pattern))})")
    try:
        return re.compile("|".join(sources) or "(?!)")
    except re.error:
        return None


IGNORE_FILE_LIMIT = 1024 * 1024
"""Bytes of a ``.gitignore`` read at most: a real one is far smaller."""


def _with_gitignore(directory: Path, rel: str, ignores: _Ignores) -> _Ignores:
    """``ignores`` and the rules of the directory's own ``.gitignore``: a regular file (a link to
    ``/dev/zero`` or a FIFO is skipped, as git skips it), its first MiB."""
    try:
        data, _ = fileio.read_regular(directory / ".gitignore", IGNORE_FILE_LIMIT)
    except OSError:
        return ignores
    lines = data[:IGNORE_FILE_LIMIT].decode("utf-8", errors="replace").split("\n")
    bounded = [line for line in lines if _STARS.sub("", line).count("*") <= MAX_STARS]
    spec = GitIgnoreSpec.from_lines(bounded)
    return (*ignores, (rel, spec, any_rule(spec)))


MAX_STARS = 3
"""Single ``*`` wildcards a ``.gitignore`` pattern may hold and still be honoured: the regular
expression a pattern becomes backtracks exponentially in them (``*a*a*a*a*a*b`` took minutes on
one long name), where git's own matcher does not."""

_STARS = re.compile(r"\*\*+")


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _listing(directory: Path) -> list[os.DirEntry[str]]:
    """A directory's entries by name (the order of ``sorted`` paths), none if it cannot be read."""
    try:
        with os.scandir(directory) as scan:
            return sorted(scan, key=lambda entry: entry.name)
    except OSError:
        return []


def _repo_above(directory: Path) -> Path | None:
    """The nearest directory at or above ``directory`` holding ``.git``, as an absolute path."""
    here = Path(os.path.abspath(directory))
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


@dataclass
class _Frame:
    """A directory being walked: its entries still to see and what holds inside it."""

    entries: Iterator[os.DirEntry[str]]
    path: Path
    real: str
    rel: str
    ignores: _Ignores
    repo: Path | None
    linked: bool
    """Reached through a directory symlink: its files may also be reached by their real path."""


class _Walk:
    """The walk of one directory argument, and the question of which real paths it reaches.

    The question lets a walk stream its files in sorted order while each real file still comes
    once: a file met through a symlink, or under an earlier argument, is skipped when the plain
    walk (no links followed) of this or an earlier argument reaches it by its real path. Only the
    real paths met through links are remembered, so memory does not grow with the tree.
    """

    def __init__(self, root: Path, rules: _Rules) -> None:
        self.root = root
        self.real = os.path.realpath(root)
        self.rules = rules
        self.tracked: dict[Path, frozenset[str]] = {}
        """What git tracks, by repository, asked once when an ignore rule first matches there."""
        self._top = self._ignores_in(root, "", ())
        """The ignore rules inside the root: its own ``.gitignore``, read once."""
        self._entered: dict[str, _Ignores | None] = {}

    def _tracks(self, repo: Path | None, path: Path, *, below: bool = False) -> bool:
        """Whether git tracks ``path`` (or, with ``below``, a file under it): git ignores only
        untracked files, so a tracked one is taken whatever ``.gitignore`` says. Git is asked
        once per repository, and only when an ignore rule matches."""
        if repo is None or not self.rules.use_ignore:
            return False
        if repo not in self.tracked:
            self.tracked[repo] = gitops.tracked(repo)
        rel = os.path.relpath(os.path.abspath(path), repo).replace(os.sep, "/")
        files = self.tracked[repo]
        return any(name.startswith(rel + "/") for name in files) if below else rel in files

    def _ignores_in(self, directory: Path, rel: str, ignores: _Ignores) -> _Ignores:
        return _with_gitignore(directory, rel, ignores) if self.rules.use_ignore else ignores

    def _enters(self, real_dir: str) -> _Ignores | None:
        """The ignore rules inside ``real_dir`` if the plain walk enters it, else None."""
        if not _inside(real_dir, self.real):
            return None
        ignores, rel = self._top, ""
        for name in filter(None, real_dir[len(self.real) :].split(os.sep)):
            rel = f"{rel}/{name}" if rel else name
            if rel not in self._entered:
                if len(self._entered) > 4096:
                    self._entered.clear()
                directory = Path(self.real, rel)
                walkable = _walkable(directory, rel, ignores, self.rules)
                self._entered[rel] = self._ignores_in(directory, rel, ignores) if walkable else None
            inside = self._entered[rel]
            if inside is None:
                return None
            ignores = inside
        return ignores

    def reaches(self, real: str) -> bool:
        """Whether the plain walk takes the file whose real path is ``real``."""
        parent, name = os.path.split(real)
        ignores = self._enters(parent)
        if ignores is None or not os.path.isfile(real):
            return False
        rel = real[len(self.real) :].strip(os.sep)
        return not _ignored(ignores, rel) and self.rules.takes(rel, name)

    def files(self, earlier: Sequence[_Walk], seen: set[str]) -> Iterator[Discovered]:
        """The wanted files in sorted path order, links followed inside the tree only."""
        repo = _repo_above(self.root.parent)
        stack = [self._frame(self.root, self.real, "", self._top, repo, own=False)]
        linked_dirs: set[str] = set()
        while stack:
            frame = stack[-1]
            entry = next(frame.entries, None)
            if entry is None:
                stack.pop()
                continue
            path, rel = (
                frame.path / entry.name,
                f"{frame.rel}/{entry.name}" if frame.rel else entry.name,
            )
            try:
                yield from self._visit(entry, path, rel, frame, stack, linked_dirs, earlier, seen)
            except OSError:  # a name past PATH_MAX, a vanished entry: that path fails, alone
                yield Discovered(path, frame.repo, self.real)

    def _visit(
        self,
        entry: os.DirEntry[str],
        path: Path,
        rel: str,
        frame: _Frame,
        stack: list[_Frame],
        linked_dirs: set[str],
        earlier: Sequence[_Walk],
        seen: set[str],
    ) -> Iterator[Discovered]:
        """One entry of a directory: a directory goes on ``stack``, a wanted file comes out."""
        link = entry.is_symlink()
        real = os.path.realpath(path) if link else os.path.join(frame.real, entry.name)
        if link and not _inside(real, self.real):
            return
        via_link = link or frame.linked
        if entry.is_dir():
            if not _walkable(path, rel, frame.ignores, self.rules) and not (
                _walkable(path, rel, (), self.rules) and self._tracks(frame.repo, path, below=True)
            ):  # git is asked only about a folder that an ignore rule alone keeps out
                return
            if via_link:
                if real in linked_dirs or self._enters(real) is not None:
                    return
                linked_dirs.add(real)
            stack.append(self._frame(path, real, rel, frame.ignores, frame.repo, linked=via_link))
        elif (
            entry.is_file()
            and self.rules.takes(rel, entry.name)
            and (not _ignored(frame.ignores, rel) or self._tracks(frame.repo, path))
            and _first_time(real, [*earlier, self] if via_link else earlier, seen, via_link)
        ):
            yield Discovered(path, frame.repo, self.real)

    def _frame(
        self,
        path: Path,
        real: str,
        rel: str,
        ignores: _Ignores,
        repo: Path | None,
        *,
        linked: bool = False,
        own: bool = True,
    ) -> _Frame:
        """A directory about to be walked, with the rules inside it: ``ignores`` and its own
        ``.gitignore`` when it lists one (unless ``own`` is False: ``ignores`` hold it)."""
        entries = _listing(path)
        names = {entry.name for entry in entries}
        if ".git" in names:
            repo = Path(os.path.abspath(path))
        if own and ".gitignore" in names:
            ignores = self._ignores_in(path, rel, ignores)
        return _Frame(iter(entries), path, real, rel, ignores, repo, linked)


def _first_time(real: str, walks: Sequence[_Walk], seen: set[str], remember: bool) -> bool:
    """Whether a file is met for the first time: no plain walk of ``walks`` takes it and it is not
    in ``seen``, where files met through a link or named explicitly (``remember``) are kept."""
    if real in seen or any(walk.reaches(real) for walk in walks):
        return False
    if remember:
        seen.add(real)
    return True


def _walkable(path: Path, rel: str, ignores: _Ignores, rules: _Rules) -> bool:
    return not (
        path.name in SKIPPED_DIRS
        or (path / "pyvenv.cfg").is_file()
        or _ignored(ignores, rel + "/")
        or _matches(rules.exclude, rel + "/", path.name + "/")
    )


def discover(
    paths: Sequence[Path],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    use_ignore: bool = True,
    python: bool = False,
) -> Iterator[Discovered]:
    """Explicit files as given (never filtered) and the files found by walking directories.

    Arguments are taken in order, a directory's files in sorted path order; a file reached twice
    comes once, by the first path that reached it. Lazy: a walk holds one directory listing per
    level, whatever the number of files.
    """
    rules = _Rules(
        GitIgnoreSpec.from_lines(include), GitIgnoreSpec.from_lines(exclude), use_ignore, python
    )
    walks: list[_Walk] = []
    seen: set[str] = set()
    for path in paths:
        if path.is_dir():
            walk = _Walk(path, rules)
            yield from walk.files(walks, seen)
            walks.append(walk)
        elif _first_time(os.path.realpath(path), walks, seen, remember=True):
            yield Discovered(path, _repo_above(path.parent))


def read_repo_list(path: Path) -> list[Path]:
    """The roots listed in a ``--repos-from`` file: one per line, ``#`` comments, ``~`` expanded,
    relative paths taken from the file's own directory. Raises ``OSError`` if it cannot be read."""
    text = path.read_text(encoding="utf-8-sig")
    entries = (line.strip() for line in text.split("\n"))
    return [
        path.parent / Path(entry).expanduser() for entry in entries if entry and entry[0] != "#"
    ]
