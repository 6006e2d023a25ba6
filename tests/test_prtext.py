"""``--report markdown``: a pull-request body per repository, through the real command line over
real git repositories (one on stdout, as multi-gitter and turbolift run a command in a clone; a
file each with ``--report-dir``)."""

from __future__ import annotations

from pathlib import Path

from clirun import cli, git_repo
from gitenv import bare_git  # noqa: F401  (a git without the user's configuration)

LEGACY = (
    "services:\n  train:\n    image: nvidia/cuda\n    runtime: nvidia\n    environment:\n"
    "      - NVIDIA_VISIBLE_DEVICES=0,1\n"
)
REFUSED = "services:\n  job:\n    image: nvidia/cuda\n    runtime: ${RUNTIME}\n"


def test_one_repository_gets_its_document_on_stdout(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "trainer", {"compose.yaml": LEGACY, "docker-compose.yml": REFUSED})
    done = cli(repo, "--to-devices", "--report", "markdown", ".")
    assert done.returncode == 0, done.stderr
    body = done.stdout
    assert body.startswith("# Move GPU requests to the device reservation\n")
    assert "`composemigrate --to-devices` rewrote 1 Compose file in `trainer`." in body
    assert (
        "| `compose.yaml` | `train` | runtime: nvidia | the device reservation | "
        "nvidia GPUs 0,1 with [gpu] |"
    ) in body
    assert (
        "- `docker-compose.yml:4` **CM504** service 'job': runtime is set from ${RUNTIME}; left "
        "unchanged. Next step: write the value literally, or keep the service as it is."
    ) in body
    assert "docker compose -f compose.yaml config --format json" in body
    assert "deploy:" in (repo / "compose.yaml").read_text()


def test_report_dir_writes_one_document_per_repository(tmp_path: Path) -> None:
    git_repo(tmp_path / "a", {"compose.yaml": LEGACY})
    git_repo(tmp_path / "b", {"compose.yaml": REFUSED})
    done = cli(tmp_path, "--to-gpus", "--check", "--report", "markdown", "--report-dir", "pr", ".")
    assert done.returncode == 1
    assert done.stdout == ""
    assert sorted(path.name for path in (tmp_path / "pr").iterdir()) == ["a.md", "b.md"]
    a = (tmp_path / "pr" / "a.md").read_text()
    assert "would rewrite 1 Compose file in `a`" in a
    assert "the gpus attribute" in a
    b = (tmp_path / "pr" / "b.md").read_text()
    assert "would rewrite 0 Compose files in `b`" in b
    assert "**CM504**" in b
    assert "## How to check" not in b


def test_report_dir_needs_markdown(tmp_path: Path) -> None:
    done = cli(tmp_path, "--to-devices", "--report-dir", "pr", ".")
    assert done.returncode == 2
    assert "--report-dir holds markdown documents: give --report markdown" in done.stderr
