"""Bounded whatever a repository holds: special files where text is expected, through the CLI.

Each case runs the real command line with a time limit far above what it needs; a hang would
fail it (the limit is a guard, not a speed requirement).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

GUARD = 120
LEGACY = "services:\n  app:\n    runtime: nvidia\n"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "composemigrate", "--to-gpus", "--jobs", "1", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=GUARD,
        check=False,
    )


def test_a_fifo_and_a_device_named_on_the_command_line_are_refused_unread(
    tmp_path: Path,
) -> None:
    os.mkfifo(tmp_path / "compose.fifo.yaml")
    (tmp_path / "good.yaml").write_text(LEGACY, encoding="utf-8")
    done = run(tmp_path, "compose.fifo.yaml", "/dev/zero", "good.yaml")
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert errors == [
        "compose.fifo.yaml: error: not a regular file (a FIFO, device or socket); not read",
        "/dev/zero: error: not a regular file (a FIFO, device or socket); not read",
    ]
    assert (tmp_path / "good.yaml").read_text(
        encoding="utf-8"
    ) == "services:\n  app:\n    gpus: all\n"


def test_a_gitignore_linked_to_dev_zero_is_skipped(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").symlink_to("/dev/zero")
    (tmp_path / "compose.yaml").write_text(LEGACY, encoding="utf-8")
    done = run(tmp_path, ".")
    assert done.returncode == 0, done.stderr
    assert "gpus: all" in (tmp_path / "compose.yaml").read_text(encoding="utf-8")


def test_an_env_file_that_is_a_fifo_or_a_device_leaves_its_service(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.env")
    text = (
        "services:\n  a:\n    runtime: nvidia\n    env_file: fifo.env\n"
        "  b:\n    runtime: nvidia\n    env_file: /dev/zero\n  c:\n    runtime: nvidia\n"
    )
    (tmp_path / "compose.yaml").write_text(text, encoding="utf-8")
    done = run(tmp_path, "compose.yaml")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if ": warning: " in line]
    assert warnings == [
        "compose.yaml:4:5: warning: CM513 service 'a': env_file fifo.env is not a regular file; "
        "left unchanged",
        "compose.yaml:7:5: warning: CM513 service 'b': env_file /dev/zero is not a regular file; "
        "left unchanged",
    ]
    assert "  c:\n    gpus: all\n" in (tmp_path / "compose.yaml").read_text(encoding="utf-8")


def test_control_characters_in_a_path_cannot_forge_a_line_or_reach_the_terminal(
    tmp_path: Path,
) -> None:
    forged = tmp_path / "x\nfake.yaml: error: forged\x1b]52;c;aGk=\x07"
    forged.mkdir()
    (forged / "compose.yaml").write_text(LEGACY, encoding="utf-8")
    done = run(tmp_path, "--check", ".")
    assert done.returncode == 1
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr
    assert not any(line.startswith("fake.yaml") for line in done.stderr.splitlines())
    assert "would migrate x\\x0afake.yaml: error: forged\\x1b]52;c;aGk=\\x07/compose.yaml" in (
        done.stderr
    )


def test_a_file_name_that_is_not_utf8_is_shown_escaped_in_every_format(tmp_path: Path) -> None:
    name = os.fsdecode(b"gpu-\xff.yaml")
    (tmp_path / name).write_text(LEGACY, encoding="utf-8")
    diff = run(tmp_path, "--dry-run", name)
    assert diff.returncode == 1, diff.stderr
    assert diff.stdout.startswith("--- a/gpu-\\xff.yaml\n+++ b/gpu-\\xff.yaml\n")
    report = run(tmp_path, "--check", "--report", "json", name)
    assert '"path": "gpu-\\\\xff.yaml"' in report.stdout
    outputs = {}
    for fmt in ("sarif", "json", "text"):
        linted = subprocess.run(
            [sys.executable, "-m", "composemigrate", "lint", "--format", fmt, name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=GUARD,
            check=False,
        )
        assert "Traceback" not in linted.stderr, (fmt, linted.stderr)
        outputs[fmt] = linted.stdout
    assert '"uri": "gpu-%FF.yaml"' in outputs["sarif"]
    assert '"path": "gpu-\\\\xff.yaml"' in outputs["json"]
    assert outputs["text"].startswith("gpu-\\xff.yaml:3:5: CM301 info: ")


def test_deep_flow_nesting_is_refused_before_libyaml_can_crash(tmp_path: Path) -> None:
    bomb = "services:\n  app:\n    runtime: nvidia\n    x: " + "[" * 30000 + "]" * 30000 + "\n"
    (tmp_path / "bomb.yaml").write_text(bomb, encoding="utf-8")
    (tmp_path / "good.yaml").write_text(LEGACY, encoding="utf-8")
    done = run(tmp_path, "bomb.yaml", "good.yaml")
    assert done.returncode == 2, done.stderr
    assert "bomb.yaml: error: nesting deeper than 1000 levels; not read" in done.stderr
    assert "1 file migrated, 0 unchanged, 0 skipped with warnings, 1 failed." in done.stderr


def test_workers_die_with_a_parent_killed_by_sigkill(tmp_path: Path) -> None:
    """No worker goes on writing files nobody will report once the parent is gone."""
    tree = tmp_path / "sigkill-marker-tree"
    for index in range(3000):
        folder = tree / f"s{index:04d}"
        folder.mkdir(parents=True)
        (folder / "compose.yaml").write_text(LEGACY, encoding="utf-8")
    parent = subprocess.Popen(
        [sys.executable, "-m", "composemigrate", "--to-gpus", "--jobs", "2", "-q", str(tree)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def migrated() -> int:
        return sum("gpus: all" in p.read_text(encoding="utf-8") for p in tree.glob("*/*.yaml"))

    deadline = time.monotonic() + GUARD
    while migrated() < 50 and time.monotonic() < deadline:
        time.sleep(0.05)
    parent.kill()
    parent.wait()
    time.sleep(1.0)
    settled = migrated()
    time.sleep(1.0)
    assert migrated() == settled < 3000
    left = subprocess.run(
        ["pgrep", "-f", str(tree)], capture_output=True, text=True, check=False
    ).stdout
    assert left == ""


def test_a_path_past_path_max_fails_alone(tmp_path: Path) -> None:
    deep = tmp_path / "long"
    deep.mkdir()
    here = os.open(deep, os.O_RDONLY)
    try:
        for _ in range(25):  # 25 x 201 bytes: past PATH_MAX (4,096), each step made relatively
            os.mkdir("d" * 200, dir_fd=here)
            inner = os.open("d" * 200, os.O_RDONLY, dir_fd=here)
            os.close(here)
            here = inner
    finally:
        os.close(here)
    (tmp_path / "good.yaml").write_text(LEGACY, encoding="utf-8")
    done = run(tmp_path, "long", "good.yaml")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    (error,) = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert error.startswith("long/" + "d" * 200) and error.endswith(": error: file name too long")
    assert "1 file migrated, 0 unchanged, 0 skipped with warnings, 1 failed." in done.stderr


def test_a_gitignore_pattern_that_would_backtrack_forever_is_not_honoured(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*a*a*a*a*a*a*a*a*a*a*a*a*b\n*.log\n", encoding="utf-8")
    folder = tmp_path / ("a" * 200)
    folder.mkdir()
    (folder / "compose.yaml").write_text(LEGACY, encoding="utf-8")
    (tmp_path / "compose.log").mkdir()
    (tmp_path / "compose.log" / "compose.yaml").write_text(LEGACY, encoding="utf-8")
    done = run(tmp_path, "--check", ".")
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(f"would migrate {folder.name}/compose.yaml (services: app)\n")
    assert "compose.log" not in done.stderr


def test_lint_never_expands_an_alias_bomb_in_device_ids(tmp_path: Path) -> None:
    """A billion laughs as a device id: lint reports it in a moment, under 512 MB."""
    lines = ['x-a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in "bcdefghij":
        lines.append(f"x-{level}: &{level} [" + ", ".join([f"*{chr(ord(level) - 1)}"] * 9) + "]")
    text = "\n".join(lines) + (
        "\nservices:\n  app:\n    deploy:\n      resources:\n        reservations:\n"
        "          devices:\n            - driver: nvidia\n              device_ids: [*j]\n"
        "              capabilities: [gpu]\n"
    )
    (tmp_path / "compose.yaml").write_text(text, encoding="utf-8")

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (512 * 2**20, 512 * 2**20))

    done = subprocess.run(
        [sys.executable, "-m", "composemigrate", "lint", "compose.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=GUARD,
        preexec_fn=cap,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "compose.yaml:10:6: CM104 error: device_ids entries must be strings\n" in done.stdout
