"""CI-facing flags through the real command line: --strict, inline suppressions, lint --select /
--ignore, lint on stdin, and GitHub annotations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clirun import cli

REFUSED = (
    "services:\n"
    "  kept:{mark}\n"
    "    image: nvidia/cuda\n"
    "    runtime: nvidia\n"
    "    environment:\n"
    "      - NVIDIA_VISIBLE_DEVICES\n"
)
INVALID = (
    "services:\n"
    "  app:\n"
    "    image: nvidia/cuda\n"
    "    gpus:\n"
    "      - count: two{mark}\n"
    "      - device_ids: ['all']\n"
)


@pytest.mark.parametrize("flags", [[], ["--check"]])
def test_strict_fails_on_a_refused_service(tmp_path: Path, flags: list[str]) -> None:
    (tmp_path / "compose.yaml").write_text(REFUSED.format(mark=""))
    plain = cli(tmp_path, "--to-devices", *flags, "compose.yaml")
    assert plain.returncode == 0
    strict = cli(tmp_path, "--to-devices", "--strict", *flags, "compose.yaml")
    assert strict.returncode == 1
    assert strict.stderr.splitlines()[-1] == (
        "0 files would be migrated, 0 unchanged, 1 skipped with warnings, 0 failed; "
        "1 service left unchanged fail --strict."
        if flags
        else "0 files migrated, 0 unchanged, 1 skipped with warnings, 0 failed; "
        "1 service left unchanged fail --strict."
    )


def test_strict_on_stdin(tmp_path: Path) -> None:
    done = cli(tmp_path, "--to-devices", "--strict", "-", stdin=REFUSED.format(mark=""))
    assert done.returncode == 1
    assert done.stdout == REFUSED.format(mark="")


@pytest.mark.parametrize(
    "mark",
    [
        "  # composemigrate: ignore[CM505]",
        "  # composemigrate: ignore[CM5]",
        "  # composemigrate: ignore",
        "  # composemigrate: ignore[CM999, CM505]",
    ],
)
def test_a_suppressed_refusal_passes_strict_and_is_listed(tmp_path: Path, mark: str) -> None:
    text = REFUSED.format(mark=mark)
    (tmp_path / "compose.yaml").write_text(text)
    done = cli(tmp_path, "--to-devices", "--check", "--strict", "compose.yaml")
    assert (done.returncode, done.stdout) == (0, "")
    assert ": warning:" not in done.stderr
    verbose = cli(tmp_path, "--to-devices", "--check", "--strict", "-v", "compose.yaml")
    assert "compose.yaml:6:9: suppressed: CM505 service 'kept'" in verbose.stderr
    report = cli(tmp_path, "--to-devices", "--check", "--report", "json", "compose.yaml")
    entry = json.loads(report.stdout)["files"][0]
    assert (entry["status"], entry["warnings"]) == ("unchanged", [])
    assert [item["code"] for item in entry["suppressed"]] == ["CM505"]
    assert (tmp_path / "compose.yaml").read_text() == text


def test_a_suppression_for_another_code_suppresses_nothing(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(REFUSED.format(mark="  # composemigrate: ignore[CM2]"))
    done = cli(tmp_path, "--to-devices", "--check", "--strict", "compose.yaml")
    assert done.returncode == 1
    assert "warning: CM505" in done.stderr


def test_lint_suppression_select_and_ignore(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(INVALID.format(mark=""))
    both = cli(tmp_path, "lint", "compose.yaml")
    assert [line.split()[1] for line in both.stdout.splitlines()] == ["CM103", "CM202"]
    assert both.returncode == 1
    only = cli(tmp_path, "lint", "--select", "CM2", "compose.yaml")
    assert ([line.split()[1] for line in only.stdout.splitlines()], only.returncode) == (
        ["CM202"],
        0,
    )
    ignored = cli(tmp_path, "lint", "--ignore", "cm103,CM202", "compose.yaml")
    assert (ignored.stdout, ignored.returncode) == ("", 0)
    (tmp_path / "compose.yaml").write_text(INVALID.format(mark="  # composemigrate: ignore[CM103]"))
    kept = cli(tmp_path, "lint", "-v", "--format", "json", "compose.yaml")
    document = json.loads(kept.stdout)
    assert [f["code"] for f in document["files"][0]["findings"]] == ["CM202"]
    assert [f["code"] for f in document["files"][0]["suppressed"]] == ["CM103"]
    assert document["totals"]["error"] == 0
    assert kept.returncode == 0
    assert "compose.yaml:5:16: suppressed: CM103 error: count must be" in kept.stderr


def test_lint_reads_stdin_with_a_name_and_prints_fixes(tmp_path: Path) -> None:
    text = "services:\n  app:\n    gpus: [{driver: NVIDIA, count: 1}]\n"
    done = cli(tmp_path, "lint", "--stdin-filename", "deploy/compose.yaml", "-", stdin=text)
    assert done.returncode == 1
    assert done.stdout.startswith("deploy/compose.yaml:3:21: CM109 error: driver 'NVIDIA'")
    fixed = cli(tmp_path, "lint", "--fix", "-", stdin=text)
    assert fixed.stdout == text.replace("NVIDIA", "nvidia")
    assert fixed.returncode == 0
    usage = cli(tmp_path, "lint", "--stdin-filename", "x.yaml", "compose.yaml")
    assert usage.returncode == 2
    assert "--stdin-filename names the text read from -" in usage.stderr


def test_github_annotations(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(INVALID.format(mark=""))
    (tmp_path / "legacy.yaml").write_text(REFUSED.format(mark=""))
    lint = cli(tmp_path, "lint", "--format", "github", "compose.yaml")
    assert lint.stdout.splitlines() == [
        "::error file=compose.yaml,line=5,col=16,title=CM103 invalid-count::count must be a "
        "positive integer or 'all', not 'two'",
        "::warning file=compose.yaml,line=6,col=22,title=CM202 device-ids-all::device_ids: "
        "['all'] names a device called 'all'; write count: all",
    ]
    migrate = cli(tmp_path, "--to-devices", "--check", "--format", "github", "legacy.yaml")
    assert migrate.stdout.splitlines() == [
        "::warning file=legacy.yaml,line=6,col=9,title=CM505::service 'kept': "
        "NVIDIA_VISIBLE_DEVICES takes its value from the shell; it is not known; left unchanged",
    ]
    (tmp_path / "short.yaml").write_text("services:\n  a:\n    runtime: nvidia\n")
    pending = cli(tmp_path, "--to-devices", "--check", "--report", "github", "short.yaml")
    assert pending.returncode == 1
    assert pending.stdout == (
        "::error file=short.yaml,title=composemigrate::would be migrated by "
        "composemigrate --to-devices (services: a)\n"
    )
