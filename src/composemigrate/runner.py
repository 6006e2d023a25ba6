"""One job per file: read, screened by the gate, migrated, written; every end is a value, never
an exception. ``pool`` runs jobs in parallel."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from composemigrate import fileio, rewrite, sizelimit
from composemigrate.fileio import Source
from composemigrate.gpu import Form
from composemigrate.projects import Project
from composemigrate.result import Finding, MigrationError, Result, internal_error

Status = Literal["changed", "unchanged", "skipped", "failed"]


@dataclass(frozen=True)
class Job:
    """What to do with one file: ``write`` it in place, or only compute the new text."""

    path: Path
    to: Form
    write: bool = False
    verify: bool = True
    drop_version: bool = False
    repo: Path | None = None
    keep_text: bool = False
    """Keep the old and new text in the outcome (for a diff); otherwise they are dropped at once,
    so a batch holds one small record per file, not every file's text."""
    refusal: str | None = None
    """Why the file is not to be touched at all (its repository is dirty): the job fails as is."""
    max_bytes: int | None = None
    """A file larger than this that would need parsing is refused before it is parsed."""
    together: tuple[Path, ...] = ()
    """The files given as one project with ``-f``; empty: the file's folder decides."""
    within: str | None = None
    """The real folder the file must lie in when opened (see ``Discovered.within``)."""
    compose: tuple[str, ...] = ()
    """The command running the user's Docker Compose, to check a rewrite with; empty: none."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one file. ``old``/``new`` are kept only when the text changed."""

    path: Path
    status: Status
    repo: Path | None = None
    old: str = ""
    new: str = ""
    warnings: tuple[Finding, ...] = ()
    services: tuple[str, ...] = ()
    error: MigrationError | None = None
    written: bool = False
    project: tuple[Path, ...] = ()
    """The files of its project, in order, when it has others."""
    sets: tuple[tuple[Path, ...], ...] = ()
    """The sets of files its project is run with (see ``Project.sets``)."""
    suppressed: tuple[Finding, ...] = ()
    """Warnings an inline ``# composemigrate: ignore[CODE]`` keeps from being reported."""
    unwritten: bool = False
    """The rewrite was ready but writing it failed (its project's other files are put back)."""


def parsed_by(path: Path, job: Job) -> Callable[[str], bool]:
    """The cheap gate of the rewriter ``path`` goes to: whether a text of it would be parsed.
    Each gate looks for words, so it may be asked of a file piece by piece."""
    if path.suffix == ".py":
        from composemigrate import pysdk

        return pysdk.needs_parsing
    return lambda text: rewrite.needs_parsing(text, job.drop_version)


def migrate_text(
    text: str, path: Path, job: Job, held: Mapping[str, Finding] | None = None
) -> Result:
    """The right rewriter for the file: Python sources through libcst, all else as Compose.
    A file the rewriter would parse is first held to ``job.max_bytes``; ``held`` names the
    services its project leaves alone."""
    sizelimit.check(text, job.max_bytes, parsed_by(path, job))
    if path.suffix == ".py":
        from composemigrate import pysdk

        return pysdk.migrate_python(text, job.to)
    return rewrite.migrate(
        text,
        job.to,
        verify=job.verify,
        drop_version=job.drop_version,
        env_files=fileio.env_file_reader(path.parent),
        held=held,
    )


def project_of(text: str, job: Job) -> Project | None:
    """The project of a Compose file that may ask for GPUs (None for Python sources and files
    without GPU words: they need none)."""
    from composemigrate import projects
    from composemigrate.service import might_have_gpus

    if job.path.suffix == ".py" or not might_have_gpus(text):
        return None
    return projects.project_for(job.path, job.together)


class HeldByProject(Mapping[str, Finding]):
    """The services of one file that its project leaves alone, looked up on first use: the
    rewriter asks only about a service with something to do, so the project of a file that
    has nothing to do is never read."""

    def __init__(self, text: str, job: Job) -> None:
        self.text = text
        self.job = job
        self.project: Project | None = None
        self._held: Mapping[str, Finding] | None = None

    def _lookup(self) -> Mapping[str, Finding]:
        if self._held is None:
            self.project = project_of(self.text, self.job)
            self._held = self.project.held.get(self.job.path, {}) if self.project else {}
        return self._held

    def __getitem__(self, name: str) -> Finding:
        return self._lookup()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lookup())

    def __len__(self) -> int:
        return len(self._lookup())


def run_job(job: Job) -> Outcome:
    """Read, migrate and (when asked) write one file; every failure becomes a ``failed`` outcome,
    an unexpected one too."""
    screened = screen(job)
    return screened if isinstance(screened, Outcome) else finish(job, screened)


def screen(job: Job) -> Outcome | Source:
    """The cheap first half of a job: the file's outcome when it ends there (refused, unreadable,
    too large, or passed over by the gate, as most files are), else its text, to be parsed.
    Never raises."""
    try:
        return _screen(job)
    except Exception as exc:
        return Outcome(job.path, "failed", job.repo, error=internal_error(exc))


def finish(job: Job, source: Source) -> Outcome:
    """The second half: parse, migrate and (when asked) write a file the gate let through.
    Never raises."""
    try:
        return _finish(job, source)
    except Exception as exc:
        return Outcome(job.path, "failed", job.repo, error=internal_error(exc))


def _screen(job: Job) -> Outcome | Source:
    if job.refusal is not None:
        return Outcome(job.path, "failed", job.repo, error=MigrationError(job.refusal))
    parsed = parsed_by(job.path, job)
    try:
        try:
            source = fileio.read_source(job.path, job.within, larger=job.max_bytes)
        except fileio.TooLarge:
            large = _large(job, parsed)
            if large is not None:
                return large
            source = fileio.read_source(job.path, job.within)  # it shrank since it was opened
    except fileio.ReadError as exc:
        return Outcome(job.path, "failed", job.repo, error=MigrationError(exc.message))
    if job.path.suffix != ".py" and not parsed(source.text):  # most files: nothing to do
        return Outcome(job.path, "unchanged", job.repo)
    return source


def _large(job: Job, parsed: Callable[[str], bool]) -> Outcome | None:
    """A file over ``--max-size``, looked at a piece at a time: refused when a piece would be
    parsed, else unchanged (the gate passes over it); None when it is no longer that large."""
    try:
        large = sizelimit.large_file(job.path, job.max_bytes, parsed, job.within)
    except (fileio.ReadError, MigrationError) as exc:
        error = exc if isinstance(exc, MigrationError) else MigrationError(exc.message)
        return Outcome(job.path, "failed", job.repo, error=error)
    return Outcome(job.path, "unchanged", job.repo) if large else None


def _finish(job: Job, source: Source) -> Outcome:
    try:
        held = HeldByProject(source.text, job)
        result = migrate_text(source.text, job.path, job, held)
        project = held.project
        if result.changed and job.compose:
            from composemigrate import composecheck

            runs = project.runs(job.path) if project else []
            checked = [[job.path], *(files for files in runs if len(files) > 1)]
            composecheck.check(job.compose, job.path, source.text, result.text, checked)
    except MigrationError as exc:
        return Outcome(job.path, "failed", job.repo, error=exc)
    except RecursionError:
        error = MigrationError("nesting too deep to read")
        return Outcome(job.path, "failed", job.repo, error=error)
    except MemoryError:
        error = MigrationError("not enough memory to read this file")
        return Outcome(job.path, "failed", job.repo, error=error)
    together = tuple(project.files) if project and len(project.files) > 1 else ()
    sets = tuple(tuple(files) for files in project.sets) if project and together else ()
    if not result.changed:
        status: Status = "skipped" if result.warnings else "unchanged"
        return Outcome(
            job.path,
            status,
            job.repo,
            warnings=result.warnings,
            project=together,
            sets=sets,
            suppressed=result.suppressed,
        )
    if job.write:
        try:
            fileio.write_atomic(source, result.text)
        except fileio.WriteError as exc:
            error = MigrationError(exc.message)
            warnings = result.warnings
            return Outcome(
                job.path,
                "failed",
                job.repo,
                warnings=warnings,
                error=error,
                project=together,
                sets=sets,
                unwritten=True,
            )
    keep = job.keep_text or bool(together and job.write)  # to put a project back
    return Outcome(
        job.path,
        "changed",
        job.repo,
        source.text if keep else "",
        result.text if keep else "",
        result.warnings,
        result.services,
        written=job.write,
        project=together,
        sets=sets,
        suppressed=result.suppressed,
    )
