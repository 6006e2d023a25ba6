"""A service's environment as the engine assembles it: its ``env_file`` files, then
``environment`` on top, read for the two variables the NVIDIA hook looks at."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from composemigrate import refusals, yamldoc
from composemigrate.gpu import CAPABILITIES, VISIBLE, Unsupported, is_variable
from composemigrate.yamldoc import Node

NAMES = (VISIBLE, CAPABILITIES)

EnvFileReader = Callable[[str], str]
"""Reads an env file named as the Compose file names it (relative to the Compose file's folder).
Raises ``OSError`` when it cannot, ``ValueError`` (its text says why) when it is no env file."""


@dataclass(frozen=True)
class EnvItem:
    """One environment entry: ``value`` None when it comes from the shell (bare name)."""

    name: str
    value: str | None
    key: Node
    value_node: Node | None


def env_items(env: Node) -> list[EnvItem]:
    """The entries of an ``environment`` in list (``NAME=value``) or mapping form."""
    if yamldoc.is_sequence(env):
        items = []
        for item in env.value:
            text = yamldoc.text_of(item)
            if text is not None:
                name, sep, value = text.partition("=")
                items.append(EnvItem(name.strip(), value if sep else None, item, None))
        return items
    if yamldoc.is_mapping(env):
        return [
            EnvItem(name, yamldoc.text_of(value), key, value)
            for name, key, value in yamldoc.own_entries(env)
        ]
    return []


def parse_env_file(text: str) -> dict[str, str | None]:
    """``NAME=value`` lines as Compose reads them: ``#`` comments, ``export``, quotes; a bare
    ``NAME`` takes its value from the shell (None)."""
    values: dict[str, str | None] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").lstrip()
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep:
            values[name] = None
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] in "'\"" and value.endswith(value[0]):
            value = value[1:-1]
        elif " #" in value:
            value = value[: value.index(" #")].rstrip()
        values[name] = value
    return values


def _paths(node: Node) -> list[tuple[str, bool]] | None:
    """``(path, required)`` of every env file: a string, a list of strings or ``path:`` maps."""
    items = node.value if yamldoc.is_sequence(node) else [node]
    found = []
    for item in items:
        text = yamldoc.text_of(item)
        if text is not None:
            found.append((text, True))
            continue
        if not yamldoc.is_mapping(item):
            return None
        fields = {name: yamldoc.text_of(value) for name, _, value in yamldoc.own_entries(item)}
        path = fields.get("path")
        if path is None:
            return None
        found.append((path, (fields.get("required") or "true").lower() != "false"))
    return found


def from_env_files(node: Node, reader: EnvFileReader | None) -> dict[str, str | None] | Unsupported:
    """The NVIDIA_* values the service's env files set, later files winning."""
    paths = _paths(node)
    if paths is None:
        return Unsupported("env_file is not a path or a list of paths", refusals.ENV_FILE)
    if reader is None:
        reason = "env_file is not read for a text without a folder"
        return Unsupported(reason, refusals.ENV_FILE)
    values: dict[str, str | None] = {}
    for path, required in paths:
        if is_variable(path):
            return Unsupported(f"env_file {path} is named by a variable", refusals.ENV_FILE)
        try:
            text = reader(path)
        except FileNotFoundError:
            if not required:
                continue
            return Unsupported(f"env_file {path} does not exist", refusals.ENV_FILE)
        except IsADirectoryError:
            return Unsupported(f"env_file {path} is a folder", refusals.ENV_FILE)
        except OSError as exc:
            why = f"cannot be read ({exc.strerror or type(exc).__name__})"
            return Unsupported(f"env_file {path} {why}", refusals.ENV_FILE)
        except ValueError as exc:
            return Unsupported(f"env_file {path} {exc}", refusals.ENV_FILE)
        parsed = parse_env_file(text)
        values.update({name: parsed[name] for name in NAMES if name in parsed})
    return values
