"""The command line: flags in, a report and an exit status out. Heavy modules load lazily."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from composemigrate import __version__, config, sizelimit
from composemigrate.cli_options import (
    config_options,
    configured,
    given,
    repos_from_option,
    walk_options,
)
from composemigrate.forms import SPECS
from composemigrate.gpu import Form
from composemigrate.settings import Settings

EXAMPLES = """\b
Examples:
  composemigrate --to-devices compose.yaml            # rewrite in place
  composemigrate --to-devices --dry-run compose.yaml  # show the diff, write nothing
  composemigrate --to-gpus --check a.yml b.yml        # exit 1 if a file would change
  cat compose.yaml | composemigrate --to-runtime -    # stdin in, YAML out
  composemigrate --to-devices --check ~/src --report json > gpu-report.json
"""


LAZY = {
    "lint": ("composemigrate.lint.command", "Report GPU configuration problems; --fix repairs."),
    "census": ("composemigrate.census_command", "Count GPU services by form, per repository."),
}
"""Commands imported only when run, so ``--help`` stays fast: (module, short help)."""


_FIRST_WORD = "composemigrate.first_word"
"""Set in ``ctx.meta`` while the word being completed is the first one, where a command fits."""


def _complete_paths(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Files, as for any path, and the command names when they could stand there (first word)."""
    from click.shell_completion import CompletionItem

    names = [name for name in cli.list_commands(ctx) if name.startswith(incomplete)]
    commands = [CompletionItem(name) for name in names] if ctx.meta.get(_FIRST_WORD) else []
    return [*commands, CompletionItem(incomplete, type="file")]


class _DefaultGroup(click.Group):
    """Arguments that do not name a command go to ``migrate``: ``composemigrate --to-devices x``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        known = (*self.commands, *LAZY, "--help", "-h", "--version")
        ctx.meta[_FIRST_WORD] = not args
        if not args or args[0] not in known:
            args = ["migrate", *args]
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*self.commands, *LAZY])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY:
            command: click.Command = getattr(importlib.import_module(LAZY[cmd_name][0]), cmd_name)
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, command.get_short_help_str()) for name, command in self.commands.items()]
        rows += [(name, short) for name, (_, short) in LAZY.items()]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))


@click.group(
    cls=_DefaultGroup, epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="composemigrate")
def cli() -> None:
    """Move Compose files (and docker SDK code) between the ways of asking for NVIDIA GPUs.

    Without a command, runs `migrate`: see `composemigrate migrate --help`.
    """


MIGRATE_KEYS = {
    "include": "include",
    "exclude": "exclude",
    "strict": "strict",
    "max-size": "max_size",
    "jobs": "jobs",
}
"""Keys of a configuration file that set a ``migrate`` option, by option name."""


def _report_option(flag: str, name: str, text: str) -> Callable[[Callable[..., None]], Any]:
    """An option naming an earlier JSON report to take the files from."""
    path = click.Path(path_type=Path, dir_okay=False)
    return click.option(flag, name, type=path, default=None, metavar="REPORT", help=text)


def _target_flags(command: Callable[..., None]) -> Callable[..., None]:
    """One ``--to-<form>`` flag per registered form, in registry order."""
    for form, spec in reversed(SPECS.items()):
        option = click.option(
            spec.flag, "targets", flag_value=form.value, multiple=True, help=spec.help
        )
        command = option(command)
    return command


MIGRATE_EPILOG = (
    EXAMPLES
    + """
\b
Exit status:
  0  done: every file migrated, or nothing to do
  1  --check or --dry-run: a file would change; --strict: a GPU service left unchanged
  2  a file failed (bad input, a write that failed), a usage error, or an interrupt
"""
)


@cli.command(
    epilog=MIGRATE_EPILOG,
    short_help="Rewrite how services ask for GPUs (the default command).",
)
@click.argument(
    "paths",
    nargs=-1,
    type=click.Path(path_type=Path, readable=False),
    shell_complete=_complete_paths,
)
@_target_flags
@click.option(
    "--dry-run",
    "--diff",
    "dry_run",
    is_flag=True,
    help="Print a unified diff; write nothing; exit 1 if any file would change.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any file would change.")
@click.option(
    "--color/--no-color", default=None, help="Colour the diff (default: when stdout is a terminal)."
)
@click.option(
    "--verify/--no-verify",
    default=True,
    show_default=True,
    help="Re-read every rewrite and refuse it unless each service asks for the same GPUs.",
)
@click.option(
    "--verify-with-compose",
    "compose",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[PATH]",
    help="Also have docker compose (or PATH) read every file set before and after each rewrite.",
)
@click.option(
    "--drop-version", is_flag=True, help="Also remove the obsolete top-level version: key."
)
@click.option(
    "--report",
    "--format",
    "report_format",
    type=click.Choice(["text", "json", "github", "markdown", "html"]),
    default="text",
    show_default=True,
    help="json: one JSON document on stdout (see README); github: GitHub Actions annotations; "
    "markdown: a pull-request body per repository; html: a review page for the whole batch.",
)
@click.option(
    "--report-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE",
    help="Write the json, html or markdown report to FILE instead of stdout.",
)
@click.option(
    "--report-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="With --report markdown: write one document per repository into DIR.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Files processed in parallel (default: the CPU count).",
)
@sizelimit.option
@walk_options
@click.option("--python", is_flag=True, help="Also migrate *.py files found in directories.")
@repos_from_option
@_report_option(
    "--only-failed",
    "rerun_failed",
    "Run again only the files that failed (or an interrupt left) in a --report json REPORT.",
)
@_report_option(
    "--only-refused",
    "rerun_refused",
    "Run again only the files with a service left unchanged in a --report json REPORT.",
)
@click.option(
    "--by-repository",
    is_flag=True,
    help="With --only-failed or --only-refused: run again the whole repository of each such file.",
)
@click.option(
    "--git-branch",
    metavar="NAME",
    default=None,
    help="Create branch NAME in each repository with changes.",
)
@click.option("--git-commit", is_flag=True, help="Commit the migrated files in each repository.")
@click.option(
    "-f",
    "--file",
    "files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="A file of one project, as docker compose -f takes them; repeat for each.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Services left unchanged with a refusal code fail the run (exit 1), unless suppressed "
    "with # composemigrate: ignore[CODE].",
)
@config_options
@click.option("-q", "--quiet", is_flag=True, help="Only errors and the one-line summary.")
@click.option("-v", "--verbose", is_flag=True, help="Also list unchanged files.")
def migrate(paths: tuple[Path, ...], targets: tuple[str, ...], **options: Any) -> None:
    """Rewrite how services ask for GPUs, in place unless --dry-run or --check."""
    file = configured(options)
    origin = {"to": "command line" if targets else "default"}
    if not targets and "to" in file.values:
        targets, origin["to"] = (file.values["to"],), str(file.path)
    origin.update(config.merge(file, file.values, options, given, MIGRATE_KEYS))
    if options.pop("show_config"):
        direction = targets[0] if len(set(targets)) == 1 else None
        values = {"to": direction, **{key: options[name] for key, name in MIGRATE_KEYS.items()}}
        click.echo(config.shown(values, origin), nl=False)
        return
    if len(set(targets)) != 1:
        flags = ", ".join(spec.flag for spec in SPECS.values())
        raise click.UsageError(f"give exactly one of {flags}")
    to = Form(targets[0])
    python = options["python"] or any(Path(str(path)).suffix == ".py" for path in paths)
    if python and not SPECS[to].python:
        have = ", ".join(spec.flag for spec in SPECS.values() if spec.python)
        raise click.UsageError(
            f"docker SDK code has no {to.value} form: migrate Python files with {have}, "
            "or leave out --python and the .py paths"
        )
    if options["report_file"] is not None and options["report_format"] in ("text", "github"):
        raise click.UsageError("--report-file holds a json, html or markdown report: give --report")
    if options["report_dir"] is not None and options["report_format"] != "markdown":
        raise click.UsageError("--report-dir holds markdown documents: give --report markdown")
    if options["git_commit"] and not options["git_branch"]:
        raise click.UsageError("--git-commit needs --git-branch NAME")
    if options["compose"] is not None:
        from composemigrate import composecheck

        found = composecheck.find(options["compose"])
        if found is None:
            where = f"at {options['compose']!r}" if options["compose"] else "on PATH"
            raise click.UsageError(
                f"--verify-with-compose: no docker compose {where} (give it as "
                "--verify-with-compose=PATH)"
            )
        options["compose"] = found
    earlier = options.pop("rerun_failed"), options.pop("rerun_refused")
    by_repository = options.pop("by_repository")
    if by_repository and all(report is None for report in earlier):
        raise click.UsageError("--by-repository goes with --only-failed or --only-refused")
    if any(report is not None for report in earlier):
        if paths or options["repos_from"] is not None or options["files"] or all(earlier):
            raise click.UsageError(
                "--only-failed or --only-refused takes its files from the report: give no PATH"
            )
        from composemigrate import rerun

        try:
            paths = rerun.paths(
                earlier[0] or earlier[1],
                refused=earlier[1] is not None,
                repositories=by_repository,
            )
        except rerun.ReportError as exc:
            raise click.UsageError(str(exc)) from None
        if not paths:
            click.echo("nothing to run again: the report has no such file", err=True)
            return
    if options["files"]:
        if paths or options["repos_from"] is not None:
            raise click.UsageError("-f files are one project: give no other PATH")
        paths = tuple(options["files"])
    if options["repos_from"] is None and not paths:
        raise click.UsageError("give at least one PATH (or - for stdin), or --repos-from FILE")
    if "-" in (str(p) for p in paths):
        if len(paths) != 1:
            raise click.UsageError("- (stdin) cannot be mixed with other paths")
        from composemigrate.batch import run_stdin

        sys.exit(run_stdin(Settings.from_options(to, options)))
    from composemigrate.batch import run_paths

    sys.exit(run_paths(list(paths), Settings.from_options(to, options)))


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point; returns the exit status instead of raising SystemExit."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="composemigrate")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return 0
