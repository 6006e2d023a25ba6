"""``composemigrate lint`` as a command: exit codes, streams, discovery, the host's GPU count."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from composemigrate import fileio
from composemigrate.lint.command import host_gpus, lint

CLEAN = "services:\n  app:\n    gpus: all\n"
WARNING = "services:\n  app:\n    runtime: nvidia\n    gpus: all\n"
ERROR = "services:\n  app:\n    gpus: '0'\n"
ERROR_FINDING = "{}:3:11: CM106 error: gpus must be 'all' or a list of device requests, not '0'\n"
FOUR = """\
services:
  app:
    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              count: 4
              capabilities: [gpu]
"""
SMI_TWO_GPUS = """\
GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-5b3b8b0e-0000-0000-0000-000000000000)
  MIG 1g.5gb      Device  0: (UUID: MIG-11111111-0000-0000-0000-000000000000)
GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-5b3b8b0e-0000-0000-0000-000000000001)
"""


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with an empty ``bin`` as the whole PATH (no nvidia-smi)."""
    (tmp_path / "bin").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    return tmp_path


def _nvidia_smi(work: Path, output: str, status: int = 0) -> None:
    script = work / "bin" / "nvidia-smi"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "if sys.argv[1:] != ['-L']:\n"
        "    sys.exit(64)\n"
        f"sys.stdout.write({output!r})\n"
        f"sys.exit({status})\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _lint(*args: str) -> Result:
    return CliRunner().invoke(lint, list(args))


@pytest.mark.parametrize(
    ("text", "status"), [(CLEAN, 0), (WARNING, 0), (ERROR, 1)], ids=["clean", "warning", "error"]
)
def test_exit_status_follows_the_worst_severity(work: Path, text: str, status: int) -> None:
    _write(work / "compose.yaml", text)
    assert _lint("compose.yaml").exit_code == status


def test_an_unreadable_file_exits_2_and_the_rest_is_still_linted(work: Path) -> None:
    _write(work / "a.yaml", ERROR)
    (work / "b.yaml").write_bytes(b"services:\n  x: \xff\n")
    _write(work / "c.yaml", "services:\n  x: [\n")
    result = _lint("a.yaml", "b.yaml", "c.yaml", "missing.yaml")
    assert (result.exit_code, result.stdout) == (2, ERROR_FINDING.format("a.yaml"))
    assert result.stderr == (
        "b.yaml: error: not UTF-8 (byte 0xff at offset 15)\n"
        "c.yaml:3:1: error: invalid YAML: expected the node content, but found '<stream end>'\n"
        "missing.yaml: error: no such file\n"
        "1 error, 0 warnings, 0 info in 4 files; 3 failed.\n"
    )


def test_max_size_refuses_a_file_before_parsing_it(work: Path) -> None:
    padding = ("# " + "x" * 97 + "\n") * 12_000
    _write(work / "big.yaml", ERROR + padding)
    _write(work / "small.yaml", ERROR)
    result = _lint("--max-size", "1", "big.yaml", "small.yaml")
    assert (result.exit_code, result.stdout) == (2, ERROR_FINDING.format("small.yaml"))
    assert result.stderr == (
        "big.yaml: error: 1.2 MB is more than --max-size allows (1 MB); file left unchanged\n"
        "1 error, 0 warnings, 0 info in 2 files; 1 failed.\n"
    )
    assert _lint("--max-size", "2", "big.yaml").exit_code == 1
    assert _lint("--max-size", "0", "big.yaml").exit_code == 1


def test_json_reports_failed_files(work: Path) -> None:
    result = _lint("--format", "json", "missing.yaml")
    document = json.loads(result.stdout)
    assert result.exit_code == 2
    assert document["files"] == [
        {
            "path": "missing.yaml",
            "error": {"line": 0, "column": 0, "message": "no such file"},
            "fixed": 0,
            "findings": [],
            "suppressed": [],
        }
    ]
    assert document["totals"]["failed"] == 1


def test_directories_are_walked_for_compose_files(work: Path) -> None:
    _write(work / "svc" / "compose.yaml", ERROR)
    _write(work / "svc" / "docker-compose.gpu.yml", WARNING)
    _write(work / "svc" / "values.yaml", ERROR)
    _write(work / "svc" / "node_modules" / "compose.yaml", ERROR)
    result = _lint("svc")
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [
        "svc/compose.yaml",
        "svc/docker-compose.gpu.yml",
    ]
    assert _lint("--exclude", "compose.yaml", "svc").exit_code == 0


def test_the_host_gpu_count_comes_from_nvidia_smi(work: Path) -> None:
    _write(work / "compose.yaml", FOUR)
    _nvidia_smi(work, SMI_TWO_GPUS)
    result = _lint("compose.yaml")
    assert result.exit_code == 1
    assert result.stdout == (
        "compose.yaml:8:22: CM107 error: count: 4 is more than the host has (2 GPUs)\n"
    )
    assert result.stderr.startswith("checking against the 2 GPU(s) that nvidia-smi -L lists\n")


def test_gpus_flag_wins_over_nvidia_smi(work: Path) -> None:
    _write(work / "compose.yaml", FOUR)
    _nvidia_smi(work, SMI_TWO_GPUS)
    result = _lint("--gpus", "8", "compose.yaml")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "nvidia-smi" not in result.stderr


@pytest.mark.parametrize(
    ("output", "status", "expected"),
    [
        (SMI_TWO_GPUS, 0, 2),
        ("", 0, 0),
        ("NVIDIA-SMI has failed because it couldn't communicate with the driver\n", 9, None),
    ],
    ids=["two-gpus-with-mig", "no-gpu", "driver-missing"],
)
def test_host_gpus(work: Path, output: str, status: int, expected: int | None) -> None:
    _nvidia_smi(work, output, status)
    assert host_gpus() == expected


def test_without_nvidia_smi_the_host_rule_is_skipped(work: Path) -> None:
    _write(work / "compose.yaml", FOUR)
    assert host_gpus() is None
    result = _lint("compose.yaml")
    assert (result.exit_code, result.stdout) == (0, "")


def test_fix_writes_only_files_that_change(work: Path) -> None:
    broken = _write(work / "compose.yaml", ERROR.replace("gpus: '0'", "gpus: [{device_ids: [0]}]"))
    clean = _write(work / "other" / "compose.yaml", CLEAN)
    clean.chmod(0o444)
    result = _lint("--fix", "compose.yaml", "other")
    assert result.exit_code == 0
    assert broken.read_text(encoding="utf-8") == CLEAN.replace(
        "gpus: all", "gpus: [{device_ids: ['0']}]"
    )
    assert result.stderr == "0 errors, 0 warnings, 0 info in 2 files; 1 fixed.\n"
    assert stat.S_IMODE(clean.stat().st_mode) == 0o444


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dry-run"], "--dry-run shows what --fix would change: give --fix too"),
        (["--fix", "--dry-run", "--format", "json"], "--dry-run prints a diff"),
    ],
)
def test_usage_errors(work: Path, args: list[str], message: str) -> None:
    _write(work / "compose.yaml", CLEAN)
    result = _lint(*args, "compose.yaml")
    assert result.exit_code == 2
    assert message in result.stderr


def test_dry_run_findings_go_to_stderr_so_stdout_stays_a_patch(work: Path) -> None:
    _write(work / "compose.yaml", WARNING)
    result = _lint("--fix", "--dry-run", "--no-color", "compose.yaml")
    assert result.exit_code == 1
    assert result.stdout == (
        "--- a/compose.yaml\n"
        "+++ b/compose.yaml\n"
        "@@ -1,4 +1,3 @@\n"
        " services:\n"
        "   app:\n"
        "-    runtime: nvidia\n"
        "     gpus: all\n"
    )
    assert result.stderr == "0 errors, 0 warnings, 0 info in 1 file; 1 would be fixed.\n"
    assert (work / "compose.yaml").read_text(encoding="utf-8") == WARNING


def test_a_fix_that_cannot_be_written_fails_the_file(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _write(work / "compose.yaml", WARNING)

    def refuse(source: fileio.Source, text: str) -> None:
        raise fileio.WriteError("read-only file system")

    monkeypatch.setattr(fileio, "write_atomic", refuse)
    result = _lint("--fix", "compose.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("compose.yaml: error: read-only file system\n")
    assert target.read_text(encoding="utf-8") == WARNING


def test_findings_stream_out_before_the_last_file_is_linted(tmp_path: Path) -> None:
    """The real command on a pipe: the first file's finding is read while lint is still at work
    on the hundreds of files after it (text output is written file by file, not at the end), so
    the last file, made clean at that moment, is linted as clean."""
    names = [f"f{number:03}.yaml" for number in range(400)]
    body = "".join(f"  s{n}:\n    runtime: nvidia\n    gpus: all\n" for n in range(30))
    for name in names:
        _write(tmp_path / name, "services:\n" + body)
    process = subprocess.Popen(
        [sys.executable, "-m", "composemigrate", "lint", *names],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    _write(tmp_path / names[-1], CLEAN)
    rest = process.stdout.read().splitlines()
    assert process.wait(timeout=120) == 0
    assert first.startswith("f000.yaml:3:5: CM2")
    assert rest[-1].startswith("f398.yaml:")
