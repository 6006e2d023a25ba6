"""Runs of the CLI over files, directories, repositories or stdin: the I/O around the pure core."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import click

from composemigrate import discovery, fileio, gitops, sizelimit
from composemigrate.diff import unified_diff
from composemigrate.forms import SPECS
from composemigrate.gpu import Form
from composemigrate.pool import default_workers, run_all
from composemigrate.refusals import is_refusal
from composemigrate.report import EXIT_ERROR, EXIT_OK, EXIT_PENDING, Report
from composemigrate.result import MigrationError
from composemigrate.runner import Job, Outcome, migrate_text
from composemigrate.settings import Settings
from composemigrate.terminal import printable

PROGRESS_ABOVE = 8
"""A progress bar appears for more files than this, on a terminal."""

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def color_wanted(choice: bool | None) -> bool:
    """Colour when asked, else when stdout is a terminal and NO_COLOR is not set."""
    if choice is not None:
        return choice
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _echo(line: str) -> None:
    click.echo(printable(line), err=True)


def _echo_over_bar(line: str) -> None:
    """A line on stderr while the progress bar is drawn there: the bar's line is cleared first
    (it is drawn again on the next step), so no message starts after the bar."""
    sys.stderr.write("\r\x1b[K")
    _echo(line)


def run_stdin(settings: Settings) -> int:
    """Migrate YAML from stdin: the new text (or the diff) on stdout, messages on stderr."""
    try:
        text = fileio.decode(sys.stdin.buffer.read())
    except fileio.ReadError as exc:
        _echo(f"<stdin>: error: {exc.message}")
        return EXIT_ERROR
    job = Job(
        Path("-"),
        settings.to,
        verify=settings.verify,
        drop_version=settings.drop_version,
        max_bytes=sizelimit.limit_bytes(settings.max_size),
    )
    try:
        result = migrate_text(text, Path("-"), job)
    except MigrationError as exc:
        _echo(exc.render("<stdin>"))
        return EXIT_ERROR
    for finding in result.warnings:
        _echo(finding.render("<stdin>"))
    note = SPECS[settings.to].note
    if result.changed and note and not settings.quiet:
        _echo(note)
    mode = settings.mode
    if mode == "diff":
        sys.stdout.write(
            unified_diff("stdin", text, result.text, color=color_wanted(settings.color))
        )
    elif mode == "write":
        sys.stdout.buffer.write(result.text.encode("utf-8"))
    refused = settings.strict and any(is_refusal(w.code) for w in result.warnings)
    return EXIT_PENDING if (mode != "write" and result.changed) or refused else EXIT_OK


def _targets(roots: list[Path], settings: Settings) -> Iterator[discovery.Discovered]:
    """The files to migrate, found lazily, grouped by the listed root with ``--repos-from``."""
    found = discovery.discover(
        roots,
        include=settings.include,
        exclude=settings.exclude,
        use_ignore=not settings.no_ignore,
        python=settings.python,
    )
    if settings.repos_from is None:
        return found
    listed = [root.resolve() for root in roots]
    return (_in_listed_repo(item, listed) for item in found)


def _in_listed_repo(item: discovery.Discovered, listed: list[Path]) -> discovery.Discovered:
    """Group by the listed root a file lies in, even when that root is not a git repository."""
    real = item.path.resolve()
    for root in listed:
        if real.is_relative_to(root):
            return discovery.Discovered(item.path, root, item.within)
    return item


@contextlib.contextmanager
def _stop_on_signal() -> Iterator[Callable[[], bool]]:
    """The first Ctrl-C or SIGTERM asks the batch to stop: files under way are finished (and
    reported), no new one is started. A second one raises KeyboardInterrupt here and now (writes
    stay atomic; workers finish the batch they are on)."""
    asked = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal asked
        if asked:
            raise KeyboardInterrupt
        asked = True

    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield lambda: asked
    finally:
        for signum, action in previous.items():
            signal.signal(signum, action)


@dataclass
class Branches:
    """``--git-branch``: each repository checked and switched to the new branch before any of its
    files is written; where it was, to come back when it receives no file."""

    name: str | None
    started: dict[Path, str] = field(default_factory=dict)
    refused: dict[Path, str] = field(default_factory=dict)

    def refusal(self, item: discovery.Discovered, report: Report) -> str | None:
        """Why ``item`` may not be written, or None once its repository is on the new branch."""
        if self.name is None:
            return None
        if item.repo is None:
            return "not in a git repository; --git-branch needs one"
        if item.repo not in self.started and item.repo not in self.refused:
            try:
                back_to = gitops.check_branch(item.repo, self.name)
                gitops.create_branch(item.repo, self.name)
                self.started[item.repo] = back_to
            except gitops.GitError as exc:
                self.refused[item.repo] = exc.message
                report.notes.append(f"{item.repo}: error: {exc.message}; not migrated")
        if item.repo in self.refused:
            return "not migrated: its repository was refused (see the repository line)"
        return None


@dataclass
class AllOrNone:
    """A project's files are written all or none: once the write of one fails, the files of
    that project already replaced in this run are put back, and so is any written after."""

    written: dict[tuple[Path, ...], list[Outcome]] = field(default_factory=dict)
    failed: set[tuple[Path, ...]] = field(default_factory=set)

    def see(self, outcome: Outcome, report: Report) -> None:
        """Called once ``report`` has counted ``outcome``."""
        project = outcome.project
        if not project:
            return
        if outcome.unwritten and project not in self.failed:
            self.failed.add(project)
            for done in self.written.pop(project, []):
                self._put_back(done, outcome.path, report)
        elif outcome.written and project in self.failed:
            self._put_back(outcome, None, report)
        elif outcome.written:
            self.written.setdefault(project, []).append(outcome)

    @staticmethod
    def _put_back(done: Outcome, culprit: Path | None, report: Report) -> None:
        why = (
            f"{culprit} of its project could not be written"
            if culprit
            else ("another file of its project could not be written")
        )
        try:
            source = fileio.read_source(done.path)
            if source.text != done.new:
                raise fileio.WriteError("changed on disk since it was written")
            fileio.write_atomic(source, done.old)
        except (fileio.ReadError, fileio.WriteError) as exc:
            report.echo(f"{done.path}: error: could not be put back ({exc.message})")
            return
        report.put_back(done, why)


def _jobs(
    targets: Iterator[discovery.Discovered],
    settings: Settings,
    report: Report,
    branches: Branches,
    stopped: Callable[[], bool],
) -> Iterator[Job]:
    """A job per file, made as the pool asks for them; with ``--git-branch``, a repository is
    checked and put on the new branch before the first of its files is handed out, the files
    of one that fails the check are refused, and a stop comes only between repositories, so the
    one under way is finished, never left half migrated."""
    mode = report.mode
    max_bytes = sizelimit.limit_bytes(settings.max_size)
    under_way: Path | None = None
    for item in targets:
        if stopped() and (branches.name is None or item.repo != under_way):
            return
        under_way = item.repo
        yield Job(
            item.path,
            settings.to,
            mode == "write",
            settings.verify,
            settings.drop_version,
            item.repo,
            keep_text=mode == "diff" or settings.report_format in ("markdown", "html"),
            refusal=branches.refusal(item, report),
            max_bytes=max_bytes,
            together=tuple(settings.files),
            within=item.within,
            compose=settings.compose,
        )


def run_paths(paths: list[Path], settings: Settings) -> int:
    """Migrate every file found under ``paths``; the report decides the exit status.

    Files stream from discovery through the workers to the report, so a batch holds a bounded
    window of files, not the list of them; only a progress bar needs a first pass to count.
    """
    mode = settings.mode
    to = settings.to
    report = Report(
        mode,
        to.value,
        _echo,
        settings.level,
        settings.report_format in ("json", "markdown", "html"),
        strict=settings.strict,
        hint=sys.stderr.isatty(),
    )
    roots = list(paths)
    if settings.repos_from is not None:
        try:
            roots += discovery.read_repo_list(settings.repos_from)
        except OSError as exc:
            _echo(f"error: cannot read --repos-from file: {exc.strerror or exc}")
            return EXIT_ERROR
    total = 0
    if sys.stderr.isatty() and report.level >= 1:
        total = sum(1 for _ in _targets(roots, settings))
    if total > PROGRESS_ABOVE:
        report.echo = _echo_over_bar
    color = color_wanted(settings.color)
    branches = Branches(settings.git_branch if mode == "write" else None)
    with _stop_on_signal() as stopped:
        jobs = _jobs(_targets(roots, settings), settings, report, branches, stopped)
        workers = settings.jobs or default_workers()
        outcomes = run_all(jobs, workers, stopped if branches.name is None else lambda: False)
        projects = AllOrNone()
        try:
            for outcome in _progress(outcomes, total, total > PROGRESS_ABOVE):
                report.add(outcome)
                projects.see(outcome, report)
                if settings.report_format == "github":
                    sys.stdout.write(report.github(outcome))
                if (
                    mode == "diff"
                    and outcome.status == "changed"
                    and settings.report_format == "text"
                ):
                    sys.stdout.write(
                        unified_diff(str(outcome.path), outcome.old, outcome.new, color=color)
                    )
        except KeyboardInterrupt:
            report.interrupted = True
        report.interrupted = report.interrupted or stopped()
    if report.interrupted and settings.report_format == "json":
        seen = {outcome.path for outcome in report.outcomes}
        report.pending = [i.path for i in _targets(roots, settings) if i.path not in seen]
    if branches.name is not None:
        _git(report, branches, settings.git_commit, to)
    if not any(report.totals().values()) and any(root.is_dir() for root in roots):
        report.notes.append(
            "note: no file here is named like a Compose file (compose.yaml, "
            "docker-compose.yml, compose.*.yaml, …); take others with --include GLOB"
        )
    if settings.report_format == "json":
        _out(settings, report.to_json() + "\n")
    if settings.report_format == "html":
        from composemigrate import reviewpage

        _out(settings, reviewpage.page(report.outcomes, settings.to.value, settings.mode))
    if settings.report_format == "markdown":
        _markdown(report, settings)
    if SPECS[to].note and report.totals()["changed"] and report.level >= 1:
        report.notes.append(SPECS[to].note)
    report.finish()
    return report.return_code


def _out(settings: Settings, text: str) -> None:
    """A report on stdout, or in ``--report-file`` (written whole, then renamed into place)."""
    if settings.report_file is None:
        sys.stdout.write(text)
        return
    temporary = settings.report_file.with_name(settings.report_file.name + ".part")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(settings.report_file)


def _markdown(report: Report, settings: Settings) -> None:
    """One pull-request body per repository: on stdout for one, else (or with ``--report-dir``)
    a file each in that folder."""
    from composemigrate import prtext

    by_repo: dict[Path | None, list[Outcome]] = {}
    for outcome in report.outcomes:
        by_repo.setdefault(outcome.repo, []).append(outcome)
    written = settings.mode == "write"
    if settings.report_dir is None and len(by_repo) <= 1:
        repo, outcomes = next(iter(by_repo.items()), (None, []))
        _out(settings, prtext.document(repo, outcomes, settings.to, written))
        return
    folder = settings.report_dir or Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    for repo, outcomes in by_repo.items():
        target = folder / prtext.file_name(repo)
        target.write_text(prtext.document(repo, outcomes, settings.to, written), encoding="utf-8")
        report.notes.append(f"wrote {target}")


def _progress(outcomes: Iterator[Outcome], total: int, show: bool) -> Iterator[Outcome]:
    if not show:
        yield from outcomes
        return
    with click.progressbar(outcomes, length=total, label="migrating", file=sys.stderr) as bar:
        yield from bar


def _git(report: Report, branches: Branches, commit: bool, to: Form) -> None:
    """Commit each repository's migrated files on its new branch when asked (also after an
    interrupt: what was written is committed, not left loose); a branch that received no file
    is removed again."""
    assert branches.name is not None
    changed: dict[Path, list[Path]] = {}
    for repo, path in report.written:
        changed.setdefault(repo, []).append(path)
    for repo, back_to in sorted(branches.started.items()):
        files = changed.get(repo, [])
        try:
            if not files:
                gitops.drop_branch(repo, branches.name, back_to)
            elif commit:
                message = (
                    f"Move GPU requests to the {to.value} form\n\n"
                    f"Rewritten by composemigrate --to-{to.value}."
                )
                sha = gitops.commit(repo, files, message)
                report.notes.append(
                    f"{repo}: committed {len(files)} file(s) on {branches.name} ({sha[:12]})"
                )
            else:
                report.notes.append(
                    f"{repo}: created branch {branches.name} with {len(files)} migrated file(s)"
                )
        except gitops.GitError as exc:
            report.notes.append(f"{repo}: error: {exc.message}")
            report.fail(repo, f"git: {exc.message}", repo)
