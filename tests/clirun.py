"""The real command line, run as a user runs it: a subprocess of this Python, in a folder."""

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
