"""The command line, through click's runner and as real processes: exit codes, stdin, diffs,
check mode, in-place writes, messages, reports, parallel runs and git repositories."""

from __future__ import annotations

import json
import os
import random
import shutil
import stat
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from composemigrate import __version__
from composemigrate.cli import cli, main

LEGACY = (
    "services:\n"
    "  app:\n"
    "    image: nvidia/cuda:12.4.0-base-ubuntu22.04  # pinned\n"
    "    runtime: nvidia\n"
    "    environment:\n"
    "      - NVIDIA_VISIBLE_DEVICES=0,1\n"
    "      - NVIDIA_DRIVER_CAPABILITIES=compute,utility\n"
    "      - TZ=UTC\n"
    "  db:\n"
    "    image: postgres:16\n"
)
MIGRATED = (
    "services:\n"
    "  app:\n"
    "    image: nvidia/cuda:12.4.0-base-ubuntu22.04  # pinned\n"
    "    deploy:\n"
    "      resources:\n"
    "        reservations:\n"
    "          devices:\n"
    "            - driver: nvidia\n"
    "              device_ids: ['0', '1']\n"
    "              capabilities: [gpu, compute, utility]\n"
    "    environment:\n"
    "      - TZ=UTC\n"
    "  db:\n"
    "    image: postgres:16\n"
)
DIFF_BODY = (
    "@@ -1,10 +1,14 @@\n"
    " services:\n"
    "   app:\n"
    "     image: nvidia/cuda:12.4.0-base-ubuntu22.04  # pinned\n"
    "-    runtime: nvidia\n"
    "+    deploy:\n"
    "+      resources:\n"
    "+        reservations:\n"
    "+          devices:\n"
    "+            - driver: nvidia\n"
    "+              device_ids: ['0', '1']\n"
    "+              capabilities: [gpu, compute, utility]\n"
    "     environment:\n"
    "-      - NVIDIA_VISIBLE_DEVICES=0,1\n"
    "-      - NVIDIA_DRIVER_CAPABILITIES=compute,utility\n"
    "       - TZ=UTC\n"
    "   db:\n"
    "     image: postgres:16\n"
)
SHORT = "services:\n  app:\n    runtime: nvidia\n"
SHORT_GPUS = "services:\n  app:\n    gpus: all\n"
PLAIN = "services:\n  web:\n    image: nginx\n"
VARIABLE = "services:\n  app:\n    image: nvidia/cuda\n    runtime: ${RUNTIME}\n"
VARIABLE_MESSAGE = "service 'app': runtime is set from ${RUNTIME}; left unchanged"
VARIABLE_WARNING = f"CM504 {VARIABLE_MESSAGE}"
INVALID = "services:\n  app:\n    runtime: nvidia\n  - oops\n"
INVALID_ERROR = "error: invalid YAML: expected <block end>, but found '-'"
BOM = "\ufeff"
STAMP = 1_000_000_000_000_000_000
"""An mtime far in the past, so that any write shows."""


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


HINT = "To write these changes, run the same command without --check/--dry-run."


def summary(
    changed: int, unchanged: int, skipped: int, failed: int, *, done: str, hint: bool = False
) -> str:
    """The closing lines: totals, then the next step when a check found work (only said on a
    terminal: a hook or a CI log gets no advice to run the command again)."""
    files = f"{changed} file{'' if changed == 1 else 's'}"
    line = (
        f"{files} {done}, {unchanged} unchanged, {skipped} skipped with warnings, {failed} failed."
    )
    return line + (f"\n{HINT}" if hint and done != "migrated" and changed else "")


def invoke(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin, env=env)


def launchers() -> list[list[str]]:
    """``python -m composemigrate`` and the installed console script."""
    script = shutil.which("composemigrate", path=str(Path(sys.executable).parent))
    found = [[sys.executable, "-m", "composemigrate"]]
    return [*found, [script]] if script else found


def run(
    argv: Sequence[str],
    cwd: Path,
    *,
    stdin: bytes = b"",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | (env or {})
    return subprocess.run(
        list(argv), cwd=cwd, input=stdin, env=environ, capture_output=True, check=False
    )


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's directory, made current so that messages name files as given."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


# Exit codes and usage errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["compose.yaml"],
            "give exactly one of --to-runtime, --to-devices, --to-gpus, --to-cdi",
            id="none",
        ),
        pytest.param(
            ["--to-devices", "--to-gpus", "compose.yaml"],
            "give exactly one of --to-runtime, --to-devices, --to-gpus, --to-cdi",
            id="two-directions",
        ),
        pytest.param(
            ["--to-devices"],
            "give at least one PATH (or - for stdin), or --repos-from FILE",
            id="no-path",
        ),
        pytest.param(
            ["--to-devices", "-", "compose.yaml"],
            "- (stdin) cannot be mixed with other paths",
            id="stdin-and-path",
        ),
        pytest.param(
            ["--to-devices", "--git-commit", "compose.yaml"],
            "--git-commit needs --git-branch NAME",
            id="commit-without-branch",
        ),
        pytest.param(
            ["--to-devices", "--jobs", "0", "compose.yaml"],
            "Invalid value for '-j' / '--jobs': 0 is not in the range x>=1.",
            id="zero-jobs",
        ),
    ],
)
def test_usage_errors_exit_2_and_touch_nothing(
    workdir: Path, args: list[str], message: str
) -> None:
    write(workdir / "compose.yaml", LEGACY)
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.endswith(f"\nError: {message}\n")
    assert (workdir / "compose.yaml").read_text() == LEGACY


@pytest.mark.parametrize("launcher", launchers(), ids=lambda argv: Path(argv[-1]).name)
def test_exit_codes_of_real_processes(tmp_path: Path, launcher: list[str]) -> None:
    write(tmp_path / "legacy.yaml", LEGACY)
    write(tmp_path / "plain.yaml", PLAIN)
    write(tmp_path / "invalid.yaml", INVALID)
    codes = [
        run([*launcher, *args], tmp_path).returncode
        for args in (
            ["--to-devices", "--check", "plain.yaml"],
            ["--to-devices", "--check", "legacy.yaml", "plain.yaml"],
            ["--to-devices", "--dry-run", "legacy.yaml"],
            ["--to-devices", "legacy.yaml"],
            ["--to-devices", "--check", "legacy.yaml"],
            ["--to-devices", "invalid.yaml"],
            ["--to-devices", "--to-gpus", "plain.yaml"],
        )
    ]
    assert codes == [0, 1, 1, 0, 0, 2, 2]
    assert (tmp_path / "legacy.yaml").read_text() == MIGRATED


def test_main_returns_the_exit_status(workdir: Path) -> None:
    write(workdir / "compose.yaml", LEGACY)
    assert main(["--to-devices", "--check", "-q", "compose.yaml"]) == 1
    assert main(["--to-devices", "-q", "compose.yaml"]) == 0
    assert main(["--to-devices", "--check", "-q", "compose.yaml"]) == 0
    assert main(["--to-gpus", "--to-runtime", "compose.yaml"]) == 2
    assert main(["--version"]) == 0


# stdin mode


@pytest.mark.parametrize(
    ("to", "old", "new"),
    [
        pytest.param("--to-devices", LEGACY, MIGRATED, id="lf"),
        pytest.param("--to-devices", crlf(LEGACY), crlf(MIGRATED), id="crlf"),
        pytest.param("--to-gpus", BOM + SHORT, BOM + SHORT_GPUS, id="bom"),
        pytest.param("--to-gpus", SHORT[:-1], SHORT_GPUS[:-1], id="no-final-newline"),
    ],
)
def test_stdin_to_stdout_keeps_bytes(tmp_path: Path, to: str, old: str, new: str) -> None:
    expected = new.encode()
    via_runner = invoke(to, "-", stdin=old.encode())
    assert (via_runner.exit_code, via_runner.stdout_bytes, via_runner.stderr) == (0, expected, "")
    for launcher in launchers():
        done = run([*launcher, to, "-"], tmp_path, stdin=old.encode())
        assert (done.returncode, done.stdout, done.stderr) == (0, expected, b"")


def test_stdin_with_nothing_to_do_comes_back_unchanged() -> None:
    result = invoke("--to-devices", "-", stdin=PLAIN.encode())
    assert (result.exit_code, result.stdout, result.stderr) == (0, PLAIN, "")


def test_stdin_check_and_dry_run_write_no_yaml() -> None:
    check = invoke("--to-devices", "--check", "-", stdin=LEGACY.encode())
    assert (check.exit_code, check.stdout) == (1, "")
    diff = invoke("--to-devices", "--dry-run", "-", stdin=LEGACY.encode())
    assert diff.exit_code == 1
    assert diff.stdout == "--- a/stdin\n+++ b/stdin\n" + DIFF_BODY
    clean = invoke("--to-devices", "--check", "-", stdin=MIGRATED.encode())
    assert (clean.exit_code, clean.stdout) == (0, "")


def test_stdin_warnings_go_to_stderr() -> None:
    result = invoke("--to-devices", "-", stdin=VARIABLE.encode())
    assert result.exit_code == 0
    assert result.stdout == VARIABLE
    assert result.stderr == f"<stdin>:4:5: warning: {VARIABLE_WARNING}\n"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(INVALID.encode(), f"<stdin>:4:3: {INVALID_ERROR}", id="invalid-yaml"),
        pytest.param(
            b"services:\n  app:\n    runtime: nvidia\n    x: caf\xe9\n",
            "<stdin>: error: not UTF-8 (byte 0xe9 at offset 47)",
            id="latin-1",
        ),
        pytest.param(
            b"services:\n  app:\n    runtime: nvidia\x00\n",
            "<stdin>: error: binary file (NUL byte)",
            id="nul",
        ),
    ],
)
def test_stdin_errors_are_one_line_and_print_no_yaml(data: bytes, error: str) -> None:
    """The same messages as for a file (see test_errors_leave_the_file_untouched)."""
    result = invoke("--to-devices", "-", stdin=data)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", error + "\n")


# --dry-run, colour


def test_dry_run_prints_the_exact_diff_and_writes_nothing(workdir: Path) -> None:
    path = write(workdir / "compose.yaml", LEGACY)
    os.utime(path, ns=(STAMP, STAMP))
    for flag in ("--dry-run", "--diff"):
        result = invoke("--to-devices", flag, "compose.yaml")
        assert result.exit_code == 1
        assert result.stdout == "--- a/compose.yaml\n+++ b/compose.yaml\n" + DIFF_BODY
        assert result.stderr == (
            "would migrate compose.yaml (services: app)\n"
            + summary(1, 0, 0, 0, done="would be migrated")
            + "\n"
        )
    assert path.read_text() == LEGACY
    assert path.stat().st_mtime_ns == STAMP


def test_dry_run_headers_name_nested_and_absolute_paths(workdir: Path) -> None:
    write(workdir / "deploy" / "compose.yaml", SHORT)
    nested = invoke("--to-gpus", "--dry-run", "deploy/compose.yaml")
    assert nested.stdout.startswith("--- a/deploy/compose.yaml\n+++ b/deploy/compose.yaml\n")
    absolute = invoke("--to-gpus", "--dry-run", str(workdir / "deploy" / "compose.yaml"))
    name = str(workdir / "deploy" / "compose.yaml").lstrip("/")
    assert absolute.stdout.startswith(f"--- a/{name}\n+++ b/{name}\n")


COLOURED = (
    "\x1b[1m--- a/compose.yaml\x1b[0m\n"
    "\x1b[1m+++ b/compose.yaml\x1b[0m\n"
    "\x1b[36m@@ -1,3 +1,3 @@\x1b[0m\n"
    " services:\n"
    "   app:\n"
    "\x1b[31m-    runtime: nvidia\x1b[0m\n"
    "\x1b[32m+    gpus: all\x1b[0m\n"
)
PLAIN_DIFF = (
    "--- a/compose.yaml\n+++ b/compose.yaml\n@@ -1,3 +1,3 @@\n"
    " services:\n   app:\n-    runtime: nvidia\n+    gpus: all\n"
)


@pytest.mark.parametrize(
    ("flags", "env", "expected"),
    [
        pytest.param([], {}, PLAIN_DIFF, id="not-a-terminal"),
        pytest.param(["--color"], {}, COLOURED, id="color"),
        pytest.param(["--color"], {"NO_COLOR": "1"}, COLOURED, id="color-beats-NO_COLOR"),
        pytest.param(["--no-color"], {}, PLAIN_DIFF, id="no-color"),
    ],
)
def test_colour_flags(workdir: Path, flags: list[str], env: dict[str, str], expected: str) -> None:
    write(workdir / "compose.yaml", SHORT)
    result = invoke("--to-gpus", "--dry-run", *flags, "compose.yaml", env=env)
    assert result.stdout == expected


def on_terminal(
    argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None, *, stream: str = "stdout"
) -> tuple[int, bytes]:
    """Run with ``stream`` (stdout or stderr) on a pseudo-terminal and the other one discarded:
    the exit code and what the terminal got."""
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | (env or {})
    streams = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, stream: follower}
    with subprocess.Popen(list(argv), cwd=cwd, env=environ, **streams) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the process closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait()
    os.close(leader)
    return process.returncode, b"".join(chunks).replace(b"\r\n", b"\n")


@pytest.mark.parametrize(
    ("flags", "env", "expected"),
    [
        pytest.param([], {}, COLOURED, id="terminal"),
        pytest.param([], {"NO_COLOR": "1"}, PLAIN_DIFF, id="NO_COLOR"),
        pytest.param([], {"NO_COLOR": ""}, COLOURED, id="empty-NO_COLOR"),
        pytest.param(["--no-color"], {}, PLAIN_DIFF, id="no-color"),
    ],
)
def test_colour_on_a_terminal(
    tmp_path: Path, flags: list[str], env: dict[str, str], expected: str
) -> None:
    write(tmp_path / "compose.yaml", SHORT)
    argv = [sys.executable, "-m", "composemigrate", "--to-gpus", "--dry-run", *flags]
    assert on_terminal([*argv, "compose.yaml"], tmp_path, env)[1] == expected.encode()


# --check


def test_check_lists_pending_files_writes_nothing_and_exits_1(workdir: Path) -> None:
    files = {"a.yaml": SHORT, "b.yaml": PLAIN, "c.yaml": LEGACY, "d.yaml": MIGRATED}
    for name, text in files.items():
        write(workdir / name, text)
    result = invoke("--to-devices", "--check", *files)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "would migrate a.yaml (services: app)\n"
        "would migrate c.yaml (services: app)\n"
        + summary(2, 2, 0, 0, done="would be migrated")
        + "\n"
    )
    assert {name: (workdir / name).read_text() for name in files} == files


# Writing in place


def test_write_in_place_changes_exactly_the_gpu_lines_and_keeps_the_mode(workdir: Path) -> None:
    path = write(workdir / "compose.yaml", LEGACY)
    path.chmod(0o640)
    result = invoke("--to-devices", "compose.yaml")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == (
        "migrated compose.yaml (services: app)\n" + summary(1, 0, 0, 0, done="migrated") + "\n"
    )
    assert path.read_bytes() == MIGRATED.encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in workdir.iterdir()) == ["compose.yaml"]

    again = invoke("--to-devices", "compose.yaml")
    assert (again.exit_code, again.stderr) == (0, summary(0, 1, 0, 0, done="migrated") + "\n")
    assert path.read_bytes() == MIGRATED.encode()


def test_write_in_place_keeps_crlf_bom_and_missing_final_newline(workdir: Path) -> None:
    path = write(workdir / "docker-compose.yml", BOM + crlf(LEGACY)[:-2])
    assert invoke("--to-devices", "docker-compose.yml").exit_code == 0
    assert path.read_bytes() == (BOM + crlf(MIGRATED)[:-2]).encode()


def test_files_with_nothing_to_do_are_not_written(workdir: Path) -> None:
    files = {"plain.yaml": PLAIN, "done.yaml": MIGRATED, "variable.yaml": VARIABLE}
    for name, text in files.items():
        os.utime(write(workdir / name, text), ns=(STAMP, STAMP))
    inodes = {name: (workdir / name).stat().st_ino for name in files}
    result = invoke("--to-devices", *files)
    assert result.exit_code == 0
    assert result.stderr == (
        f"variable.yaml:4:5: warning: {VARIABLE_WARNING}\n"
        + summary(0, 2, 1, 0, done="migrated")
        + "\n"
    )
    for name, text in files.items():
        after = (workdir / name).stat()
        assert (after.st_mtime_ns, after.st_ino) == (STAMP, inodes[name])
        assert (workdir / name).read_text() == text


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(INVALID.encode(), f"bad.yaml:4:3: {INVALID_ERROR}", id="invalid-yaml"),
        pytest.param(
            b"services:\n  app:\n    runtime: nvidia\n    x: a\x07b\n",
            "bad.yaml:4:9: error: invalid YAML: unacceptable character #x0007: "
            "special characters are not allowed",
            id="control-character",
        ),
        pytest.param(
            b"- runtime: nvidia\n", "bad.yaml:1:1: error: the top level is not a mapping", id="list"
        ),
        pytest.param(
            b"services: [nvidia]\n",
            "bad.yaml:1:11: error: services is not a mapping",
            id="services-list",
        ),
        pytest.param(
            b"services:\n  app:\n    runtime: nvidia\n    x: caf\xe9\n",
            "bad.yaml: error: not UTF-8 (byte 0xe9 at offset 47)",
            id="latin-1",
        ),
        pytest.param(
            b"services:\n  app:\n    runtime: nvidia\x00\n",
            "bad.yaml: error: binary file (NUL byte)",
            id="nul",
        ),
    ],
)
def test_errors_leave_the_file_untouched_and_the_others_migrated(
    workdir: Path, data: bytes, error: str
) -> None:
    bad = write(workdir / "bad.yaml", data)
    write(workdir / "good.yaml", LEGACY)
    result = invoke("--to-devices", "bad.yaml", "good.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        f"{error}\n"
        "migrated good.yaml (services: app)\n" + summary(1, 0, 0, 1, done="migrated") + "\n"
    )
    assert bad.read_bytes() == data
    assert (workdir / "good.yaml").read_text() == MIGRATED


def padded(text: str, size: int) -> str:
    """``text`` followed by comment lines up to ``size`` bytes."""
    line = "# " + "x" * 97 + "\n"
    return text + line * ((size - len(text)) // len(line))


def test_max_size_refuses_large_files_that_need_parsing(workdir: Path) -> None:
    big = write(workdir / "big.yaml", padded(SHORT, 1_200_000))
    plain = write(workdir / "plain.yaml", padded(PLAIN, 1_200_000))
    result = invoke("--to-gpus", "--max-size", "1", "big.yaml", "plain.yaml")
    assert (result.exit_code, result.stderr) == (
        2,
        "big.yaml: error: 1.2 MB is more than --max-size allows (1 MB); file left unchanged\n"
        + summary(0, 1, 0, 1, done="migrated")
        + "\n",
    )
    assert big.read_text() == padded(SHORT, 1_200_000)
    assert plain.read_text() == padded(PLAIN, 1_200_000)
    stdin = invoke("--to-gpus", "--max-size", "1", "-", stdin=big.read_bytes())
    assert (stdin.exit_code, stdin.stdout) == (2, "")
    assert stdin.stderr == "<stdin>: error: 1.2 MB is more than --max-size allows (1 MB); " + (
        "file left unchanged\n"
    )
    for limit in ("2", "0"):
        write(big, padded(SHORT, 1_200_000))
        result = invoke("--to-gpus", "--max-size", limit, "big.yaml")
        assert result.exit_code == 0, result.stderr
        assert big.read_text() == padded(SHORT_GPUS, 1_200_000 + len(SHORT_GPUS) - len(SHORT))


def test_missing_file_is_reported_and_others_still_migrated(workdir: Path) -> None:
    write(workdir / "good.yaml", SHORT)
    result = invoke("--to-gpus", "missing.yaml", "good.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        "missing.yaml: error: no such file\n"
        + "migrated good.yaml (services: app)\n"
        + summary(1, 0, 0, 1, done="migrated")
        + "\n"
    )
    assert (workdir / "good.yaml").read_text() == SHORT_GPUS


# --report json


def test_json_report(workdir: Path) -> None:
    files = {"a.yaml": LEGACY, "b.yaml": PLAIN, "c.yaml": VARIABLE, "d.yaml": INVALID}
    for name, text in files.items():
        write(workdir / name, text)
    result = invoke("--to-devices", "--dry-run", "--report", "json", *files)
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert set(report) == {
        "version",
        "direction",
        "mode",
        "interrupted",
        "files",
        "repositories",
        "totals",
        "projects",
        "pending",
    }
    assert report["projects"] == []
    assert (report["version"], report["direction"], report["mode"]) == (1, "devices", "diff")
    assert report["interrupted"] is False
    assert report["repositories"] == []
    assert report["totals"] == {"changed": 1, "unchanged": 1, "skipped": 1, "failed": 1}
    by_path = {entry["path"]: entry for entry in report["files"]}
    assert list(by_path) == list(files)
    assert {path: entry["status"] for path, entry in by_path.items()} == {
        "a.yaml": "changed",
        "b.yaml": "unchanged",
        "c.yaml": "skipped",
        "d.yaml": "failed",
    }
    assert by_path["a.yaml"] == {
        "path": "a.yaml",
        "repository": None,
        "status": "changed",
        "written": False,
        "services": ["app"],
        "project": [],
        "warnings": [],
        "suppressed": [],
        "error": None,
    }
    assert by_path["c.yaml"]["warnings"] == [
        {"line": 4, "column": 5, "code": "CM504", "message": VARIABLE_MESSAGE}
    ]
    assert by_path["d.yaml"]["error"] == {
        "line": 4,
        "column": 3,
        "code": None,
        "message": "invalid YAML: expected <block end>, but found '-'",
    }
    assert {name: (workdir / name).read_text() for name in files} == files


def test_json_report_after_writing(workdir: Path) -> None:
    write(workdir / "compose.yaml", SHORT)
    result = invoke("--to-gpus", "--report", "json", "compose.yaml")
    report = json.loads(result.stdout)
    assert (result.exit_code, report["mode"], report["direction"]) == (0, "write", "gpus")
    assert [(f["status"], f["written"]) for f in report["files"]] == [("changed", True)]


# Parallel runs


@pytest.mark.parametrize(("files", "bar"), [(9, True), (8, False)])
def test_progress_bar_on_a_terminal_for_more_than_eight_files(
    tmp_path: Path, files: int, bar: bool
) -> None:
    for index in range(files):
        write(tmp_path / f"svc{index}" / "compose.yaml", SHORT)
    argv = [sys.executable, "-m", "composemigrate", "--to-gpus", "--check", "."]
    code, output = on_terminal(argv, tmp_path, stream="stderr")
    terminal = output.decode()
    assert code == 1
    assert ("migrating" in terminal and "100%" in terminal) is bar
    assert f"{files} files would be migrated" in terminal
    assert HINT in terminal  # a person at a terminal is told how to write the changes
    code, quiet = on_terminal([*argv, "-q"], tmp_path, stream="stderr")
    assert (code, quiet.decode().strip()) == (1, summary(files, 0, 0, 0, done="would be migrated"))


def test_parallel_output_is_sorted_and_identical_to_serial(tmp_path: Path) -> None:
    names = [f"svc{index:02d}/compose.yaml" for index in range(24)]
    texts = [SHORT, LEGACY, PLAIN, VARIABLE]
    for index, name in random.Random(8).sample(list(enumerate(names)), len(names)):
        write(tmp_path / name, texts[index % len(texts)])
    write(tmp_path / "svc07" / "compose.yaml", INVALID)
    argv = [sys.executable, "-m", "composemigrate", "--to-devices", "--dry-run"]
    serial = run([*argv, "--jobs", "1", "."], tmp_path)
    parallel = run([*argv, "--jobs", "2", "."], tmp_path)
    assert serial.returncode == parallel.returncode == 2
    assert (parallel.stdout, parallel.stderr) == (serial.stdout, serial.stderr)
    headers = [line for line in serial.stdout.decode().split("\n") if line.startswith("--- a/")]
    assert headers == sorted(headers)
    assert len(headers) == 12
    assert serial.stderr.decode().endswith(
        "\n" + summary(12, 6, 5, 1, done="would be migrated") + "\n"
    )


def test_parallel_write_migrates_every_file(tmp_path: Path) -> None:
    names = [f"app{index:02d}/docker-compose.yml" for index in range(20)]
    for name in names:
        write(tmp_path / name, LEGACY)
    done = run([sys.executable, "-m", "composemigrate", "--to-devices", "-j", "2", "."], tmp_path)
    assert done.returncode == 0
    assert {(tmp_path / name).read_text() for name in names} == {MIGRATED}


# --version, --help


def test_version() -> None:
    expected = f"composemigrate, version {__version__}\n"
    assert invoke("--version").stdout == expected
    for launcher in launchers():
        done = run([*launcher, "--version"], Path.cwd())
        assert (done.returncode, done.stdout.decode()) == (0, expected)


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["migrate", "--help"]])
def test_help_shows_examples(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 0
    assert "Examples:\n" in result.stdout
    assert "  composemigrate --to-devices --dry-run compose.yaml  # show the diff" in result.stdout
    assert "  cat compose.yaml | composemigrate --to-runtime -    # stdin in" in result.stdout


def test_migrate_help_lists_every_flag() -> None:
    text = invoke("migrate", "--help").stdout
    for flag in (
        "--to-devices",
        "--to-runtime",
        "--to-gpus",
        "--dry-run, --diff",
        "--check",
        "--color / --no-color",
        "--report, --format [text|json|github|markdown|html]",
        "--report-file FILE",
        "--report-dir DIR",
        "--to-cdi",
        "--strict",
        "-j, --jobs",
        "--repos-from",
        "--git-branch NAME",
        "--git-commit",
        "-q, --quiet",
        "-v, --verbose",
    ):
        assert flag in text


def test_help_loads_no_yaml_or_python_parser(tmp_path: Path) -> None:
    """``--help`` stays fast because ruamel and libcst are imported only to migrate."""
    code = (
        "import sys\n"
        "from composemigrate.cli import main\n"
        "main(['--help'])\n"
        "print(sorted(m for m in ('ruamel.yaml', 'libcst') if m in sys.modules))\n"
    )
    done = run([sys.executable, "-c", code], tmp_path)
    assert done.returncode == 0
    assert done.stdout.decode().endswith("\n[]\n")


# Directories, --repos-from


def test_directories_are_walked_for_compose_files(workdir: Path) -> None:
    for name in (
        "compose.yaml",
        "sub/docker-compose.yml",
        "sub/compose.prod.yaml",
        "sub/other.yaml",
        "node_modules/pkg/compose.yaml",
    ):
        write(workdir / "tree" / name, SHORT)
    result = invoke("--to-gpus", "--check", "tree")
    assert result.exit_code == 1
    assert result.stderr == (
        "would migrate tree/compose.yaml (services: app)\n"
        "would migrate tree/sub/compose.prod.yaml (services: app)\n"
        "would migrate tree/sub/docker-compose.yml (services: app)\n"
        + summary(3, 0, 0, 0, done="would be migrated")
        + "\n"
    )


def test_repos_from_groups_the_report_by_listed_root(workdir: Path) -> None:
    write(workdir / "one" / "compose.yaml", SHORT)
    write(workdir / "two" / "compose.yaml", PLAIN)
    write(workdir / "two" / "x" / "docker-compose.yml", SHORT)
    write(workdir / "list" / "repos.txt", "# roots\n../one\n\n../two\n")
    result = invoke("--to-gpus", "--check", "--report", "json", "--repos-from", "list/repos.txt")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    one, two = (str((workdir / name).resolve()) for name in ("one", "two"))
    assert [(f["repository"], f["status"]) for f in report["files"]] == [
        (one, "changed"),
        (two, "unchanged"),
        (two, "changed"),
    ]
    assert report["repositories"] == [
        {"path": one, "totals": {"changed": 1, "unchanged": 0, "skipped": 0, "failed": 0}},
        {"path": two, "totals": {"changed": 1, "unchanged": 1, "skipped": 0, "failed": 0}},
    ]
    assert f"{two}: 1 file would be migrated, 1 unchanged" in result.stderr


def test_unreadable_repos_from_file(workdir: Path) -> None:
    result = invoke("--to-gpus", "--repos-from", "absent.txt")
    assert result.exit_code == 2
    assert result.stderr == "error: cannot read --repos-from file: No such file or directory\n"


# Git repositories


def git(repo: Path, *args: str) -> str:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    done = subprocess.run(
        ["git", "-C", str(repo), *identity, *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def make_repo(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "--quiet", "--initial-branch=main")
    for name, text in files.items():
        write(path / name, text)
    git(path, "add", "--all")
    git(path, "commit", "--quiet", "-m", "initial")
    return path


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@needs_git
def test_git_commit_in_clean_repositories_and_refuse_dirty_ones(workdir: Path) -> None:
    clean = make_repo(workdir / "clean", {"compose.yaml": SHORT, "README": "hi\n"})
    dirty = make_repo(workdir / "dirty", {"compose.yaml": SHORT})
    write(dirty / "scratch.txt", "work in progress\n")
    untouched = make_repo(workdir / "untouched", {"compose.yaml": PLAIN})
    write(workdir / "repos.txt", "clean\ndirty\nuntouched\n")

    result = invoke(
        "--to-gpus", "--repos-from", "repos.txt", "--git-branch", "gpus", "--git-commit"
    )

    assert result.exit_code == 2
    dirty_real = dirty.resolve()
    assert (
        "dirty/compose.yaml: error: not migrated: its repository was refused "
        "(see the repository line)\n"
    ) in result.stderr
    assert (
        f"{dirty_real}: error: work tree of {dirty_real} has uncommitted changes; "
        "commit or stash first; not migrated\n"
    ) in result.stderr
    assert "migrated clean/compose.yaml (services: app)\n" in result.stderr
    assert git(clean, "branch", "--show-current") == "gpus\n"
    assert git(clean, "log", "--format=%s", "main..gpus") == "Move GPU requests to the gpus form\n"
    assert git(clean, "show", "--name-only", "--format=", "HEAD") == "compose.yaml\n"
    assert git(clean, "status", "--porcelain") == ""
    assert (clean / "compose.yaml").read_text() == SHORT_GPUS
    assert git(dirty, "branch", "--show-current") == "main\n"
    assert (dirty / "compose.yaml").read_text() == SHORT
    assert git(untouched, "branch", "--list") == "* main\n"


@needs_git
def test_git_branch_without_commit_leaves_the_change_in_the_work_tree(workdir: Path) -> None:
    repo = make_repo(workdir / "repo", {"compose.yaml": SHORT})
    result = invoke("--to-gpus", "--git-branch", "gpus", "repo")
    assert result.exit_code == 0
    assert f"{repo.resolve()}: created branch gpus with 1 migrated file(s)\n" in result.stderr
    assert git(repo, "branch", "--show-current") == "gpus\n"
    assert git(repo, "status", "--porcelain") == " M compose.yaml\n"


@needs_git
def test_git_branch_is_ignored_when_nothing_is_written(workdir: Path) -> None:
    repo = make_repo(workdir / "repo", {"compose.yaml": SHORT})
    result = invoke("--to-gpus", "--check", "--git-branch", "gpus", "--git-commit", "repo")
    assert result.exit_code == 1
    assert git(repo, "branch", "--list") == "* main\n"
    assert (repo / "compose.yaml").read_text() == SHORT


# Verbosity


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        pytest.param(
            ["-q"],
            f"d.yaml:4:3: {INVALID_ERROR}\n"
            + summary(1, 1, 1, 1, done="would be migrated", hint=False)
            + "\n",
            id="quiet",
        ),
        pytest.param(
            ["-v"],
            "would migrate a.yaml (services: app)\n"
            "unchanged b.yaml\n"
            f"c.yaml:4:5: warning: {VARIABLE_WARNING}\n"
            f"d.yaml:4:3: {INVALID_ERROR}\n" + summary(1, 1, 1, 1, done="would be migrated") + "\n",
            id="verbose",
        ),
        pytest.param(
            [],
            "would migrate a.yaml (services: app)\n"
            f"c.yaml:4:5: warning: {VARIABLE_WARNING}\n"
            f"d.yaml:4:3: {INVALID_ERROR}\n" + summary(1, 1, 1, 1, done="would be migrated") + "\n",
            id="default",
        ),
    ],
)
def test_verbosity(workdir: Path, flags: list[str], expected: str) -> None:
    for name, text in {
        "a.yaml": SHORT,
        "b.yaml": PLAIN,
        "c.yaml": VARIABLE,
        "d.yaml": INVALID,
    }.items():
        write(workdir / name, text)
    result = invoke("--to-devices", "--check", *flags, "a.yaml", "b.yaml", "c.yaml", "d.yaml")
    assert (result.exit_code, result.stderr) == (2, expected)


def test_quiet_prints_only_the_summary_when_nothing_failed(workdir: Path) -> None:
    write(workdir / "a.yaml", SHORT)
    result = invoke("--to-devices", "--check", "-q", "a.yaml")
    expected = summary(1, 0, 0, 0, done="would be migrated") + "\n"
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", expected)


# Shell completion (click's): the script each shell sources, and the answers it gets back


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o nosort -F _composemigrate_completion composemigrate"),
        ("zsh", "compdef _composemigrate_completion composemigrate"),
        ("fish", '--command composemigrate --arguments "(_composemigrate_completion)"'),
    ],
)
def test_completion_script(tmp_path: Path, shell: str, marker: str) -> None:
    for launcher in launchers():
        done = run(launcher, tmp_path, env={"_COMPOSEMIGRATE_COMPLETE": f"{shell}_source"})
        assert done.returncode == 0
        assert marker in done.stdout.decode()


@pytest.mark.parametrize(
    ("shell", "cword", "expected"),
    [
        ("bash", "1", "plain,--to-devices\n"),
        ("zsh", "1", "plain\n--to-devices\nWrite deploy.resources.reservations.devices.\n"),
        ("fish", "--to-d", "plain,--to-devices\tWrite deploy.resources.reservations.devices.\n"),
    ],
)
def test_completion_answers(tmp_path: Path, shell: str, cword: str, expected: str) -> None:
    env = {
        "_COMPOSEMIGRATE_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": "composemigrate --to-d",
        "COMP_CWORD": cword,
    }
    done = run([sys.executable, "-m", "composemigrate"], tmp_path, env=env)
    assert (done.returncode, done.stdout.decode()) == (0, expected)


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("composemigrate l", "1", "plain,lint\nfile,l\n"),
        ("composemigrate", "1", "plain,census\nplain,lint\nplain,migrate\nfile,\n"),
        ("composemigrate --to-devices l", "2", "file,l\n"),
        ("composemigrate lint --fo", "2", "plain,--format\n"),
    ],
)
def test_completion_offers_commands_only_as_the_first_word(
    tmp_path: Path, words: str, cword: str, expected: str
) -> None:
    env = {"_COMPOSEMIGRATE_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": cword}
    done = run([sys.executable, "-m", "composemigrate"], tmp_path, env=env)
    assert (done.returncode, done.stdout.decode()) == (0, expected)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_for_real(tmp_path: Path) -> None:
    """Source the script in bash and call the function bash would call on <TAB>."""
    script = shutil.which("composemigrate", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the composemigrate console script is not installed")
    code = (
        "source <(_COMPOSEMIGRATE_COMPLETE=bash_source composemigrate)\n"
        "COMP_WORDS=(composemigrate --to-devices --report '')\n"
        "COMP_CWORD=3\n"
        "_composemigrate_completion composemigrate\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    path = f"{Path(script).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = run(["bash", "-c", code], tmp_path, env={"PATH": path})
    assert (done.returncode, done.stdout.decode()) == (0, "text\njson\ngithub\nmarkdown\nhtml\n")
