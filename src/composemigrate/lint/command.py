"""``composemigrate lint PATH...``: files and directories in, findings out (text, JSON or SARIF).

Registered in the CLI with ``cli.add_command(lint)``. All file and process I/O of lint lives here;
the rules and fixes are pure (``composemigrate.lint``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from composemigrate import fileio, sizelimit
from composemigrate.lint import fix_text, lint_text, report, sarif
from composemigrate.lint.report import Checked
from composemigrate.result import Finding, MigrationError, internal_error
from composemigrate.terminal import printable

EPILOG = """\b
Examples:
  composemigrate lint compose.yaml                  # findings, exit 1 on any error
  composemigrate lint --gpus 2 deploy/              # also check counts and ids against 2 GPUs
  composemigrate lint --fix --dry-run .             # show the safe fixes as a diff
  composemigrate lint --format sarif . > gpu.sarif  # for code scanning
"""

NVIDIA_SMI_TIMEOUT = 30


def host_gpus() -> int | None:
    """How many GPUs ``nvidia-smi -L`` (found on PATH) lists; None when it is missing or fails."""
    binary = shutil.which("nvidia-smi")
    if binary is None:
        return None
    try:
        done = subprocess.run(
            [binary, "-L"],
            capture_output=True,
            text=True,
            timeout=NVIDIA_SMI_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return sum(1 for line in done.stdout.splitlines() if line.startswith("GPU "))


def check_file(
    path: Path, host: int | None, *, fix: bool, write: bool, max_bytes: int | None = None
) -> Checked:
    """Lint one file, after applying the safe fixes when ``fix`` (written when ``write``); any
    failure, an unexpected one too, is the file's error."""
    try:
        return _check_file(path, host, fix=fix, write=write, max_bytes=max_bytes)
    except Exception as exc:
        return Checked(str(path), error=internal_error(exc))


def _held(path: Path, text: str) -> Mapping[str, Finding]:
    """The services of ``path`` whose GPU settings its project makes in several files; none for
    a project that cannot be read (Compose would refuse it; the file's own findings still come)."""
    from composemigrate import projects, rewrite

    if path.suffix == ".py" or not rewrite.might_have_gpus(text):
        return {}
    try:
        return projects.project_for(path).held.get(path, {})
    except MigrationError:
        return {}


def _check_file(
    path: Path, host: int | None, *, fix: bool, write: bool, max_bytes: int | None
) -> Checked:
    name = str(path)
    try:
        source = fileio.read_source(path)
    except fileio.ReadError as exc:
        return Checked(name, error=MigrationError(exc.message))
    text, fixed = source.text, 0
    try:
        sizelimit.check(text, max_bytes)
        if fix:
            result = fix_text(source.text)
            text, fixed = result.text, len(result.warnings)
        if write and text != source.text:
            fileio.write_atomic(source, text)
        findings = lint_text(text, gpus=host, path=name, held=_held(path, text))
    except MigrationError as exc:
        return Checked(name, error=exc)
    except fileio.WriteError as exc:
        return Checked(name, error=MigrationError(exc.message))
    if text == source.text:  # the texts are kept only for the diff of a fix
        return Checked(name, tuple(findings), None, fixed)
    return Checked(name, tuple(findings), None, fixed, source.text, text)


@click.command(epilog=EPILOG)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="Findings on stdout as text lines, one JSON document, or SARIF 2.1.0.",
)
@click.option(
    "--gpus",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="GPUs of the target host (default: those `nvidia-smi -L` lists, if on PATH).",
)
@click.option("--fix", is_flag=True, help="Apply the safe fixes in place.")
@click.option(
    "--dry-run",
    "--diff",
    "dry_run",
    is_flag=True,
    help="With --fix: print the diff, write nothing.",
)
@click.option(
    "--color/--no-color", default=None, help="Colour the diff (default: when stdout is a terminal)."
)
@click.option(
    "--include", multiple=True, metavar="GLOB", help="Also take files matching GLOB in directories."
)
@click.option("--exclude", multiple=True, metavar="GLOB", help="Leave out files matching GLOB.")
@click.option("--no-ignore", is_flag=True, help="Do not honour .gitignore files in directories.")
@sizelimit.option
def lint(
    paths: tuple[Path, ...],
    output_format: str,
    gpus: int | None,
    fix: bool,
    dry_run: bool,
    color: bool | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    no_ignore: bool,
    max_size: int,
) -> None:
    """Report GPU settings that Compose refuses or that fail on a GPU host; exit 1 on errors.

    Exit status: 0 no error finding, 1 an error finding (or, with --fix --dry-run, a file the
    fixes would change), 2 a file could not be read or parsed (the others are still linted).
    """
    if dry_run and not fix:
        raise click.UsageError("--dry-run shows what --fix would change: give --fix too")
    if dry_run and output_format != "text":
        raise click.UsageError("--dry-run prints a diff: use it with --format text")
    from composemigrate import discovery  # pathspec: loaded only when there is work to do

    host = gpus if gpus is not None else host_gpus()
    if gpus is None and host is not None:
        click.echo(f"checking against the {host} GPU(s) that nvidia-smi -L lists", err=True)
    targets = discovery.discover(
        list(paths), include=include, exclude=exclude, use_ignore=not no_ignore
    )
    limit = sizelimit.limit_bytes(max_size)
    files = [
        check_file(t.path, host, fix=fix, write=fix and not dry_run, max_bytes=limit)
        for t in targets
    ]
    sys.exit(_output(files, output_format, host, dry_run, color))


def _output(
    checked: list[Checked],
    output_format: str,
    host: int | None,
    dry_run: bool,
    color: bool | None,
) -> int:
    """Write findings (and diffs) to stdout, errors and the summary to stderr; the exit status."""
    from composemigrate.batch import color_wanted
    from composemigrate.diff import unified_diff

    for item in checked:
        if item.error is not None:
            click.echo(printable(item.error.render(item.path)), err=True)
    if dry_run:
        for item in checked:
            sys.stdout.write(unified_diff(item.path, item.old, item.new, color=color_wanted(color)))
        sys.stderr.write(report.to_text(checked))
    elif output_format == "json":
        sys.stdout.write(report.to_json(checked, host))
    elif output_format == "sarif":
        sys.stdout.write(sarif.to_sarif(checked))
    else:
        sys.stdout.write(report.to_text(checked))
    click.echo(report.summary(checked, written=not dry_run), err=True)
    return report.exit_code(checked, pending_fixes=dry_run)
