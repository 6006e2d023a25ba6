"""Golden cases in ``tests/fixtures/lint/<case>/``: exact text and JSON output, byte-exact fixes.

Each case has ``input.yaml``, ``expected.txt`` and ``expected.json`` (stdout of ``lint`` run in
the case folder), optionally ``fixed.yaml`` (what ``--fix`` writes; absent = nothing to fix) and
``args`` (extra flags, one per line). Docker Compose itself checks that lint's errors are real.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from oracles import compose_config

from composemigrate.diff import unified_diff
from composemigrate.lint import LintFinding, fix_text, lint_text
from composemigrate.lint.command import lint

FIXTURES = Path(__file__).parent / "fixtures" / "lint"
CASES = sorted(path for path in FIXTURES.iterdir() if path.is_dir())
COMPOSE_REFUSES = {"CM101", "CM102", "CM104", "CM105", "CM106"}
"""Rules whose every finding is something Docker Compose refuses."""


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def _args(case: Path) -> list[str]:
    args = case / "args"
    return args.read_text(encoding="utf-8").split() if args.exists() else []


def _remaining(case: Path) -> list[LintFinding]:
    """What lint still reports after the fixes, on the host the case's ``--gpus=N`` describes."""
    host = [int(arg.partition("=")[2]) for arg in _args(case) if arg.startswith("--gpus=")]
    return lint_text(_fixed(case), gpus=host[0] if host else None, path="input.yaml")


def _fixed(case: Path) -> str:
    fixed = case / "fixed.yaml"
    return _read(fixed) if fixed.exists() else _read(case / "input.yaml")


def _invoke(folder: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> Result:
    """Run ``lint`` in ``folder`` with a PATH that has no nvidia-smi."""
    monkeypatch.chdir(folder)
    return CliRunner().invoke(lint, args, env={"PATH": os.devnull})


@pytest.fixture(params=CASES, ids=[case.name for case in CASES])
def case(request: pytest.FixtureRequest) -> Path:
    path: Path = request.param
    return path


def test_text_output(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _invoke(case, [*_args(case), "input.yaml"], monkeypatch)
    expected = _read(case / "expected.txt")
    assert result.stdout == expected
    assert result.exit_code == (1 if " error: " in expected else 0)


def test_json_output(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _invoke(case, [*_args(case), "--format", "json", "input.yaml"], monkeypatch)
    assert result.stdout == _read(case / "expected.json")


def test_fix_is_byte_exact_and_idempotent(case: Path) -> None:
    source = _read(case / "input.yaml")
    fixed = fix_text(source)
    assert fixed.text == _fixed(case)
    assert fixed.changed == (case / "fixed.yaml").exists()
    assert not fix_text(fixed.text).changed
    assert not [finding for finding in lint_text(fixed.text) if finding.fix]


def test_fix_writes_the_file(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copyfile(case / "input.yaml", tmp_path / "input.yaml")
    result = _invoke(tmp_path, [*_args(case), "--fix", "input.yaml"], monkeypatch)
    assert _read(tmp_path / "input.yaml") == _fixed(case)
    assert result.stdout == "".join(f.render("input.yaml") + "\n" for f in _remaining(case))


def test_dry_run_prints_the_diff_and_writes_nothing(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copyfile(case / "input.yaml", tmp_path / "input.yaml")
    args = [*_args(case), "--fix", "--dry-run", "--no-color", "input.yaml"]
    result = _invoke(tmp_path, args, monkeypatch)
    source = _read(case / "input.yaml")
    assert _read(tmp_path / "input.yaml") == source
    diff = result.stdout_bytes.decode("utf-8")  # .stdout would turn CRLF into LF
    assert diff == unified_diff("input.yaml", source, _fixed(case))
    errors_left = any(f.severity == "error" for f in _remaining(case))
    changed = (case / "fixed.yaml").exists()
    assert result.exit_code == (1 if changed or errors_left else 0)


def test_compose_agrees_with_the_errors(case: Path) -> None:
    """Compose refuses every input where a Compose rule fires, and accepts every file (input or
    fixed) where lint finds no error."""
    for name in ("input.yaml", "fixed.yaml"):
        path = case / name
        if not path.exists():
            continue
        text = _read(path)
        findings = lint_text(text)
        outcome = compose_config(text)
        if any(f.code in COMPOSE_REFUSES for f in findings):
            assert not outcome.ok, f"{name}: Compose accepts what lint calls invalid"
        if not any(f.severity == "error" for f in findings):
            assert outcome.ok, f"{name}: Compose refuses it: {outcome.error}"
