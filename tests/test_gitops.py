from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from gitenv import bare_git  # noqa: F401 (an autouse fixture)

from composemigrate.gitops import (
    GitError,
    check_branch,
    commit,
    create_branch,
    is_dirty,
    repo_root,
)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with one commit of ``compose.yaml`` on ``main``."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "--quiet", "--initial-branch=main")
    (path / "compose.yaml").write_text("services: {}\n")
    git(path, "add", "compose.yaml")
    git(
        path, "-c", "user.name=Setup", "-c", "user.email=setup@example.com", "commit", "-qm", "init"
    )
    return path


def test_repo_root(repo: Path, tmp_path: Path) -> None:
    (repo / "svc" / "deep").mkdir(parents=True)
    top = Path(os.path.realpath(repo))
    assert repo_root(repo / "svc" / "deep") == top
    assert repo_root(repo / "svc" / "deep" / "compose.yml") == top
    assert repo_root(repo / "compose.yaml") == top
    assert repo_root(tmp_path / "home") is None
    assert repo_root(tmp_path / "absent" / "compose.yaml") is None
    assert repo_root(repo / ".git") is None


def test_is_dirty(repo: Path) -> None:
    assert not is_dirty(repo)
    git(repo, "config", "status.showUntrackedFiles", "no")
    (repo / "new.yaml").write_text("x: 1\n")
    assert is_dirty(repo)
    (repo / "new.yaml").unlink()
    (repo / "compose.yaml").write_text("services:\n  app: {}\n")
    assert is_dirty(repo)
    git(repo, "add", "compose.yaml")
    assert is_dirty(repo)


def test_is_dirty_ignores_ignored_files(repo: Path) -> None:
    (repo / ".gitignore").write_text("*.log\n")
    git(repo, "add", ".gitignore")
    git(repo, "-c", "user.name=S", "-c", "user.email=s@x", "commit", "-qm", "ignore")
    (repo / "run.log").write_text("x\n")
    assert not is_dirty(repo)


def test_create_branch_keeps_work_tree(repo: Path) -> None:
    (repo / "compose.yaml").write_text("services:\n  gpu: {}\n")
    create_branch(repo, "gpu-devices")
    assert git(repo, "branch", "--show-current") == "gpu-devices"
    assert (repo / "compose.yaml").read_text() == "services:\n  gpu: {}\n"
    assert git(repo, "rev-parse", "gpu-devices") == git(repo, "rev-parse", "main")


def test_create_existing_branch_fails_clearly(repo: Path) -> None:
    git(repo, "branch", "gpu-devices")
    with pytest.raises(GitError) as caught:
        check_branch(repo, "gpu-devices")
    assert caught.value.message == f"branch 'gpu-devices' already exists in {repo}"
    assert git(repo, "branch", "--show-current") == "main"


@pytest.mark.parametrize("name", ["-x", "a..b", "has space", "end.lock", "", "HEAD"])
def test_create_branch_rejects_invalid_names(repo: Path, name: str) -> None:
    with pytest.raises(GitError) as caught:
        check_branch(repo, name)
    assert caught.value.message == f"{name!r} is not a valid branch name"
    assert git(repo, "branch", "--list") == "* main"


def test_commit_without_any_identity(repo: Path) -> None:
    (repo / "compose.yaml").write_text("services:\n  gpu: {}\n")
    sha = commit(repo, [repo / "compose.yaml"], "Migrate GPU requests to device reservations")
    assert sha == git(repo, "rev-parse", "HEAD")
    assert len(sha) == 40
    assert git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s") == (
        "composemigrate <composemigrate@localhost>|composemigrate <composemigrate@localhost>|"
        "Migrate GPU requests to device reservations"
    )
    assert not is_dirty(repo)


def test_first_commit_of_a_new_repository(tmp_path: Path) -> None:
    new = tmp_path / "new"
    new.mkdir()
    git(new, "init", "--quiet", "--initial-branch=main")
    (new / "compose.yaml").write_text("services: {}\n")
    (new / "other.yaml").write_text("x: 1\n")
    sha = commit(new, [new / "compose.yaml"], "msg")
    assert git(new, "ls-tree", "--name-only", sha) == "compose.yaml"
    assert git(new, "status", "--porcelain") == "?? other.yaml"


def test_commit_uses_the_configured_identity(repo: Path) -> None:
    git(repo, "config", "user.name", "Platform Bot")
    git(repo, "config", "user.email", "bot@example.com")
    (repo / "compose.yaml").write_text("services:\n  gpu: {}\n")
    commit(repo, [repo / "compose.yaml"], "msg")
    assert git(repo, "log", "-1", "--format=%an <%ae>") == "Platform Bot <bot@example.com>"


def test_commit_fills_only_the_missing_key(repo: Path) -> None:
    git(repo, "config", "user.email", "alice@example.com")
    (repo / "compose.yaml").write_text("services:\n  gpu: {}\n")
    commit(repo, [repo / "compose.yaml"], "msg")
    assert git(repo, "log", "-1", "--format=%an <%ae>") == "composemigrate <alice@example.com>"


def test_commit_takes_only_the_given_files(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "svc").mkdir()
    (repo / "svc" / "compose.yml").write_text("services: {}\n")
    (repo / "compose.yaml").write_text("services:\n  gpu: {}\n")
    (repo / "notes.txt").write_text("staged by the user\n")
    git(repo, "add", "notes.txt")
    monkeypatch.chdir(tmp_path)
    commit(repo, [Path("repo/compose.yaml"), Path("repo/svc/compose.yml")], "msg")
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [
        "compose.yaml",
        "svc/compose.yml",
    ]
    assert git(repo, "status", "--porcelain") == "A  notes.txt"


def test_commit_through_symlinks(repo: Path, tmp_path: Path) -> None:
    (repo / "shared.yml").write_text("services: {}\n")
    (repo / "docker-compose.yml").symlink_to("shared.yml")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=S", "-c", "user.email=s@x", "commit", "-qm", "link")
    (repo / "shared.yml").write_text("services:\n  gpu: {}\n")
    alias = tmp_path / "alias"
    alias.symlink_to(repo)
    commit(alias, [alias / "docker-compose.yml"], "msg")
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "shared.yml"
    assert not is_dirty(repo)


def test_commit_with_nothing_changed_fails(repo: Path) -> None:
    before = git(repo, "rev-parse", "HEAD")
    with pytest.raises(GitError) as caught:
        commit(repo, [repo / "compose.yaml"], "msg")
    assert caught.value.message == f"nothing to commit in {repo}: the files are as committed"
    with pytest.raises(GitError) as empty:
        commit(repo, [], "msg")
    assert empty.value.message == f"nothing to commit in {repo}: no files given"
    assert git(repo, "rev-parse", "HEAD") == before


def test_commit_runs_no_hook_and_no_fsmonitor(repo: Path, tmp_path: Path) -> None:
    ran = tmp_path / "ran"
    for hook in ("pre-commit", "commit-msg", "post-commit", "reference-transaction"):
        script = repo / ".git" / "hooks" / hook
        script.write_text(f"#!/bin/sh\necho {hook} >> {ran}\ngit add -A\n")
        script.chmod(0o755)
    monitor = tmp_path / "fsmonitor"
    monitor.write_text(f"#!/bin/sh\necho fsmonitor >> {ran}\n")
    monitor.chmod(0o755)
    git(repo, "config", "core.fsmonitor", str(monitor))
    (repo / "compose.yaml").write_text("services:\n  gpu: {}\n")
    (repo / "planted.txt").write_text("a hook would add me\n")
    sha = commit(repo, [repo / "compose.yaml"], "msg")
    assert not ran.exists()
    assert git(repo, "show", "--name-only", "--format=", sha) == "compose.yaml"


def test_check_branch_refuses_a_repository_mid_merge_or_dirty(repo: Path) -> None:
    assert check_branch(repo, "gpus") == "main"
    (repo / ".git" / "MERGE_HEAD").write_text(git(repo, "rev-parse", "HEAD") + "\n")
    with pytest.raises(GitError) as caught:
        check_branch(repo, "gpus")
    assert caught.value.message == f"a merge, rebase or cherry-pick is in progress in {repo}"
    (repo / ".git" / "MERGE_HEAD").unlink()
    (repo / "scratch").write_text("x\n")
    with pytest.raises(GitError) as dirty:
        check_branch(repo, "gpus")
    assert dirty.value.message == (
        f"work tree of {repo} has uncommitted changes; commit or stash first"
    )


def test_file_outside_the_repository(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "compose.yaml"
    outside.write_text("services: {}\n")
    with pytest.raises(GitError) as caught:
        commit(repo, [outside], "msg")
    assert caught.value.message == f"{outside} is outside the repository at {repo}"


def test_missing_git_binary(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(GitError) as caught:
        is_dirty(repo)
    assert caught.value.message == "cannot run git: No such file or directory"
