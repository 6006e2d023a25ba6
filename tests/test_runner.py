"""The runner: outcomes in job order, jobs taken lazily, a bounded number in flight."""

from __future__ import annotations

import multiprocessing.process
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from composemigrate import pool, runner
from composemigrate.fileio import Source
from composemigrate.gpu import Form
from composemigrate.pool import BATCH, IN_FLIGHT, run_all
from composemigrate.runner import Job, Outcome

LEGACY = "services:\n  app:\n    runtime: nvidia\n"


def test_outcomes_follow_the_jobs_and_jobs_are_taken_lazily(tmp_path: Path) -> None:
    """Two files in three are there to parse (a batch ends at ``BATCH`` of them), the third is
    missing (it fails where it is screened): the outcomes still come in the order of the jobs,
    and jobs are taken only a few batches ahead."""
    count = 400
    for index in range(count):
        if index % 3:
            (tmp_path / f"{index:03d}.yaml").write_text(LEGACY)
    taken = 0

    def jobs() -> Iterator[Job]:
        nonlocal taken
        for index in range(count):
            taken += 1
            yield Job(tmp_path / f"{index:03d}.yaml", Form.DEVICES)

    outcomes = run_all(jobs(), workers=2)
    first = next(outcomes)
    per_batch = BATCH * 3 // 2 + 1
    assert taken <= (2 * IN_FLIGHT + 1) * per_batch < count
    rest = list(outcomes)
    assert [o.path.name for o in [first, *rest]] == [f"{i:03d}.yaml" for i in range(count)]
    assert [o.status for o in [first, *rest]] == [
        "changed" if i % 3 else "failed" for i in range(count)
    ]
    assert taken == count


def test_a_run_with_nothing_to_parse_starts_no_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files the gate passes over are screened here; with none to parse, no process starts."""
    for index in range(100):
        (tmp_path / f"{index:03d}.yaml").write_text("services:\n  web:\n    image: nginx\n")

    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker process was started")

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", no_process)
    jobs = [Job(tmp_path / f"{index:03d}.yaml", Form.DEVICES) for index in range(100)]
    outcomes = list(run_all(jobs, workers=2))
    assert [o.status for o in outcomes] == ["unchanged"] * 100


def test_a_refused_job_fails_without_reading_the_file(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(LEGACY)
    job = Job(path, Form.DEVICES, write=True, refusal="repository work tree is dirty")
    (outcome,) = run_all([job], workers=1)
    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error.message == "repository work tree is dirty"
    assert path.read_text() == LEGACY


def test_a_worker_that_dies_fails_its_batch_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed by a signal (as libyaml's segfault did) fails only the file it was on:
    the batches in flight are run again file by file, and a new pool takes the rest. Workers
    are forked, so they inherit the patched ``finish``."""
    count = 6 * BATCH
    for index in range(count):
        (tmp_path / f"{index:03d}.yaml").write_text(LEGACY)
    real = pool.finish

    def crashing(job: Job, source: Source) -> Outcome:
        if job.path.name == "040.yaml":
            os.kill(os.getpid(), signal.SIGKILL)  # as a segfault would, without a core dump
        return real(job, source)

    monkeypatch.setattr(pool, "finish", crashing)
    jobs = [Job(tmp_path / f"{index:03d}.yaml", Form.DEVICES) for index in range(count)]
    outcomes = list(run_all(iter(jobs), workers=2))
    assert [o.path.name for o in outcomes] == [f"{i:03d}.yaml" for i in range(count)]
    failed = [o for o in outcomes if o.status == "failed"]
    assert [o.path.name for o in failed] == ["040.yaml"]
    assert failed[0].error is not None
    assert failed[0].error.message == "the worker process reading this file died; not migrated"
    assert {o.status for o in outcomes if o.path.name != "040.yaml"} == {"changed"}


@pytest.mark.parametrize("proc", [True, False], ids=["proc", "no-proc"])
def test_a_link_swapped_in_after_the_walk_does_not_lead_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, proc: bool
) -> None:
    """The walk saw a regular file in ``tree``; by the time it is opened, a link to a file
    outside has taken its place. The file outside is neither read nor written, whether the
    opened file's real path comes from ``/proc`` or (without it) from resolving the path."""
    if not proc:
        real_readlink = os.readlink

        def no_proc(path: str) -> str:
            if str(path).startswith("/proc/"):
                raise FileNotFoundError(path)
            return real_readlink(path)

        monkeypatch.setattr(os, "readlink", no_proc)
    inside = tmp_path / "tree" / "inside.yaml"
    tree, outside = tmp_path / "tree", tmp_path / "outside.yaml"
    tree.mkdir()
    outside.write_text(LEGACY)
    (tree / "compose.yaml").symlink_to(outside)
    job = Job(tree / "compose.yaml", Form.DEVICES, write=True, within=str(tree.resolve()))
    outcome = runner.run_job(job)
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error.message == "leads out of the folder walked (a link swapped in?); not read"
    assert outside.read_text() == LEGACY
    inside.write_text(LEGACY)  # a link that stays inside is followed
    (tree / "docker-compose.yml").symlink_to(inside)
    job = Job(tree / "docker-compose.yml", Form.DEVICES, write=True, within=str(tree.resolve()))
    assert runner.run_job(job).status == "changed"
    assert "runtime: nvidia" not in inside.read_text()


def test_an_unexpected_exception_fails_its_file_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from composemigrate import rewrite
    from composemigrate.lint import command

    path = tmp_path / "compose.yaml"
    path.write_text(LEGACY)

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug\nover two lines")

    monkeypatch.setattr(rewrite, "migrate", broken)
    outcome = runner.run_job(Job(path, Form.DEVICES, write=True))
    assert outcome.status == "failed"
    assert outcome.error is not None
    expected = "internal error: please report (KeyError: 'a bug\\nover two lines')"
    assert outcome.error.message == expected
    assert path.read_text() == LEGACY
    monkeypatch.setattr(command, "lint_text", broken)
    checked = command.check_file(path, command.Options())
    assert checked.error is not None and checked.error.message == expected


def test_a_file_that_shrinks_below_the_limit_after_it_was_opened_is_read_as_usual(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opened, it was over ``max_bytes``; by the time it is looked at again someone shortened
    it: it is read again and migrated like any other file."""
    path = tmp_path / "compose.yaml"
    path.write_text(LEGACY)
    short = "services:\n  a:\n    gpus: all\n"
    looked_at = runner.sizelimit.large_file

    def shortened(*args: Any) -> bool:
        path.write_text(short)
        return looked_at(*args)

    monkeypatch.setattr(runner.sizelimit, "large_file", shortened)
    limit = len(short)
    assert len(LEGACY) > limit
    outcome = runner.run_job(Job(path, Form.DEVICES, write=True, max_bytes=limit))
    assert outcome.status == "changed"
    assert "capabilities: [gpu]" in path.read_text()
