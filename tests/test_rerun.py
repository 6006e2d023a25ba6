"""``--only-failed`` / ``--only-refused``: run again just what an earlier ``--report json`` left,
through the real command line, including a batch stopped by a real SIGTERM."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import cli, git_repo

LEGACY = "services:\n  app:\n    image: nvidia/cuda\n    runtime: nvidia\n"
BROKEN = "services:\n  app:\n    runtime: nvidia\n  - x\n"
REFUSED = "services:\n  app:\n    image: nvidia/cuda\n    runtime: ${RUNTIME}\n"


def _report(cwd: Path, *args: str) -> dict[str, object]:
    done = cli(cwd, "--to-devices", "--report", "json", *args)
    (cwd / "report.json").write_text(done.stdout)
    document: dict[str, object] = json.loads(done.stdout)
    return document


def test_only_failed_runs_the_failed_files_again(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(LEGACY)
    (tmp_path / "b.yaml").write_text(BROKEN)
    (tmp_path / "c.yaml").write_text(REFUSED)
    _report(tmp_path, "a.yaml", "b.yaml", "c.yaml")
    (tmp_path / "b.yaml").write_text(LEGACY)  # fixed by hand
    (tmp_path / "a.yaml").write_text(LEGACY)  # would be migrated again if it were taken
    again = cli(tmp_path, "--to-devices", "--check", "--only-failed", "report.json")
    assert again.returncode == 1
    assert "would migrate b.yaml (services: app)" in again.stderr
    assert "a.yaml" not in again.stderr and "c.yaml" not in again.stderr
    refused = cli(tmp_path, "--to-devices", "--check", "--only-refused", "report.json")
    assert "c.yaml:4:5: warning: CM504" in refused.stderr
    assert "b.yaml" not in refused.stderr


def test_a_file_gone_since_the_report_fails_alone(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(BROKEN)
    _report(tmp_path, "a.yaml", "b.yaml")
    (tmp_path / "a.yaml").unlink()
    (tmp_path / "b.yaml").write_text(LEGACY)
    again = cli(tmp_path, "--to-devices", "--only-failed", "report.json")
    assert again.returncode == 2
    assert "a.yaml: error: no such file" in again.stderr
    assert "migrated b.yaml" in again.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('{"version": 1, "direction": "dev', "not JSON, or cut short", id="cut"),
        pytest.param('{"version": 1, "kind": "composemigrate-census"}', "not a migrate report"),
        pytest.param(
            '{"version": 7, "direction": "devices", "files": []}',
            "report version 7, this composemigrate reads 1",
            id="other-version",
        ),
        pytest.param(
            '{"version": 1, "direction": "devices", "files": [{"status": "failed"}]}',
            "its files are not listed with their paths",
            id="no-paths",
        ),
    ],
)
def test_a_report_that_cannot_be_used_is_one_usage_error(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "a.yaml").write_text(LEGACY)
    (tmp_path / "report.json").write_text(text)
    done = cli(tmp_path, "--to-devices", "--only-failed", "report.json")
    assert done.returncode == 2
    assert f"Error: report.json: {message}" in done.stderr
    assert (tmp_path / "a.yaml").read_text() == LEGACY


def test_a_report_flag_takes_no_path(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text('{"version": 1, "direction": "devices", "files": []}')
    done = cli(tmp_path, "--to-devices", "--only-failed", "report.json", ".")
    assert done.returncode == 2
    assert "takes its files from the report: give no PATH" in done.stderr
    nothing = cli(tmp_path, "--to-devices", "--only-failed", "report.json")
    assert (nothing.returncode, nothing.stderr.strip()) == (
        0,
        "nothing to run again: the report has no such file",
    )


def test_an_interrupted_batch_resumes_from_its_report(tmp_path: Path) -> None:
    """SIGTERM right after the first file is reported: the JSON report lists what was done and,
    as pending, what was not; --only-failed on it migrates exactly the rest."""
    old = "services:\n" + "".join(
        f"  s{n}:\n    image: nvidia/cuda\n    runtime: nvidia\n" for n in range(40)
    )
    names = [f"f{number:03}.yaml" for number in range(150)]
    for name in names:
        (tmp_path / name).write_text(old)
    argv = ["--to-devices", "--jobs", "1", "--report", "json", *names]
    process = subprocess.Popen(
        [sys.executable, "-m", "composemigrate", *argv],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stderr is not None and process.stdout is not None
    first = process.stderr.readline()
    os.killpg(process.pid, signal.SIGTERM)
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 2
    assert first.startswith("migrated f000.yaml")
    report = json.loads(out)
    done = [entry["path"] for entry in report["files"]]
    assert report["interrupted"] is True
    assert report["pending"], "the interrupt came too late to leave anything pending"
    assert done + report["pending"] == names
    (tmp_path / "report.json").write_text(out)
    again = cli(tmp_path, "--to-devices", "--only-failed", "report.json")
    assert again.returncode == 0, again.stderr
    migrated = [line.split()[1] for line in again.stderr.splitlines() if line.startswith("migr")]
    assert migrated == report["pending"]
    assert all("runtime: nvidia" not in (tmp_path / name).read_text() for name in names)


def test_by_repository_runs_each_such_repository_again_whole(tmp_path: Path) -> None:
    """Real git repositories: one file of ``a`` failed, so all of ``a`` runs again (its other
    file too); ``b`` had no failure and is not run; ``c`` vanished since the report and fails
    alone while the rest go on."""
    for name in ("a", "b", "c"):
        git_repo(tmp_path / name, {"compose.yaml": LEGACY, "svc/compose.yaml": LEGACY})
    (tmp_path / "a" / "svc" / "compose.yaml").write_text(BROKEN)
    (tmp_path / "c" / "svc" / "compose.yaml").write_text(BROKEN)
    _report(tmp_path, "--check", "a", "b", "c")
    (tmp_path / "a" / "svc" / "compose.yaml").write_text(LEGACY)  # fixed by hand
    shutil.rmtree(tmp_path / "c")
    files = cli(tmp_path, "--to-devices", "--check", "--only-failed", "report.json")
    assert "would migrate a/svc/compose.yaml" in files.stderr
    assert "would migrate a/compose.yaml" not in files.stderr
    whole = cli(
        tmp_path, "--to-devices", "--check", "--only-failed", "report.json", "--by-repository"
    )
    assert whole.returncode == 2
    lines = whole.stderr.splitlines()
    assert "would migrate a/compose.yaml (services: app)" in lines
    assert "would migrate a/svc/compose.yaml (services: app)" in lines
    assert not any(line.startswith(("would migrate b", "b/")) for line in lines)
    assert "c: error: no such file" in lines
    assert lines[-1] == "2 files would be migrated, 0 unchanged, 0 skipped with warnings, 1 failed."


def test_by_repository_goes_with_a_report(tmp_path: Path) -> None:
    done = cli(tmp_path, "--to-devices", "--by-repository", ".")
    assert done.returncode == 2
    assert "--by-repository goes with --only-failed or --only-refused" in done.stderr


def test_by_repository_takes_the_repository_of_a_pending_file(tmp_path: Path) -> None:
    """An interrupt left ``a/svc/compose.yaml`` pending: the whole of ``a`` is run again."""
    git_repo(tmp_path / "a", {"compose.yaml": LEGACY, "svc/compose.yaml": LEGACY})
    report = {
        "version": 1,
        "direction": "devices",
        "files": [],
        "repositories": [{"path": str(tmp_path / "a"), "totals": {}}],
        "pending": ["a/svc/compose.yaml"],
    }
    (tmp_path / "report.json").write_text(json.dumps(report))
    done = cli(
        tmp_path, "--to-devices", "--check", "--only-failed", "report.json", "--by-repository"
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines()[:2] == [
        "would migrate a/compose.yaml (services: app)",
        "would migrate a/svc/compose.yaml (services: app)",
    ]
