"""The real command line, run as a user runs it: a subprocess of this Python, in a folder; and
the real git repositories it runs over."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def cli(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``composemigrate ARGS`` in ``cwd`` (``stdin`` fed to it), without colour."""
    return subprocess.run(
        [sys.executable, "-m", "composemigrate", *args],
        cwd=cwd,
        input=stdin,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def git_repo(path: Path, files: dict[str, str]) -> Path:
    """A new git repository at ``path`` holding ``files`` (name → text; folders are made)."""
    path.mkdir()
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    return path
