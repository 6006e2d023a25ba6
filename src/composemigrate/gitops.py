"""``--git-branch`` and ``--git-commit`` through the real ``git`` binary, running nothing of the
repository's own.

Repositories may not be trusted: every git command runs with hooks and ``core.fsmonitor`` turned
off, and a commit is built with plumbing (``hash-object --no-filters``, a temporary index,
``commit-tree``), so no hook, filter or fsmonitor command a repository configures ever runs. The
user's identity and ``safe.directory`` apply as they would by hand; a missing identity is filled
in, so a commit also works on a bare CI runner. A commit holds exactly the files given, and is
checked to.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

IDENTITY = (("user.name", "composemigrate"), ("user.email", "composemigrate@localhost"))
"""Used for a key the repository's git configuration leaves unset."""


class GitError(Exception):
    """A git command failed; ``message`` is one line saying which, where and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


SAFE = ("-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false")
"""Given to every git command: no hook and no fsmonitor command of the repository runs."""

IN_PROGRESS = ("MERGE_HEAD", "rebase-merge", "rebase-apply", "CHERRY_PICK_HEAD", "REVERT_HEAD")
"""Files git keeps while a merge, rebase, cherry-pick or revert waits to be finished."""


def _git(
    repo: Path,
    *args: str,
    config: Sequence[str] = (),
    check: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``git -C repo [config] args``; with ``check``, a failure raises ``GitError``."""
    command = ["git", "-C", str(repo), *SAFE, *config, *args]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            check=False,
            env={**os.environ, **env} if env else None,
        )
    except OSError as err:
        raise GitError(f"cannot run git: {err.strerror or err}") from None
    if check and done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or [f"exit {done.returncode}"]
        reason = lines[-1].removeprefix("fatal: ").removeprefix("error: ")
        raise GitError(f"git {args[0]} failed in {repo}: {reason}")
    return done


def repo_root(path: Path) -> Path | None:
    """The top of the work tree holding ``path`` (a file or a directory), or None outside one."""
    directory = path if path.is_dir() else path.parent
    done = _git(directory, "rev-parse", "--show-toplevel", check=False)
    top = done.stdout.rstrip("\n")
    return Path(top) if done.returncode == 0 and top else None


def tracked(repo: Path) -> frozenset[str]:
    """The paths git tracks in ``repo``, relative to its top; empty when git cannot say."""
    try:
        done = _git(repo, "ls-files", "-z", "--full-name", check=False)
    except GitError:
        return frozenset()
    return frozenset(done.stdout.split("\0")[:-1]) if done.returncode == 0 else frozenset()


def is_dirty(repo: Path) -> bool:
    """True when anything is staged, modified or untracked (whatever status.showUntrackedFiles)."""
    return bool(_git(repo, "status", "--porcelain", "--untracked-files=normal").stdout)


def check_branch(repo: Path, name: str) -> str:
    """Everything ``--git-branch`` needs, checked before any file is written: a work tree with
    nothing in progress and nothing uncommitted, and a new, valid branch name. Returns the branch
    (or commit) checked out now, to come back to."""
    _git(repo, "rev-parse", "--show-toplevel")
    valid = _git(repo, "check-ref-format", "--branch", name, check=False)
    if not name or name.startswith("-") or name == "HEAD" or valid.returncode != 0:
        raise GitError(f"{name!r} is not a valid branch name")
    if _git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{name}", check=False).stdout:
        raise GitError(f"branch {name!r} already exists in {repo}")
    for marker in IN_PROGRESS:
        path = _git(repo, "rev-parse", "--git-path", marker).stdout.strip()
        if (repo / path).exists():
            raise GitError(f"a merge, rebase or cherry-pick is in progress in {repo}")
    if is_dirty(repo):
        raise GitError(f"work tree of {repo} has uncommitted changes; commit or stash first")
    current = _git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False).stdout.strip()
    return current or _git(repo, "rev-parse", "HEAD").stdout.strip()


def create_branch(repo: Path, name: str) -> None:
    """Create branch ``name`` at the current commit and switch to it, keeping the work tree;
    ``check_branch`` says first whether that is safe."""
    _git(repo, "switch", "--quiet", "-c", name)


def drop_branch(repo: Path, name: str, back_to: str) -> None:
    """Switch back to ``back_to`` and delete ``name``: a branch that received no file."""
    _git(repo, "switch", "--quiet", back_to)
    _git(repo, "branch", "--quiet", "-D", name)


def commit(repo: Path, files: Sequence[Path], message: str) -> str:
    """Commit exactly ``files`` (whatever else is staged) and return the new commit's sha.

    Symlinks are resolved first: the file that was rewritten is the link's target. The blobs are
    hashed without filters into a temporary index built from ``HEAD``; the user's index only
    learns the new blobs of these files, so what they had staged stays staged.
    """
    if not files:
        raise GitError(f"nothing to commit in {repo}: no files given")
    top = Path(_git(repo, "rev-parse", "--show-toplevel").stdout.rstrip("\n"))
    entries = []
    for file in files:
        real = Path(os.path.realpath(file))
        if not real.is_relative_to(top):
            raise GitError(f"{file} is outside the repository at {repo}")
        blob = _git(repo, "hash-object", "-w", "--no-filters", "--", str(real)).stdout.strip()
        mode = "100755" if os.access(real, os.X_OK) else "100644"
        entries.append(f"{mode},{blob},{real.relative_to(top).as_posix()}")
    head = _git(repo, "rev-parse", "--verify", "--quiet", "HEAD", check=False).stdout.strip()
    config: list[str] = []
    for key, value in IDENTITY:
        if not _git(repo, "config", key, check=False).stdout.strip():
            config += ["-c", f"{key}={value}"]
    with tempfile.TemporaryDirectory(prefix="composemigrate-index-") as folder:
        index = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
        _git(repo, "read-tree", *([head] if head else ["--empty"]), env=index)
        for entry in entries:
            _git(repo, "update-index", "--add", "--cacheinfo", entry, env=index)
        tree = _git(repo, "write-tree", env=index).stdout.strip()
    if head and tree == _git(repo, "rev-parse", f"{head}^{{tree}}").stdout.strip():
        raise GitError(f"nothing to commit in {repo}: the files are as committed")
    parents = ["-p", head] if head else []
    sha = _git(repo, "commit-tree", tree, *parents, "-m", message, config=config).stdout.strip()
    _git(repo, "update-ref", "-m", "composemigrate: commit", "HEAD", sha, *([head] if head else []))
    for entry in entries:
        _git(repo, "update-index", "--add", "--cacheinfo", entry)
    changed = _git(repo, "diff-tree", "--root", "--no-commit-id", "--name-only", "-r", sha)
    expected = {entry.split(",", 2)[2] for entry in entries}
    if not set(changed.stdout.split("\n")[:-1]) <= expected:
        raise GitError(f"the commit in {repo} holds files that were not migrated")
    return sha
