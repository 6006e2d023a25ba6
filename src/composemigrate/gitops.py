"""``--git-branch`` and ``--git-commit`` through the real ``git`` binary.

The user's own git (hooks, signing, identity, ``safe.directory``) applies as it would by hand;
only a missing identity is filled in, so a commit also works on a bare CI runner.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

IDENTITY = (("user.name", "composemigrate"), ("user.email", "composemigrate@localhost"))
"""Used for a key the repository's git configuration leaves unset."""


class GitError(Exception):
    """A git command failed; ``message`` is one line saying which, where and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _git(
    repo: Path, *args: str, config: Sequence[str] = (), check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``git -C repo [config] args``; with ``check``, a failure raises ``GitError``."""
    command = ["git", "-C", str(repo), *config, *args]
    try:
        done = subprocess.run(
            command, capture_output=True, encoding="utf-8", errors="replace", check=False
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


def is_dirty(repo: Path) -> bool:
    """True when anything is staged, modified or untracked (whatever status.showUntrackedFiles)."""
    return bool(_git(repo, "status", "--porcelain", "--untracked-files=normal").stdout)


def create_branch(repo: Path, name: str) -> None:
    """Create branch ``name`` at the current commit and switch to it, keeping the work tree."""
    if _git(repo, "check-ref-format", "--branch", name, check=False).returncode != 0:
        raise GitError(f"{name!r} is not a valid branch name")
    if _git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{name}", check=False).stdout:
        raise GitError(f"branch {name!r} already exists in {repo}")
    _git(repo, "switch", "--quiet", "-c", name)


def commit(repo: Path, files: Sequence[Path], message: str) -> str:
    """Commit exactly ``files`` (whatever else is staged) and return the new commit's sha.

    Symlinks are resolved first: the file that was rewritten is the link's target.
    """
    if not files:
        raise GitError(f"nothing to commit in {repo}: no files given")
    paths = [os.path.realpath(file) for file in files]
    _git(repo, "add", "--", *paths)
    config: list[str] = []
    for key, value in IDENTITY:
        if not _git(repo, "config", key, check=False).stdout.strip():
            config += ["-c", f"{key}={value}"]
    _git(repo, "commit", "--quiet", "-m", message, "--", *paths, config=config)
    return _git(repo, "rev-parse", "HEAD").stdout.strip()
