"""Jobs run in parallel, their outcomes in a stable order: files are screened where they are found
and only those to parse go to worker processes.

Most files of a fleet name no GPU: reading one and asking the gate costs less than sending it to a
worker and its outcome back, so the parent screens every file itself (``runner.screen``) and sends
only the texts to parse. A run in which no file needs parsing starts no worker at all.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import chain, islice

from composemigrate.fileio import Source
from composemigrate.result import MigrationError
from composemigrate.runner import Job, Outcome, finish, run_job, screen

SERIAL_BELOW = 16
"""Fewer files than this are processed in this process: a pool costs more than it saves."""

BATCH = 16
"""Files to parse sent to a worker at a time: enough to make the round trip cheap, few enough to
balance the workers and to stop soon after Ctrl-C."""

SCREENED = 256
"""Files screened at most before a batch is sent on, when few of them need parsing."""

IN_FLIGHT = 4
"""Batches per worker submitted ahead of the one whose outcomes are being reported."""

ToParse = list[tuple[Job, Source]]


@dataclass
class _Sent:
    """A screened batch: each job's outcome or text, and the workers' outcomes for the texts."""

    jobs: list[Job]
    screened: list[Outcome | Source]
    future: Future[list[Outcome]] | None

    def to_parse(self) -> ToParse:
        pairs = zip(self.jobs, self.screened, strict=True)
        return [(job, item) for job, item in pairs if isinstance(item, Source)]


def run_all(
    jobs: Iterable[Job], workers: int, stopped: Callable[[], bool] = lambda: False
) -> Iterator[Outcome]:
    """Outcomes in the order of ``jobs``, the files to parse parsed by up to ``workers`` processes.

    Jobs are taken lazily and at most ``IN_FLIGHT`` batches per worker wait in the pool, so memory
    stays flat however many files a run has (``Executor.map`` would take every job at once). Once
    ``stopped()`` is true no job starts; those under way finish and their outcomes still come.
    """
    jobs = iter(jobs)
    head = [] if workers <= 1 else list(islice(jobs, SERIAL_BELOW))
    if len(head) < SERIAL_BELOW:
        for job in chain(head, jobs):
            if stopped():
                return
            yield run_job(job)
        return
    batches = _screened(chain(head, jobs))
    while True:  # a fresh pool after one broke: a worker that dies fails its batch, not the run
        broken = yield from _run_pool(batches, workers, stopped)
        if not broken:
            return


def _run_pool(
    batches: Iterator[_Sent], workers: int, stopped: Callable[[], bool]
) -> Generator[Outcome, None, bool]:
    """Run batches in one pool (whose workers start with the first text to parse); True when a
    worker died (its batches are failed) and batches may be left for a new pool."""
    with _pool(workers) as pool:
        pending: deque[_Sent] = deque()
        broken = False
        try:
            for sent in batches:
                if stopped():
                    break
                parse = sent.to_parse()
                sent.future = pool.submit(_finish_all, parse) if parse else None
                pending.append(sent)
                if len(pending) >= workers * IN_FLIGHT:
                    broken = yield from _outcomes(pending.popleft())
                    if broken:
                        break
            while pending:
                sent = pending.popleft()
                if not (stopped() and sent.future is not None and sent.future.cancel()):
                    broken = (yield from _outcomes(sent)) or broken
        finally:  # a second Ctrl-C: only the batches already running finish
            for sent in pending:
                if sent.future is not None:
                    sent.future.cancel()
    return broken


def _outcomes(sent: _Sent) -> Generator[Outcome, None, bool]:
    """The batch's outcomes in order; when a worker died, each of its texts again, alone in a
    process of its own, so only the file that kills a worker fails."""
    broken = False
    parsed: Iterator[Outcome] = iter(())
    if sent.future is not None:
        try:
            parsed = iter(sent.future.result())
        except BrokenProcessPool:
            parsed = (_isolated(job, source) for job, source in sent.to_parse())
            broken = True
    for item in sent.screened:
        yield next(parsed) if isinstance(item, Source) else item
    return broken


def _isolated(job: Job, source: Source) -> Outcome:
    """One text in a fresh worker: its outcome, or a failure when that worker dies too."""
    with _pool(1) as pool:
        try:
            return pool.submit(_finish_all, [(job, source)]).result()[0]
        except BrokenProcessPool:
            error = MigrationError("the worker process reading this file died; not migrated")
            return Outcome(job.path, "failed", job.repo, error=error)


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers, initializer=_leave_signals_to_the_parent, initargs=(os.getpid(),)
    )


def _leave_signals_to_the_parent(parent: int) -> None:
    """Ctrl-C reaches the whole process group: workers finish their batch and the parent, which
    stops handing out files, reports it. A worker whose parent dies (even by SIGKILL) dies too,
    instead of writing files nobody reports."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: the signal a process gets when its parent thread exits."""


def _screened(jobs: Iterator[Job]) -> Iterator[_Sent]:
    """Jobs screened here, in batches that end at ``BATCH`` files to parse or ``SCREENED``
    files in all."""
    sent, parse = _Sent([], [], None), 0
    for job in jobs:
        item = screen(job)
        sent.jobs.append(job)
        sent.screened.append(item)
        parse += isinstance(item, Source)
        if parse >= BATCH or len(sent.jobs) >= SCREENED:
            yield sent
            sent, parse = _Sent([], [], None), 0
    if sent.jobs:
        yield sent


def _finish_all(texts: ToParse) -> list[Outcome]:
    return [finish(job, source) for job, source in texts]


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
