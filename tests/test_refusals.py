"""Every refusal has a stable code, a README row, and bad env files fail one service alone."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from composemigrate import migrate
from composemigrate.refusals import REFUSALS

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "src" / "composemigrate"

SERVICE = """\
services:
  train:
    image: nvidia/cuda:12.4.1-base-ubuntu22.04
    runtime: nvidia
    env_file: gpu.env
  serve:
    image: nvidia/cuda:12.4.1-base-ubuntu22.04
    runtime: nvidia
"""


def test_readme_has_a_row_for_every_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for refusal in REFUSALS.values():
        assert f"| {refusal.code} | {refusal.what} | {refusal.next_step} |" in readme


def test_every_code_used_in_the_sources_is_registered() -> None:
    used: set[str] = set()
    for path in SOURCES.rglob("*.py"):
        used |= set(re.findall(r"refusals\.([A-Z_]+)", path.read_text(encoding="utf-8")))
    import composemigrate.refusals as module

    codes = {name: getattr(module, name) for name in used if name != "REFUSALS"}
    assert codes, "no refusal code is used"
    assert set(codes.values()) <= set(REFUSALS)


def test_no_message_shows_a_python_repr() -> None:
    text = (
        "services:\n  a:\n    image: x\n    deploy:\n      resources:\n        reservations:\n"
        "          devices:\n            - driver: nvidia\n              device_ids: []\n"
        "              capabilities: [gpu]\n"
    )
    for to in ("runtime", "gpus"):
        result = migrate(text, to)
        assert not result.changed
        (warning,) = result.warnings
        assert warning.code == "CM510"
        assert "<" not in warning.message and "Unsupported(" not in warning.message


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda p: p.mkdir(), "env_file gpu.env is a folder"),
        (lambda p: p.write_bytes(b"NVIDIA_VISIBLE_DEVICES=1\0\n"), "env_file gpu.env is binary"),
        (lambda p: p.write_bytes(b"NVIDIA_VISIBLE_DEVICES=\xff\n"), "is not UTF-8 text"),
        (lambda p: None, "env_file gpu.env does not exist"),
    ],
    ids=["folder", "binary", "not-utf8", "missing"],
)
def test_a_bad_env_file_leaves_its_service_alone(tmp_path: Path, make: object, why: str) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text(SERVICE, encoding="utf-8")
    assert callable(make)
    make(tmp_path / "gpu.env")
    done = subprocess.run(
        [sys.executable, "-m", "composemigrate", "--to-devices", "compose.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (warning,) = [line for line in done.stderr.splitlines() if ": warning: " in line]
    assert warning.startswith("compose.yaml:5:5: warning: CM513 service 'train': ")
    assert why in warning
    new = compose.read_text(encoding="utf-8")
    assert "  train:\n    image: nvidia/cuda:12.4.1-base-ubuntu22.04\n    runtime: nvidia\n" in new
    assert "  serve:\n    image: nvidia/cuda:12.4.1-base-ubuntu22.04\n    deploy:\n" in new
