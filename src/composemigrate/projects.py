"""Compose decides GPUs per project, not per file: find what a one-file rewrite could change.

A project is a base file (``compose.yaml``, …, ``docker-compose.yml``) with its default override,
the files ``COMPOSE_FILE`` names in the ``.env`` beside it, and the overlays of the same name family
in its folder (``docker-compose.gpu.yml`` or ``docker-compose-gpu.yml`` beside
``docker-compose.yml``) that only complete services the base defines; or the files given together
with ``-f``. ``extends`` ties a service to the one it extends, in the same file or another, and
``include`` adds the services of the files it names (which the project's other files may complete),
followed from the project down and, for a file in a subfolder, from the projects of the folders
above it.

A service whose definitions in two or more files (or an extended and an extending service) each
carry GPU settings gets its GPUs from several places: rewriting one file alone could change what
the merged project asks for, so it is held in every file, with a warning naming the others. A
service whose GPU settings sit in one of its files is migrated there: the others add nothing a
rewrite could disturb.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from composemigrate import fileio, refusals, rewrite, yamldoc
from composemigrate.discovery import is_compose_name
from composemigrate.environment import NAMES, env_items, parse_env_file
from composemigrate.forms import FORMS
from composemigrate.result import Finding, MigrationError
from composemigrate.service import ServiceView, might_have_gpus
from composemigrate.yamldoc import Lines, Node

BASES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
"""Base file names in the order ``docker compose`` looks them up."""

OVERRIDES = {
    "compose.yaml": ("compose.override.yaml", "compose.override.yml"),
    "compose.yml": ("compose.override.yaml", "compose.override.yml"),
    "docker-compose.yaml": ("docker-compose.override.yaml", "docker-compose.override.yml"),
    "docker-compose.yml": ("docker-compose.override.yml", "docker-compose.override.yaml"),
}

Reader = Callable[[Path], str]
"""Reads a Compose or env file; raises ``OSError`` or ``ValueError`` when it cannot."""


@dataclass(frozen=True)
class Definition:
    """One service as one file defines it: where, and whether it carries GPU settings."""

    path: Path
    service: str
    line: int
    col: int
    gpu: bool
    extends: tuple[Path, str] | None = None


@dataclass
class Project:
    """Files Compose may merge, in order; ``held`` maps each file to the services left alone."""

    files: list[Path]
    held: dict[Path, dict[str, Finding]] = field(default_factory=dict)
    included: list[Path] = field(default_factory=list)
    """Files the project's files ``include``, directly or through others, in the order met."""
    sets: list[list[Path]] = field(default_factory=list)
    """The sets of files it is run with: ``docker compose`` with no ``-f`` (``COMPOSE_FILE``,
    else the base and its override), then the base with each overlay; empty: ``files``."""

    def runs(self, path: Path) -> list[list[Path]]:
        """The sets of files holding ``path`` that Compose is run with."""
        return [files for files in self.sets or [self.files] if path in files]


def _gpu_settings(view: ServiceView) -> bool:
    """Whether this definition carries anything the GPU request is made of."""
    if view.plain:
        return False
    if any(module.read(view) is not None for module in FORMS.values()):
        return True
    entries = view.entries
    if "runtime" in entries or "gpus" in entries:
        return True
    env = entries.get("environment")
    if env is not None and any(item.name in NAMES for item in env_items(env.value)):
        return True
    if any(
        str(node.tag) in MERGE_TAGS
        for name in ("deploy", "environment", "env_file")
        if name in entries
        for node in yamldoc.walk(entries[name].value)
    ):
        return True  # it may take away a request or a variable another file sets
    if "env_file" in entries:
        values = view.env_file_values
        return not isinstance(values, dict) or bool(values)
    return False


def _extends(view: ServiceView, path: Path) -> tuple[Path, str] | None:
    entry = view.entries.get("extends")
    if entry is None:
        return None
    value = entry.value
    if yamldoc.text_of(value) is not None:
        return path, str(yamldoc.text_of(value))
    if not yamldoc.is_mapping(value):
        return None
    fields = {name: yamldoc.text_of(node) for name, _, node in yamldoc.own_entries(value)}
    service = fields.get("service")
    if service is None:
        return None
    target = fields.get("file")
    return (path.parent / target if target else path), service


MERGE_TAGS = ("!reset", "!override")
"""Compose's tags that take an inherited value away instead of merging into it."""


def may_matter(text: str) -> bool:
    """The cheap gate: a file naming no GPU word, ``runtime``, ``env_file``, ``extends`` or a tag
    that takes a value away adds or removes no GPU setting of any service, so it is never parsed
    for one."""
    return might_have_gpus(text) or any(
        word in text for word in ("runtime", "env_file", "extends", *MERGE_TAGS)
    )


class Files:
    """The files of one folder, each read and parsed at most once; what kept one from being
    read or parsed is kept too."""

    def __init__(self, read: Reader) -> None:
        self.read = read
        self._texts: dict[Path, str | None] = {}
        self._defs: dict[Path, list[Definition]] = {}
        self._includes: dict[Path, list[Path]] = {}
        self.problems: dict[Path, str] = {}

    def text(self, path: Path) -> str | None:
        if path not in self._texts:
            try:
                self._texts[path] = self.read(path).removeprefix("\ufeff")
            except FileNotFoundError:
                self._texts[path] = None
                self.problems[path] = "does not exist"
            except (OSError, ValueError) as exc:
                self._texts[path] = None
                self.problems[path] = f"cannot be read ({getattr(exc, 'strerror', None) or exc})"
        return self._texts[path]

    def definitions(self, path: Path, *, gated: bool = True) -> list[Definition]:
        """The services ``path`` defines ([] when it cannot be read or parsed); with ``gated``,
        [] for a file the cheap gate says adds nothing."""
        text = self.text(path)
        if text is None or (gated and not may_matter(text)):
            return []
        if path not in self._defs:
            self._defs[path] = self._parse(path, text)
        return self._defs[path]

    def includes(self, path: Path) -> list[Path]:
        """The files ``path`` names under a top-level ``include`` (a path holding a variable is
        not followed: which file it names is known only when Compose runs)."""
        text = self.text(path)
        if text is None or "include" not in text:
            return []
        self.definitions(path, gated=False)
        return self._includes.get(path, [])

    def problem(self, path: Path) -> str | None:
        """Why ``path`` cannot be read or parsed, or None."""
        self.definitions(path, gated=False)
        return self.problems.get(path)

    def _parse(self, path: Path, text: str) -> list[Definition]:
        try:
            docs = rewrite.documents(text, Lines(text), lambda name: self.read(path.parent / name))
        except MigrationError as exc:
            where = f" (line {exc.line})" if exc.line else ""
            self.problems[path] = f"does not parse{where}: {exc.message}"
            return []
        except RecursionError:
            self.problems[path] = "does not parse: nesting too deep"
            return []
        self._includes[path] = [
            path.parent / name for document in docs for name in _included(document.root)
        ]
        extending = "extends" in text  # else no service extends another: nothing to look up
        return [
            Definition(
                path,
                view.name,
                *view.where(view.key),
                _gpu_settings(view),
                _extends(view, path) if extending else None,
            )
            for document in docs
            for view in document.views
        ]


def _included(root: Node) -> Iterator[str]:
    """The relative paths a document's ``include`` names, in its short and long forms."""
    entry = yamldoc.entries(root).get("include")
    if entry is None or not yamldoc.is_sequence(entry.value):
        return
    for item in entry.value.value:
        paths = item
        if yamldoc.is_mapping(item):
            fields = {name: node for name, _, node in yamldoc.own_entries(item)}
            paths = fields.get("path", item)
        for node in paths.value if yamldoc.is_sequence(paths) else [paths]:
            name = yamldoc.text_of(node)
            if name and "$" not in name:
                yield name


def folder_projects(folder: Path, names: Iterable[str], files: Files) -> list[Project]:
    """The projects of one folder, from the file names in it."""
    present = sorted(names)
    base = next((name for name in BASES if name in present), None)
    if base is None:
        return []
    stem = base.rsplit(".", 1)[0]
    default = [base, *(name for name in OVERRIDES[base] if name in present)]
    listed = _compose_file_setting(folder, files)
    members = list(dict.fromkeys([*default, *listed]))
    candidates = [
        name
        for name in present
        if name.startswith((f"{stem}.", f"{stem}-"))
        and name.endswith((".yaml", ".yml"))
        and name not in members
        and name not in BASES
        and files.definitions(folder / name)
    ]
    overlays: list[str] = []
    if candidates:
        services = {d.service for d in files.definitions(folder / base, gated=False)}
        broken = files.problem(folder / base) is not None  # then which complete it is unknown
        overlays = [
            name
            for name in candidates
            if broken or {d.service for d in files.definitions(folder / name)} <= services
        ]
    sets = [listed or default, *([base, name] for name in overlays)]
    return [
        Project(
            [folder / name for name in [*members, *overlays]],
            sets=[[folder / name for name in names] for names in sets],
        )
    ]


def _compose_file_setting(folder: Path, files: Files) -> list[str]:
    """The files ``COMPOSE_FILE`` in the folder's ``.env`` lists (relative names)."""
    text = files.text(folder / ".env")
    if text is None:
        return []
    values = parse_env_file(text)
    listed = values.get("COMPOSE_FILE")
    if not listed:
        return []
    separator = values.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
    return [part for part in listed.split(separator) if part and "/" not in part]


def hold(
    project: Project, files: Files, neighbours: Sequence[Path] = (), origin: Path | None = None
) -> Project:
    """Fill ``project.held``: every service whose GPU settings come from several definitions.

    ``neighbours`` are other Compose files that may ``extend`` a service of the project;
    ``origin`` is the file being migrated, which errors are told from."""
    defs: list[Definition] = []
    seen: set[Path] = set()
    members = {*project.files, *project.included}
    queue = list(dict.fromkeys([*project.files, *project.included, *neighbours]))
    texts = [text for path in queue if (text := files.text(path)) and may_matter(text)]
    if len(texts) < 2 and not any("extends" in text for text in texts):
        return project  # one file with GPU settings, extending nothing: nothing to hold
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        found = files.definitions(path)
        defs.extend(found)
        for definition in found:
            if definition.extends is not None and definition.path in members:
                _check_extends(definition, files, origin or definition.path)
        queue.extend(d.extends[0] for d in found if d.extends and d.extends[0] not in seen)
    groups: dict[str, list[Definition]] = {}
    for definition in defs:
        if definition.path in members:
            groups.setdefault(definition.service, []).append(definition)
    by_key = {(d.path, d.service): d for d in defs}
    for definition in defs:
        if definition.extends is not None and definition.extends in by_key:
            group = groups.setdefault(f"{definition.path}\0{definition.service}", [definition])
            group.append(by_key[definition.extends])
    for group in groups.values():
        unique = list({(d.path, d.service): d for d in group}.values())
        if sum(1 for d in unique if d.gpu) < 2:
            continue
        for definition in unique:
            others = ", ".join(
                f"{_shown(o.path, definition.path)}:{o.line} ({o.service!r})"
                for o in unique
                if o is not definition
            )
            message = (
                f"service {definition.service!r}: its GPU settings are also made in {others}, "
                "which Compose merges with this one; left unchanged in every file"
            )
            project.held.setdefault(definition.path, {})[definition.service] = Finding(
                definition.line, definition.col, message, refusals.PROJECT
            )
    return project


def _check_extends(definition: Definition, files: Files, origin: Path) -> None:
    """Raise ``MigrationError`` when a service of the project extends a file or a service that
    is not there: Compose cannot build the project, and neither can a safe rewrite."""
    assert definition.extends is not None
    target, service = definition.extends
    problem = files.problem(target)
    if problem is None and service not in {
        d.service for d in files.definitions(target, gated=False)
    }:
        problem = f"does not define service {service!r}"
    if problem is None:
        return
    here = definition.path == origin
    of = "" if here else f" of {_shown(definition.path, origin)}"
    raise MigrationError(
        f"service {definition.service!r}{of} extends {_shown(target, definition.path)}, which "
        f"{problem}; no file of the project is migrated",
        definition.line if here else 0,
        definition.col if here else 0,
    )


def _shown(path: Path, beside: Path) -> str:
    return path.name if path.parent == beside.parent else os.path.relpath(path, beside.parent)


def read_text(path: Path) -> str:
    """The default reader: UTF-8 text of a regular file, at most 10 MiB."""
    data, _ = fileio.read_regular(path, PROJECT_FILE_LIMIT)
    if len(data) > PROJECT_FILE_LIMIT or b"\0" in data:
        raise ValueError("not a Compose file")
    return data.decode("utf-8")


PROJECT_FILE_LIMIT = 10 * 1024 * 1024
"""Bytes of another file of a project read at most."""


def project_for(path: Path, together: Sequence[Path] = (), read: Reader = read_text) -> Project:
    """The project of ``path`` (the files given ``together``, else its folder's project, else
    the file alone), with the services to leave alone in each file: those whose GPU settings are
    made in several definitions. Raises ``MigrationError`` for a project that cannot be read."""
    try:
        names = sorted(os.listdir(path.parent))
    except OSError:
        names = []
    files = Files(read)
    if together:
        project = Project(list(together))
    else:
        found = folder_projects(path.parent, names, files)
        project = next((p for p in found if path in p.files), Project([path]))
    dotenv = path.parent / ".env"
    if files.problems.get(dotenv, "does not exist") != "does not exist":
        raise MigrationError(
            f".env beside it {files.problems[dotenv]}; no file of the project is migrated"
        )
    for member in project.files:
        problem = files.problem(member) if member != path else None
        if problem is not None:
            raise MigrationError(
                f"{_shown(member, path)}, a file of the same project, {problem}; "
                "no file of the project is migrated"
            )
    project.included = _included_files(project, files, path)
    neighbours = [path.parent / name for name in names if is_compose_name(name)]
    hold(project, files, neighbours, path)
    for above in _including_projects(path, files):
        project.held.setdefault(path, {}).update(above.held.get(path, {}))
    return project


INCLUDE_DEPTH = 32
"""Files deep an ``include`` chain is followed; a deeper one is refused as Compose would not
finish it either."""

ANCESTORS = 3
"""Folders above a file whose projects are looked at for an ``include`` of it."""


def _normal(path: Path) -> Path:
    return Path(os.path.normpath(path))


def _included_files(project: Project, files: Files, origin: Path) -> list[Path]:
    """Every file the project's files include, through other included files too. Raises
    ``MigrationError`` for an include Compose could not load: missing, unreadable, a cycle."""
    found: list[Path] = []

    def visit(path: Path, chain: list[Path]) -> None:
        for target in map(_normal, files.includes(path)):
            if target in chain or len(chain) > INCLUDE_DEPTH:
                cycle = " -> ".join(_shown(step, origin) for step in [*chain, target])
                why = "cycle" if target in chain else "chain too deep"
                raise MigrationError(f"include {why}: {cycle}; no file of the project is migrated")
            problem = files.problem(target)
            if problem is not None:
                raise MigrationError(
                    f"{_shown(target, origin)}, included by {_shown(path, origin)}, {problem}; "
                    "no file of the project is migrated"
                )
            if target not in found and target not in project.files:
                found.append(target)
                visit(target, [*chain, target])

    for member in project.files:
        visit(_normal(member), [_normal(member)])
    return found


def _including_projects(path: Path, files: Files) -> Iterator[Project]:
    """The projects of the folders above ``path`` that include it, each with its services held,
    under ``path`` as spelled here. One that cannot be read is Compose's to refuse when run; it
    holds nothing."""
    here = os.path.abspath(path)
    folder = path.parent
    for _ in range(ANCESTORS):
        above = _normal(folder / "..")
        if os.path.abspath(above) == os.path.abspath(folder):
            return  # the root
        folder = above
        if not any(os.path.lexists(folder / base) for base in BASES):
            continue  # no project here (a few lookups, where listing a folder may take many)
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return
        for project in folder_projects(folder, names, files):
            try:
                project.included = _included_files(project, files, path)
                spelled = next(f for f in project.included if os.path.abspath(f) == here)
                project.included[project.included.index(spelled)] = path
                yield hold(project, files, origin=path)
            except (MigrationError, StopIteration):
                continue
