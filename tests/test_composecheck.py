"""--verify-with-compose: the real Compose binary agrees with a rewrite; a Compose that reads
other GPUs after it stops the write; asking for one that is not there is a usage error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from oracles import require_compose

LEGACY = "services:\n  app:\n    image: x\n    runtime: nvidia\n    environment:\n"
LEGACY += "      - NVIDIA_VISIBLE_DEVICES=0,1\n"
GPUS = (
    "services:\n  app:\n    image: x\n    gpus:\n      - driver: nvidia\n"
    "        device_ids: ['0', '1']\n        capabilities: [gpu]\n"
)


def run(cwd: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path} if path is not None else None
    return subprocess.run(
        [sys.executable, "-m", "composemigrate", "--to-gpus", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


def test_the_real_compose_agrees_and_the_file_is_written(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(LEGACY, encoding="utf-8")
    (tmp_path / "compose.override.yaml").write_text(
        "services:\n  app:\n    labels: [x]\n", encoding="utf-8"
    )
    done = run(tmp_path, f"--verify-with-compose={require_compose()}", "compose.yaml")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "compose.yaml").read_text(encoding="utf-8") == GPUS


def test_a_compose_that_reads_other_gpus_stops_the_write(tmp_path: Path) -> None:
    """A stand-in Compose that sees GPU 0 in the legacy text and GPU 1 in any other."""
    fake = tmp_path / "docker-compose"
    fake.write_text(
        "#!/bin/sh\n"
        "if grep -q runtime; then ids='\"0\"'; else ids='\"1\"'; fi\n"
        'echo "{\\"services\\": {\\"app\\": {\\"gpus\\": [{\\"device_ids\\": [$ids]}]}}}"\n',
        encoding="utf-8",
    )
    fake.chmod(0o755)
    (tmp_path / "compose.yaml").write_text(LEGACY, encoding="utf-8")
    done = run(tmp_path, f"--verify-with-compose={fake}", "compose.yaml")
    assert done.returncode == 2
    (error,) = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert error.startswith(
        "compose.yaml: error: docker compose reads other GPUs for service 'app' after the "
        "rewrite (compose.yaml): "
    )
    assert error.endswith("; file left unchanged")
    assert (tmp_path / "compose.yaml").read_text(encoding="utf-8") == LEGACY


def test_asking_for_a_compose_that_is_not_there_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(LEGACY, encoding="utf-8")
    done = run(tmp_path, "--verify-with-compose", "compose.yaml", path=str(tmp_path / "none"))
    assert done.returncode == 2
    assert "--verify-with-compose: no docker compose at 'compose.yaml'" in done.stderr
    alone = run(tmp_path, "compose.yaml", "--verify-with-compose", path=str(tmp_path / "none"))
    assert alone.returncode == 2
    assert "--verify-with-compose: no docker compose on PATH" in alone.stderr
    assert (tmp_path / "compose.yaml").read_text(encoding="utf-8") == LEGACY
