"""``composemigrate lint PATH...``: files and directories in, findings out (text, JSON or SARIF).

Registered in the CLI with ``cli.add_command(lint)``. All file and process I/O of lint lives here;
the rules and fixes are pure (``composemigrate.lint``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click

from composemigrate import config, fileio, sizelimit
from composemigrate.cli_options import config_options, configured, given, walk_options
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


@dataclass(frozen=True)
class Options:
    """What ``lint`` is asked to do with each file."""

    host: int | None = None
    fix: bool = False
    write: bool = False
    max_bytes: int | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


def check_file(path: Path, options: Options) -> Checked:
    """Lint one file, after applying the safe fixes when ``fix`` (written when ``write``); any
    failure, an unexpected one too, is the file's error."""
    try:
        return _check_file(path, options)
    except Exception as exc:
        return Checked(str(path), error=internal_error(exc))


def _held(path: Path, text: str) -> Mapping[str, Finding]:
    """The services of ``path`` whose GPU settings its project makes in several files; none for
    a project that cannot be read (Compose would refuse it; the file's own findings still come)."""
    from composemigrate import projects
    from composemigrate.service import might_have_gpus

    if path.suffix == ".py" or not might_have_gpus(text):
        return {}
    try:
        return projects.project_for(path).held.get(path, {})
    except MigrationError:
        return {}


def _check_file(path: Path, options: Options) -> Checked:
    name = str(path)
    try:
        source = fileio.read_source(path)
    except fileio.ReadError as exc:
        return Checked(name, error=MigrationError(exc.message))
    return check_text(source.text, name, options, path, source)


def check_text(
    original: str,
    name: str,
    options: Options,
    path: Path | None = None,
    source: fileio.Source | None = None,
) -> Checked:
    """Lint a text shown as ``name`` (fixed first when asked; written back to ``source`` when
    there is one and ``write``); ``path`` finds its project."""
    text, fixed = original, 0
    chosen = {"select": options.select, "ignore": options.ignore}
    try:
        sizelimit.check(text, options.max_bytes)
        if options.fix:
            result = fix_text(original, **chosen)
            text, fixed = result.text, len(result.warnings)
        if options.write and source is not None and text != original:
            fileio.write_atomic(source, text)
        held = _held(path, text) if path is not None else {}
        found = lint_text(text, gpus=options.host, path=name, held=held, **chosen)
    except MigrationError as exc:
        return Checked(name, error=exc)
    except fileio.WriteError as exc:
        return Checked(name, error=MigrationError(exc.message))
    findings = tuple(f for f in found if not f.suppressed)
    hidden = tuple(f for f in found if f.suppressed)
    if text == original:  # the texts are kept only for the diff of a fix
        return Checked(name, findings, None, fixed, suppressed=hidden)
    return Checked(name, findings, None, fixed, original, text, hidden)


LINT_TOP_KEYS = {"include": "include", "exclude": "exclude", "max-size": "max_size", "gpus": "gpus"}
LINT_KEYS = {"select": "select", "ignore": "ignore"}
"""Keys of a configuration file (top level, and its ``lint`` table) that set a lint option."""


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    """Codes or prefixes given as repeated options or comma lists (``CM2,CM301``)."""
    return tuple(code.strip().upper() for value in values for code in value.split(",") if code)


@click.command(epilog=EPILOG)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default="text",
    show_default=True,
    help="Findings on stdout as text lines, one JSON document, SARIF 2.1.0, or GitHub Actions "
    "annotations.",
)
@click.option(
    "--gpus",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="GPUs of the target host (default: those `nvidia-smi -L` lists, if on PATH).",
)
@click.option(
    "--select",
    multiple=True,
    metavar="CODE",
    help="Run only these rules (codes or prefixes such as CM2; repeat or comma-separate).",
)
@click.option(
    "--ignore", multiple=True, metavar="CODE", help="Do not run these rules (codes or prefixes)."
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
    "--stdin-filename",
    metavar="NAME",
    default=None,
    help="With - as PATH: the name shown for the text read from stdin.",
)
@walk_options
@click.option("-v", "--verbose", is_flag=True, help="Also list the suppressed findings.")
@sizelimit.option
@config_options
def lint(
    paths: tuple[Path, ...],
    output_format: str,
    gpus: int | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fix: bool,
    dry_run: bool,
    color: bool | None,
    stdin_filename: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    no_ignore: bool,
    verbose: bool,
    max_size: int,
    config_path: Path | None,
    show_config: bool,
) -> None:
    """Report GPU settings that Compose refuses or that fail on a GPU host; exit 1 on errors.

    A finding is suppressed by `# composemigrate: ignore[CODE]` on its line or on its service's
    line. PATH - reads one Compose text from stdin (fixes are then printed, not written).

    Exit status: 0 no error finding, 1 an error finding (or, with --fix --dry-run, a file the
    fixes would change), 2 a file could not be read or parsed (the others are still linted).
    """
    options: dict[str, Any] = {
        "include": include,
        "exclude": exclude,
        "max_size": max_size,
        "gpus": gpus,
        "select": select,
        "ignore": ignore,
        "config_path": config_path,
    }
    file = configured(options)
    origin = config.merge(file, file.values, options, given, LINT_TOP_KEYS)
    origin |= config.merge(file, file.lint, options, given, LINT_KEYS)
    if show_config:
        keys = {**LINT_TOP_KEYS, **LINT_KEYS}
        values = {key: options[name] for key, name in keys.items()}
        values["per-file-ignores"] = dict(file.lint.get("per-file-ignores", {}))
        origin["per-file-ignores"] = (
            str(file.path) if "per-file-ignores" in file.lint else "default"
        )
        click.echo(config.shown(values, origin), nl=False)
        return
    include, exclude, max_size = options["include"], options["exclude"], options["max_size"]
    gpus, select, ignore = options["gpus"], options["select"], options["ignore"]
    if not paths:
        raise click.UsageError("give at least one PATH (or - for stdin)")
    if dry_run and not fix:
        raise click.UsageError("--dry-run shows what --fix would change: give --fix too")
    if dry_run and output_format != "text":
        raise click.UsageError("--dry-run prints a diff: use it with --format text")
    stdin = "-" in (str(path) for path in paths)
    if stdin and len(paths) != 1:
        raise click.UsageError("- (stdin) cannot be mixed with other paths")
    if stdin_filename is not None and not stdin:
        raise click.UsageError("--stdin-filename names the text read from -: give - as PATH")
    host = gpus if gpus is not None else host_gpus()
    if gpus is None and host is not None:
        click.echo(f"checking against the {host} GPU(s) that nvidia-smi -L lists", err=True)
    chosen = Options(
        host,
        fix,
        fix and not dry_run,
        sizelimit.limit_bytes(max_size),
        _codes(select),
        _codes(ignore),
    )
    if stdin:
        files = [_check_stdin(stdin_filename or "<stdin>", chosen)]
    else:
        from composemigrate import discovery  # pathspec: loaded only when there is work to do

        targets = discovery.discover(
            list(paths), include=include, exclude=exclude, use_ignore=not no_ignore
        )
        streamed = output_format in ("text", "github") and not dry_run
        files = []
        for target in targets:
            extra = file.ignored_for(target.path)
            item = check_file(target.path, replace(chosen, ignore=chosen.ignore + extra))
            files.append(item)
            if streamed:  # findings as each file is done, as migrate reports them
                _write_findings([item], output_format)
                files[-1] = replace(item, old="", new="")
    if verbose:
        for item in files:
            for finding in item.suppressed:
                rendered = finding.render(item.path).replace(": ", ": suppressed: ", 1)
                click.echo(printable(rendered), err=True)
    streamed = not stdin and output_format in ("text", "github") and not dry_run
    fixed_text = stdin and fix and not dry_run
    sys.exit(_output(files, output_format, host, dry_run, color, fixed_text, streamed))


def _write_findings(checked: list[Checked], output_format: str) -> None:
    """A file's error on stderr, its findings on stdout, as text lines or annotations."""
    for item in checked:
        if item.error is not None:
            click.echo(printable(item.error.render(item.path)), err=True)
    writer = report.to_github if output_format == "github" else report.to_text
    sys.stdout.write(writer(checked))
    sys.stdout.flush()


def _check_stdin(name: str, options: Options) -> Checked:
    """Lint the text on stdin; with ``--fix`` the fixed text is kept to be printed."""
    try:
        text = fileio.decode(sys.stdin.buffer.read())
    except fileio.ReadError as exc:
        return Checked(name, error=MigrationError(exc.message))
    try:
        checked = check_text(text, name, replace(options, write=False))
    except Exception as exc:
        return Checked(name, error=internal_error(exc))
    if options.fix and not checked.changed:
        return replace(checked, old=text, new=text)
    return checked


def _output(
    checked: list[Checked],
    output_format: str,
    host: int | None,
    dry_run: bool,
    color: bool | None,
    fixed_text: bool = False,
    streamed: bool = False,
) -> int:
    """Write findings (and diffs) to stdout, errors and the summary to stderr; the exit status.
    With ``fixed_text`` (``--fix`` on stdin) the fixed text goes to stdout, findings to stderr;
    ``streamed`` findings were written as each file was done, so only the summary is left."""
    from composemigrate.batch import color_wanted
    from composemigrate.diff import unified_diff

    if streamed:
        click.echo(report.summary(checked), err=True)
        return report.exit_code(checked)
    for item in checked:
        if item.error is not None:
            click.echo(printable(item.error.render(item.path)), err=True)
    if fixed_text:
        for item in checked:
            sys.stdout.write(item.new if item.error is None else "")
        sys.stderr.write(report.to_text(checked))
    elif dry_run:
        for item in checked:
            sys.stdout.write(unified_diff(item.path, item.old, item.new, color=color_wanted(color)))
        sys.stderr.write(report.to_text(checked))
    elif output_format == "json":
        sys.stdout.write(report.to_json(checked, host))
    elif output_format == "sarif":
        sys.stdout.write(sarif.to_sarif(checked))
    elif output_format == "github":
        sys.stdout.write(report.to_github(checked))
    else:
        sys.stdout.write(report.to_text(checked))
    click.echo(report.summary(checked, written=not dry_run), err=True)
    return report.exit_code(checked, pending_fixes=dry_run)
