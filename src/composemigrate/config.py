"""Configuration files, as ruff reads them: ``.composemigrate.toml``, or ``[tool.composemigrate]``
in ``pyproject.toml``, the first found from the working directory upwards (or the file given with
``--config``). Command-line flags win over the file, and the file over the defaults.

``.composemigrate.toml`` holds the keys at its top level; ``pyproject.toml`` under
``[tool.composemigrate]``. Lint's keys sit in a ``lint`` table below either.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the Python the tests run on has tomllib
    import tomli as tomllib

from composemigrate.gpu import Form

OWN = ".composemigrate.toml"
PYPROJECT = "pyproject.toml"


class ConfigError(Exception):
    """A configuration file that cannot be used: one line naming the file and what is wrong."""


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _direction(value: Any) -> bool:
    return value in {form.value for form in Form}


def _per_file(value: Any) -> bool:
    return isinstance(value, dict) and all(_strings(codes) for codes in value.values())


Check = Callable[[Any], bool]
KEYS: dict[str, tuple[Check, str]] = {
    "to": (_direction, f"one of {', '.join(form.value for form in Form)}"),
    "include": (_strings, "a list of globs"),
    "exclude": (_strings, "a list of globs"),
    "strict": (lambda value: isinstance(value, bool), "true or false"),
    "max-size": (_count, "a number of megabytes (0: no limit)"),
    "jobs": (lambda value: _count(value) and value >= 1, "a number of processes, at least 1"),
    "gpus": (_count, "the number of GPUs of the target host"),
}
"""Top-level keys, each with its check and what it must be."""
LINT_KEYS: dict[str, tuple[Check, str]] = {
    "select": (_strings, "a list of codes or prefixes"),
    "ignore": (_strings, "a list of codes or prefixes"),
    "per-file-ignores": (_per_file, "a table of glob = [codes]"),
}


@dataclass(frozen=True)
class Config:
    """The settings a file gives (by key as written there), and the file."""

    path: Path | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    lint: Mapping[str, Any] = field(default_factory=dict)

    def ignored_for(self, path: Path) -> tuple[str, ...]:
        """The codes ``per-file-ignores`` turns off for ``path`` (globs relative to the file's
        folder, or matched against the name alone when they hold no ``/``)."""
        table: Mapping[str, list[str]] = self.lint.get("per-file-ignores", {})
        if not table or self.path is None:
            return ()
        try:
            relative = path.resolve().relative_to(self.path.parent.resolve()).as_posix()
        except ValueError:
            relative = path.as_posix()
        codes: list[str] = []
        for glob, listed in table.items():
            target = relative if "/" in glob else path.name
            if fnmatchcase(target, glob):
                codes += listed
        return tuple(code.upper() for code in codes)


def find(start: Path) -> Path | None:
    """The configuration file for a run started in ``start``: the nearest folder upwards with a
    ``.composemigrate.toml``, or a ``pyproject.toml`` that has ``[tool.composemigrate]``."""
    for folder in [start, *start.parents]:
        own = folder / OWN
        if own.is_file():
            return own
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and b"[tool.composemigrate" in _bytes(pyproject):
            return pyproject
    return None


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def load(path: Path) -> Config:
    """Read and check one configuration file; raises ``ConfigError``."""
    try:
        document = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    prefix = ""
    if path.name == PYPROJECT:
        document = document.get("tool", {}).get("composemigrate", {})
        prefix = "tool.composemigrate."
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: {prefix.rstrip('.')} is not a table")
    lint = document.get("lint", {})
    if not isinstance(lint, dict):
        raise ConfigError(f"{path}: {prefix}lint is not a table")
    values = {key: value for key, value in document.items() if key != "lint"}
    _check(path, prefix, values, KEYS)
    _check(path, f"{prefix}lint.", lint, LINT_KEYS)
    return Config(path, values, lint)


def _check(
    path: Path, prefix: str, table: dict[str, Any], keys: dict[str, tuple[Check, str]]
) -> None:
    for key, value in table.items():
        if key not in keys:
            known = ", ".join(keys)
            raise ConfigError(f"{path}: unknown key '{prefix}{key}' (known: {known})")
        check, what = keys[key]
        if not check(value):
            raise ConfigError(f"{path}: {prefix}{key} must be {what}, not {value!r}")


def resolve(given: Path | None, start: Path) -> Config:
    """The configuration in force: the file given, else the one found from ``start``, else
    none. Raises ``ConfigError`` for a file that cannot be used."""
    path = given if given is not None else find(start)
    return load(path) if path is not None else Config()


def merge(
    config: Config,
    table: Mapping[str, Any],
    options: dict[str, Any],
    given: Callable[[str], bool],
    names: Mapping[str, str],
) -> dict[str, str]:
    """Fill ``options`` (by option name) from ``table`` of ``config`` where the command line did
    not give them; returns where each setting in force came from, by its key in the file."""
    origin: dict[str, str] = {}
    for key, name in names.items():
        if given(name):
            origin[key] = "command line"
        elif key in table:
            value = table[key]
            options[name] = tuple(value) if isinstance(value, list) else value
            origin[key] = str(config.path)
        else:
            origin[key] = "default"
    return origin


def shown(values: Mapping[str, Any], origin: Mapping[str, str]) -> str:
    """``--show-config``: each setting in force, as TOML, with where it came from."""
    lines = []
    for key, source in origin.items():
        value = values[key]
        if isinstance(value, tuple):
            value = list(value)
        lines.append(f"{key} = {json.dumps(value, default=str)}  # {source}")
    return "\n".join(lines) + "\n"
