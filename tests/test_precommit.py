"""The pre-commit hooks, run for real by ``pre-commit try-repo`` against this checkout.

pre-commit builds a virtualenv and pip-installs the project into it, so the test needs the package
index (a minute or so the first time); it is marked slow but belongs in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
LEGACY = "services:\n  app:\n    image: nvidia/cuda\n    runtime: nvidia\n"
MIGRATED = (
    "services:\n"
    "  app:\n"
    "    image: nvidia/cuda\n"
    "    deploy:\n"
    "      resources:\n"
    "        reservations:\n"
    "          devices:\n"
    "            - driver: nvidia\n"
    "              count: all\n"
    "              capabilities: [gpu]\n"
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
    pytest.mark.skipif(not (CHECKOUT / ".git").exists(), reason="needs a git checkout"),
]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def _try_repo(repo: Path, home: Path, hook: str) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo`` with the hook's default args, on every tracked file of ``repo``."""
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(CHECKOUT), hook, "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_hook_fails_until_the_rewrite_hook_has_run(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "--quiet")
    (repo / "compose.yaml").write_text(LEGACY)
    (repo / "notes.yaml").write_text("runtime: nvidia\n")
    _git(repo, "add", "compose.yaml", "notes.yaml")
    home = tmp_path / "pre-commit-home"

    check = _try_repo(repo, home, "composemigrate-check")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "would migrate compose.yaml (services: app)" in check.stdout
    assert "1 file would be migrated, 0 unchanged," in check.stdout  # notes.yaml not passed

    rewrite = _try_repo(repo, home, "composemigrate")
    assert rewrite.returncode == 1, rewrite.stdout + rewrite.stderr
    assert "files were modified by this hook" in rewrite.stdout
    assert (repo / "compose.yaml").read_text() == MIGRATED
    assert (repo / "notes.yaml").read_text() == "runtime: nvidia\n"

    again = _try_repo(repo, home, "composemigrate-check")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Passed" in again.stdout


REFUSED = (
    "services:\n"
    "  app:\n"
    "    image: nvidia/cuda\n"
    "    runtime: nvidia\n"
    "    environment:\n"
    "      - NVIDIA_VISIBLE_DEVICES\n"
)
INVALID = "services:\n  app:\n    image: nvidia/cuda\n    gpus:\n      - count: two\n"


def test_check_hook_is_strict_until_the_refusal_is_suppressed(tmp_path: Path) -> None:
    """A service the migration must leave (CM505) fails the check hook, which runs --strict,
    until the team marks it as kept on the service's line."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "--quiet")
    (repo / "compose.yaml").write_text(REFUSED)
    _git(repo, "add", "compose.yaml")
    home = tmp_path / "pre-commit-home"
    check = _try_repo(repo, home, "composemigrate-check")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "warning: CM505 service 'app'" in check.stdout
    assert "1 service left unchanged fail --strict" in check.stdout
    assert "To write these changes" not in check.stdout
    kept = REFUSED.replace("  app:\n", "  app:  # composemigrate: ignore[CM505]\n")
    (repo / "compose.yaml").write_text(kept)
    _git(repo, "add", "compose.yaml")
    again = _try_repo(repo, home, "composemigrate-check")
    assert again.returncode == 0, again.stdout + again.stderr


def test_lint_hook_fails_on_an_error_finding(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "--quiet")
    (repo / "compose.yaml").write_text(INVALID)
    _git(repo, "add", "compose.yaml")
    lint = _try_repo(repo, tmp_path / "pre-commit-home", "composemigrate-lint")
    assert lint.returncode == 1, lint.stdout + lint.stderr
    assert "compose.yaml:5:16: CM103 error: count must be a positive integer" in lint.stdout
