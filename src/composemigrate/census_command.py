"""``composemigrate census PATH...`` and ``census --compare OLD.json NEW.json``: the walk, the
output and reading earlier censuses back. Counting is in ``census``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from composemigrate import census as counting
from composemigrate import fileio
from composemigrate.cli_options import repos_from_option, walk_options
from composemigrate.discovery import Discovered
from composemigrate.gpu import Form
from composemigrate.result import MigrationError
from composemigrate.terminal import printable

EPILOG = """\b
Examples:
  composemigrate census ~/src                         # the GPU services below ~/src, by form
  composemigrate census --repos-from repos.txt --format json > before.json
  composemigrate census --compare before.json after.json   # the burndown
"""


@click.command(epilog=EPILOG)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
@click.option(
    "--to",
    type=click.Choice([form.value for form in Form]),
    default=Form.DEVICES.value,
    show_default=True,
    help="The form a migration would write: services it would leave are counted by code.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A table on stdout, or one JSON document (the input of --compare).",
)
@repos_from_option
@click.option(
    "--compare",
    nargs=2,
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="OLD NEW",
    help="Print the burndown between two JSON censuses instead of taking one.",
)
@walk_options
def census(
    paths: tuple[Path, ...],
    to: str,
    output_format: str,
    repos_from: Path | None,
    compare: tuple[Path, Path] | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    no_ignore: bool,
) -> None:
    """Count the services asking for GPUs, per repository and in total, by form.

    Also counts, by refusal code, the services a migration to --to would leave unchanged. Files
    are walked as migrate walks them; with --repos-from, per listed repository.

    Exit status: 0 done, 2 a file could not be read or parsed (the others are counted), or a
    report given to --compare cannot be used.
    """
    if compare is not None:
        if paths or repos_from is not None:
            raise click.UsageError("--compare takes two census files and no PATH")
        sys.exit(_compare(*compare))
    if not paths and repos_from is None:
        raise click.UsageError("give at least one PATH, or --repos-from FILE")
    from composemigrate import discovery

    roots = list(paths)
    if repos_from is not None:
        try:
            roots += discovery.read_repo_list(repos_from)
        except OSError as exc:
            raise click.UsageError(
                f"cannot read --repos-from file: {exc.strerror or exc}"
            ) from None
    found = discovery.discover(roots, include=include, exclude=exclude, use_ignore=not no_ignore)
    target = Form(to)
    listed = [root.resolve() for root in roots] if repos_from is not None else []
    repositories: dict[str, counting.Tally] = {}
    total = counting.Tally()
    for item in found:
        tally = _count(item.path, item.within, target)
        where = _repository(item, listed)
        repositories.setdefault(where, counting.Tally()).add(tally)
        total.add(tally)
    if output_format == "json":
        sys.stdout.write(counting.to_json(target, repositories, total))
    else:
        sys.stdout.write(counting.table(repositories, total))
    sys.exit(2 if total.failed else 0)


def _repository(item: Discovered, listed: list[Path]) -> str:
    """The repository a file is counted under: its listed root, its git root, or ``(none)``."""
    real = item.path.resolve()
    root = next((root for root in listed if real.is_relative_to(root)), None) or item.repo
    return str(root) if root is not None else "(none)"


def _count(path: Path, within: str | None, to: Form) -> counting.Tally:
    try:
        source = fileio.read_source(path, within)
        return counting.count_text(source.text, to, fileio.env_file_reader(path.parent))
    except MigrationError as exc:
        click.echo(printable(exc.render(str(path))), err=True)
    except fileio.ReadError as exc:
        click.echo(printable(f"{path}: error: {exc.message}"), err=True)
    except RecursionError:
        click.echo(printable(f"{path}: error: nesting too deep to read"), err=True)
    return counting.Tally(files=1, failed=1)


def _compare(old: Path, new: Path) -> int:
    try:
        before, after = _read(old), _read(new)
    except click.ClickException as exc:
        click.echo(f"error: {exc.message}", err=True)
        return 2
    sys.stdout.write(counting.burndown(before, after))
    return 0


def _read(path: Path) -> counting.Tally:
    """The totals of a JSON census; a one-line error naming the file when it is not one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{path}: not JSON, or cut short ({exc})") from None
    if not isinstance(document, dict) or document.get("kind") != "composemigrate-census":
        raise click.ClickException(f"{path}: not a census (composemigrate census --format json)")
    if document.get("version") != counting.VERSION:
        version = document.get("version")
        raise click.ClickException(
            f"{path}: census version {version!r}, this composemigrate reads {counting.VERSION}"
        )
    try:
        return counting.Tally.from_json(document["totals"])
    except (KeyError, TypeError, ValueError) as exc:
        raise click.ClickException(f"{path}: totals are incomplete ({exc})") from None
