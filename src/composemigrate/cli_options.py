"""Options every command shares: how directories are walked, where the configuration comes
from, and whether a flag was given on the command line (which wins over the file)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from composemigrate import config


def config_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--config PATH`` and ``--show-config``, the same for every command."""
    command = click.option(
        "--show-config",
        is_flag=True,
        help="Print the settings in force and where each came from, then exit.",
    )(command)
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        metavar="PATH",
        help="Read settings from PATH instead of the .composemigrate.toml or pyproject.toml "
        "found upwards from here.",
    )(command)


def given(name: str) -> bool:
    """Whether the option ``name`` came from the command line (flags win over the file)."""
    source = click.get_current_context().get_parameter_source(name)
    return source is not None and source is not ParameterSource.DEFAULT


def configured(options: dict[str, Any]) -> config.Config:
    """The configuration in force; a file that cannot be used is a usage error naming it."""
    try:
        return config.resolve(options.pop("config_path"), Path.cwd())
    except config.ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def walk_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--include``, ``--exclude`` and ``--no-ignore``: how every command walks directories."""
    command = click.option(
        "--no-ignore", is_flag=True, help="Do not honour .gitignore files in directories."
    )(command)
    command = click.option(
        "--exclude", multiple=True, metavar="GLOB", help="Leave out files matching GLOB."
    )(command)
    return click.option(
        "--include",
        multiple=True,
        metavar="GLOB",
        help="Also take files matching GLOB in directories.",
    )(command)


def repos_from_option(command: Callable[..., None]) -> Callable[..., None]:
    """``--repos-from FILE``: repository roots, one per line, for commands that walk a fleet."""
    return click.option(
        "--repos-from",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Read repository roots from FILE, one per line.",
    )(command)
