"""Everyday paths a new user hits, each through the real command line (the progress bar on a real
pseudo-terminal)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from clirun import cli
from test_cli import on_terminal

from composemigrate.lint import lint_text

VERSIONED = "version: '2.3'\nservices:\n  app:\n    image: nvidia/cuda\n    runtime: nvidia\n"
VERSION_WARNING = (
    "warning: CM591 version '2.3': gpus: needs a recent Compose v2 (late 2024 or newer); "
    "docker-compose 1.x rejects it"
)


@pytest.mark.parametrize(
    ("args", "form"),
    [(["--to-gpus", "--python", "."], "gpus"), (["--to-cdi", "run.py"], "cdi")],
)
def test_python_to_a_form_it_has_not_is_one_usage_error(
    tmp_path: Path, args: list[str], form: str
) -> None:
    (tmp_path / "run.py").write_text('print("hello")\n')
    done = cli(tmp_path, *args)
    assert done.returncode == 2
    assert f"docker SDK code has no {form} form: migrate Python files with --to-runtime, " in (
        done.stderr
    )
    assert done.stderr.count("Error:") == 1


def test_a_file_wide_warning_is_said_once_per_run(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "compose.yaml").write_text(VERSIONED)
    done = cli(tmp_path, "--to-gpus", "--check", ".")
    warned = [line for line in done.stderr.splitlines() if "CM591" in line]
    assert warned == [
        f"a/compose.yaml:1:1: {VERSION_WARNING}",
        f"{VERSION_WARNING} (also in 2 more files; -v lists them)",
    ]
    verbose = cli(tmp_path, "--to-gpus", "--check", "-v", ".")
    listed = [line for line in verbose.stderr.splitlines() if "CM591" in line]
    assert listed == [f"{name}/compose.yaml:1:1: {VERSION_WARNING}" for name in "abc"]


def test_the_progress_bar_is_cleared_before_a_warning(tmp_path: Path) -> None:
    for index in range(12):
        (tmp_path / f"svc{index:02d}").mkdir()
        (tmp_path / f"svc{index:02d}" / "compose.yaml").write_text(
            VERSIONED.replace("2.3", f"2.{index}")  # a different warning in each file
        )
    argv = [sys.executable, "-m", "composemigrate", "--to-gpus", "--check", "--jobs", "1", "."]
    code, output = on_terminal(argv, tmp_path, stream="stderr")
    terminal = output.decode()
    assert code == 1
    assert "migrating" in terminal
    for match in re.finditer(r"svc\d\d/compose\.yaml:1:1: warning", terminal):
        before = terminal[: match.start()]
        assert before.endswith(("\n", "\x1b[K")), repr(before[-40:])


def test_a_folder_without_compose_names_says_so(tmp_path: Path) -> None:
    (tmp_path / "gpu.yml").write_text("services:\n  app:\n    runtime: nvidia\n")
    done = cli(tmp_path, "--to-devices", ".")
    assert done.returncode == 0
    assert "note: no file here is named like a Compose file" in done.stderr
    assert "--include GLOB" in done.stderr
    found = cli(tmp_path, "--to-devices", "--check", "--include", "gpu.yml", ".")
    assert "would migrate gpu.yml" in found.stderr
    assert "no file here is named" not in found.stderr


def test_help_states_exit_status_and_full_command_descriptions(tmp_path: Path) -> None:
    migrate = cli(tmp_path, "migrate", "--help")
    assert "Exit status:" in migrate.stdout
    assert "exit 1 if any file would change" in " ".join(migrate.stdout.split())
    top = cli(tmp_path, "--help")
    assert "Rewrite how services ask for GPUs (the default command)." in top.stdout


def test_lint_says_what_migrate_says_of_jetson(tmp_path: Path) -> None:
    text = "services:\n  cam:\n    image: dustynv/l4t-ml:r36.2.0\n    runtime: nvidia\n"
    messages = [f.message for f in lint_text(text) if f.code == "CM301"]
    assert messages == [
        "runtime: nvidia on a Jetson (L4T) image: the documented way there; keep it, or "
        "test a migrated service on the device"
    ]
    (tmp_path / "compose.yaml").write_text(text)
    done = cli(tmp_path, "--to-devices", "--check", "compose.yaml")
    assert "CM590 service 'cam': runs a Jetson (L4T) image" in done.stderr
