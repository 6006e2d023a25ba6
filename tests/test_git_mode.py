"""--git-branch and --git-commit on repositories that may not be trusted, through the real CLI.

Real repositories with hooks, an fsmonitor command, a merge in progress, an existing branch, a
broken ``.git`` and a folder that is no repository, side by side in one ``--repos-from`` batch:
nothing of a repository runs, a refused repository is never written, and the batch goes on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gitenv import bare_git  # noqa: F401 (an autouse fixture)

LEGACY = "services:\n  app:\n    runtime: nvidia\n"
MIGRATED = "services:\n  app:\n    gpus: all\n"


def git(repo: Path, *args: str) -> str:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    done = subprocess.run(
        ["git", "-C", str(repo), *identity, *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def make_repo(path: Path, text: str = LEGACY) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "--quiet", "--initial-branch=main")
    (path / "compose.yaml").write_text(text, encoding="utf-8")
    git(path, "add", "--all")
    git(path, "commit", "--quiet", "-m", "initial")
    return path


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "composemigrate", "--to-gpus", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )


def plant_hooks(repo: Path, ran: Path) -> None:
    """Every hook git could run, and an fsmonitor command: each leaves a line in ``ran``."""
    hooks = repo / ".git" / "hooks"
    for name in (
        "pre-commit",
        "commit-msg",
        "post-commit",
        "post-checkout",
        "reference-transaction",
        "prepare-commit-msg",
    ):
        (hooks / name).write_text(f"#!/bin/sh\necho {name} >> {ran}\n")
        (hooks / name).chmod(0o755)
    monitor = repo.parent / f"{repo.name}-fsmonitor"
    monitor.write_text(f"#!/bin/sh\necho fsmonitor >> {ran}\n")
    monitor.chmod(0o755)
    git(repo, "config", "core.fsmonitor", str(monitor))


def test_nothing_of_a_repository_runs_and_the_commit_holds_only_the_migrated_file(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo")
    ran = tmp_path / "ran"
    plant_hooks(repo, ran)
    done = run(tmp_path, "--git-branch", "gpus", "--git-commit", "repo")
    assert done.returncode == 0, done.stderr
    assert not ran.exists(), ran.read_text()
    assert git(repo, "branch", "--show-current") == "gpus\n"
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "compose.yaml\n"
    assert (repo / "compose.yaml").read_text(encoding="utf-8") == MIGRATED
    assert git(repo, "status", "--porcelain") == ""


def test_refused_repositories_are_never_written_and_the_batch_goes_on(tmp_path: Path) -> None:
    good = make_repo(tmp_path / "good")
    exists = make_repo(tmp_path / "exists")
    git(exists, "branch", "gpus")
    merging = make_repo(tmp_path / "merging")
    (merging / ".git" / "MERGE_HEAD").write_text(git(merging, "rev-parse", "HEAD"))
    broken = tmp_path / "broken"
    (broken / ".git").mkdir(parents=True)
    (broken / "compose.yaml").write_text(LEGACY, encoding="utf-8")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "compose.yaml").write_text(LEGACY, encoding="utf-8")
    (tmp_path / "repos.txt").write_text("broken\nexists\ngood\nmerging\nplain\n")

    done = run(tmp_path, "--repos-from", "repos.txt", "--git-branch", "gpus", "--git-commit")

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    for refused in (broken, exists, merging, plain):
        assert (refused / "compose.yaml").read_text(encoding="utf-8") == LEGACY, refused
    assert (good / "compose.yaml").read_text(encoding="utf-8") == MIGRATED
    assert git(good, "log", "--format=%s", "main..gpus") == "Move GPU requests to the gpus form\n"
    assert git(exists, "branch", "--show-current") == "main\n"
    assert git(merging, "branch", "--show-current") == "main\n"
    lines = done.stderr.splitlines()
    real = {path.name: str(path.resolve()) for path in (exists, merging)}
    assert (
        f"{real['exists']}: error: branch 'gpus' already exists in {real['exists']}; not migrated"
    ) in lines
    assert (
        f"{real['merging']}: error: a merge, rebase or cherry-pick is in progress in "
        f"{real['merging']}; not migrated"
    ) in lines
    assert any(
        line.startswith(f"{plain.resolve()}: error: ") and "not a git repository" in line
        for line in lines
    )
    assert sum("already exists" in line for line in lines) == 1


@pytest.mark.parametrize("name", ["-x", "a..b", "HEAD"])
def test_a_bad_branch_name_is_refused_before_any_write(tmp_path: Path, name: str) -> None:
    repo = make_repo(tmp_path / "repo")
    done = run(tmp_path, f"--git-branch={name}", "repo")
    assert done.returncode == 2
    assert "is not a valid branch name; not migrated" in done.stderr
    assert (repo / "compose.yaml").read_text(encoding="utf-8") == LEGACY
    assert git(repo, "branch", "--list") == "* main\n"


def test_a_branch_that_receives_no_file_is_removed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", "services:\n  web:\n    image: nginx\n")
    (repo / "gpu.yaml").write_text(LEGACY, encoding="utf-8")
    git(repo, "add", "gpu.yaml")
    git(repo, "commit", "-qm", "gpu")
    done = run(tmp_path, "--git-branch", "gpus", "repo/compose.yaml")
    assert done.returncode == 0, done.stderr
    assert git(repo, "branch", "--list") == "* main\n"


def test_a_file_in_no_repository_is_refused_in_git_mode(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(LEGACY, encoding="utf-8")
    done = run(tmp_path, "--git-branch", "gpus", "compose.yaml")
    assert done.returncode == 2
    assert "compose.yaml: error: not in a git repository; --git-branch needs one" in done.stderr
    assert (tmp_path / "compose.yaml").read_text(encoding="utf-8") == LEGACY


def test_compose_files_git_tracks_are_taken_whatever_gitignore_says(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / ".gitignore").write_text("compose.override.yaml\nbuild/\n", encoding="utf-8")
    extra = "services:\n  extra:\n    runtime: nvidia\n"
    (repo / "compose.override.yaml").write_text(extra, encoding="utf-8")
    (repo / "build").mkdir()
    (repo / "build" / "compose.yaml").write_text(LEGACY, encoding="utf-8")
    git(repo, "add", "--force", ".gitignore", "compose.override.yaml", "build/compose.yaml")
    git(repo, "commit", "-qm", "tracked although ignored")
    (repo / "build" / "docker-compose.yml").write_text(LEGACY, encoding="utf-8")  # untracked
    done = run(tmp_path, "--check", "repo")
    assert done.returncode == 1, done.stderr
    migrated = [line for line in done.stderr.splitlines() if line.startswith("would migrate")]
    assert migrated == [
        "would migrate repo/build/compose.yaml (services: app)",
        "would migrate repo/compose.override.yaml (services: extra)",
        "would migrate repo/compose.yaml (services: app)",
    ]


def test_an_interrupt_finishes_the_repository_under_way_and_starts_no_other(
    tmp_path: Path,
) -> None:
    """Ctrl-C (SIGINT to the process group) in a three-repository batch: each repository ends
    either wholly migrated and committed on the branch, or untouched on main."""
    repos = []
    for name in ("a", "b", "c"):
        repo = tmp_path / name
        repo.mkdir()
        git(repo, "init", "--quiet", "--initial-branch=main")
        for index in range(300):
            (repo / f"s{index:03d}").mkdir()
            (repo / f"s{index:03d}" / "compose.yaml").write_text(LEGACY, encoding="utf-8")
        git(repo, "add", "--all")
        git(repo, "commit", "--quiet", "-m", "initial")
        repos.append(repo)
    (tmp_path / "repos.txt").write_text("a\nb\nc\n", encoding="utf-8")
    command = [sys.executable, "-m", "composemigrate", "--to-gpus", "--jobs", "1", "-q"]
    process = subprocess.Popen(
        [*command, "--repos-from", "repos.txt", "--git-branch", "gpus", "--git-commit"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    first = repos[0] / "s000" / "compose.yaml"
    deadline = time.monotonic() + 120
    while "gpus: all" not in first.read_text(encoding="utf-8") and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert "interrupted: " in stderr
    states = []
    for repo in repos:
        texts = {p.read_text(encoding="utf-8") for p in repo.glob("*/compose.yaml")}
        branch = git(repo, "branch", "--show-current").strip()
        states.append((texts, branch, git(repo, "status", "--porcelain")))
    assert states[0] == ({MIGRATED}, "gpus", "")
    for texts, branch, status in states[1:]:
        assert (texts, branch, status) in (({MIGRATED}, "gpus", ""), ({LEGACY}, "main", ""))
    assert states[2] == ({LEGACY}, "main", "")


def test_a_corrupt_index_fails_its_repository_alone(tmp_path: Path) -> None:
    bad = make_repo(tmp_path / "bad")
    (bad / ".git" / "index").write_bytes(b"not an index")
    good = make_repo(tmp_path / "good")
    (tmp_path / "repos.txt").write_text("bad\ngood\n", encoding="utf-8")
    done = run(tmp_path, "--repos-from", "repos.txt", "--git-branch", "gpus", "--git-commit")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert any(
        line.startswith(f"{bad.resolve()}: error: ") and line.endswith("; not migrated")
        for line in done.stderr.splitlines()
    ), done.stderr
    assert (bad / "compose.yaml").read_text(encoding="utf-8") == LEGACY
    assert (good / "compose.yaml").read_text(encoding="utf-8") == MIGRATED
