"""The catalogue of bad inputs and faults: nothing is lost, and the batch goes on.

Every case runs the real command line on a bad file *and* a good legacy file beside it, and shows
three things: a one-line error naming the file (with ``line:col`` where there is a line), the bad
file byte-identical afterwards, and the good file migrated all the same.

How faults are made: a subprocess of ``python -m composemigrate`` for inputs, symlinks and signals;
a file system full or read-only for real on a small tmpfs when this process may mount one (else
those two cases are skipped) and by an ``OSError`` injected at the write otherwise; permissions
for real by running the command in a forked child that drops to ``nobody`` (we run as root, whom
modes do not stop); a file changed by someone else between read and write by hooking the runner.
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from composemigrate import cli, fileio, migrate, runner, yamldoc

GOOD = "services:\n  train:\n    image: cuda\n    runtime: nvidia\n"
MIGRATED = (
    "services:\n  train:\n    image: cuda\n    deploy:\n      resources:\n        reservations:\n"
    "          devices:\n            - driver: nvidia\n              count: all\n"
    "              capabilities: [gpu]\n"
)
SUMMARY_OK = "1 file migrated, 0 unchanged, 0 skipped with warnings, 0 failed."
SUMMARY_ONE_FAILED = "1 file migrated, 0 unchanged, 0 skipped with warnings, 1 failed."
HANG_GUARD = 600
"""Seconds before a run counts as hung: a generous bound, not a speed requirement."""


def run_cli(
    cwd: Path, *paths: str, limit_memory: int | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command line, one job, in ``cwd``; ``limit_memory`` caps its address space."""

    def cap() -> None:
        if limit_memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit_memory, limit_memory))

    return subprocess.run(
        [sys.executable, "-m", "composemigrate", "--to-devices", "--jobs", "1", *paths],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        preexec_fn=cap,
        check=False,
    )


def good_file(folder: Path) -> Path:
    """A good legacy file: the batch must migrate it whatever happens to its neighbours."""
    good = folder / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    return good


def with_good(folder: Path, name: str, data: bytes) -> tuple[Path, Path]:
    """A bad file, and a good file beside it."""
    bad = folder / name
    bad.write_bytes(data)
    return bad, good_file(folder)


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ": error: " in line]


def assert_no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr[-2000:]


# --- inputs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "place", "message"),
    [
        pytest.param(
            b"services:\n  train:\n    runtime: nvidia\n   web: [\n",
            "4:4",
            "invalid YAML: expected <block end>, but found '<block mapping start>'",
            id="invalid-yaml",
        ),
        pytest.param(
            b"services:\n\ttrain:\n\t\truntime: nvidia\n",
            "2:1",
            "invalid YAML: found character '\\t' that cannot start any token "
            "(tab indentation is not YAML)",
            id="tab-indentation",
        ),
        pytest.param(
            b"services:\n  train:\n    runtime: nvidia\n    image: a\n    runtime: nvidia\n",
            "5:5",
            "duplicate key 'runtime' (first at line 3)",
            id="duplicate-key",
        ),
        pytest.param(
            b"- runtime: nvidia\n", "1:1", "the top level is not a mapping", id="top-level-list"
        ),
        pytest.param(
            b"runtime nvidia\n", "1:1", "the top level is not a mapping", id="top-level-scalar"
        ),
        pytest.param(
            b"services:\n  - runtime: nvidia\n",
            "2:3",
            "services is not a mapping",
            id="services-not-a-mapping",
        ),
        pytest.param(
            b"services:\n  broken:\n  train:\n    runtime: nvidia\n",
            "2:3",
            "broken",
            id="null-service",
        ),
    ],
)
def test_bad_yaml_gets_one_line_with_its_place(
    tmp_path: Path, data: bytes, place: str, message: str
) -> None:
    """The whole message where the tool words it today; for a null service (Compose refuses it:
    "services.broken must be a mapping") only the place and the service's name."""
    bad, good = with_good(tmp_path, "bad.yaml", data)
    done = run_cli(tmp_path, "bad.yaml", "good.yaml")
    found = errors(done.stderr)
    assert len(found) == 1, done.stderr
    assert found[0].startswith(f"bad.yaml:{place}: error: ") and message in found[0], found
    assert done.returncode == 2
    assert bad.read_bytes() == data
    assert good.read_text(encoding="utf-8") == MIGRATED
    assert done.stderr.endswith(SUMMARY_ONE_FAILED + "\n")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(
            GOOD.replace("cuda", "caf\xe9").encode("latin-1"),
            "bad.yaml: error: not UTF-8 (byte 0xe9 at offset 33)",
            id="latin-1",
        ),
        pytest.param(GOOD.encode("utf-16"), "bad.yaml: error: binary file (NUL byte)", id="utf-16"),
        pytest.param(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR nvidia",
            "bad.yaml: error: binary file (NUL byte)",
            id="binary",
        ),
        pytest.param(
            b"\x89PNG\r\n\x1a\n nvidia",
            "bad.yaml: error: not UTF-8 (byte 0x89 at offset 0)",
            id="binary-without-nul",
        ),
    ],
)
def test_files_that_are_not_text_are_left_alone(tmp_path: Path, data: bytes, error: str) -> None:
    bad, good = with_good(tmp_path, "bad.yaml", data)
    done = run_cli(tmp_path, "bad.yaml", "good.yaml")
    assert errors(done.stderr) == [error]
    assert done.returncode == 2
    assert bad.read_bytes() == data
    assert good.read_text(encoding="utf-8") == MIGRATED


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"# runtime: nvidia, some day\n\n   # nvidia gpu\n", id="comments-only"),
        pytest.param(b"\n  \n", id="blank-lines"),
        pytest.param(b"---\n...\n", id="markers-only"),
        pytest.param(b"services:\n# gpu later\n", id="no-services"),
    ],
)
def test_nothing_to_do_is_no_error(tmp_path: Path, data: bytes) -> None:
    bad, good = with_good(tmp_path, "bad.yaml", data)
    done = run_cli(tmp_path, "bad.yaml", "good.yaml")
    assert (done.returncode, errors(done.stderr)) == (0, [])
    assert done.stderr.endswith(
        "1 file migrated, 1 unchanged, 0 skipped with warnings, 0 failed.\n"
    )
    assert bad.read_bytes() == data
    assert good.read_text(encoding="utf-8") == MIGRATED


def test_every_document_of_a_file_is_migrated(tmp_path: Path) -> None:
    two = GOOD + "---\n" + GOOD.replace("train", "infer")
    path = tmp_path / "multi.yaml"
    path.write_text(two, encoding="utf-8")
    done = run_cli(tmp_path, "multi.yaml")
    assert done.returncode == 0, done.stderr
    assert path.read_text(encoding="utf-8") == MIGRATED + "---\n" + MIGRATED.replace(
        "train", "infer"
    )


def fifty_megabytes(tail: str = "") -> str:
    """About 50 MB of plain services (no GPU words), then ``tail``."""
    service = "  svc{0}:\n    image: busybox\n    command: [echo, hello {0}]\n"
    count = 50 * 2**20 // len(service.format(10**5))
    return "services:\n" + "".join(service.format(n) for n in range(count)) + tail


def test_large_file_without_gpu_words_is_never_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = fifty_megabytes()
    bad, good = with_good(tmp_path, "big.yaml", text.encode("utf-8"))
    done = run_cli(tmp_path, "big.yaml", "good.yaml")
    assert (done.returncode, errors(done.stderr)) == (0, [])
    assert bad.read_bytes() == text.encode("utf-8")
    assert good.read_text(encoding="utf-8") == MIGRATED

    def never(text: str) -> list[yamldoc.Node]:
        raise AssertionError("parsed a file without GPU words")

    monkeypatch.setattr(yamldoc, "compose", never)
    assert migrate(text, "devices").changed is False


def test_large_file_with_gpu_words_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    """50 MB holding one GPU service: one clear error at once, within a tenth of the memory that
    parsing it would take (about 7 GB), and the rest of the batch migrated."""
    text = fifty_megabytes(GOOD.removeprefix("services:\n"))
    bad, good = with_good(tmp_path, "big.yaml", text.encode("utf-8"))
    done = run_cli(tmp_path, "big.yaml", "good.yaml", limit_memory=700 * 2**20)
    assert errors(done.stderr) == [
        "big.yaml: error: 52.2 MB is more than --max-size allows (10 MB); file left unchanged"
    ]
    assert done.returncode == 2
    assert bad.read_text(encoding="utf-8") == text
    assert good.read_text(encoding="utf-8") == MIGRATED


DEEP = 10_000


NESTED = "deep.yaml: error: nesting deeper than 1000 levels; not read"


@pytest.mark.parametrize(
    ("labels", "error"),
    [
        pytest.param("[" * 1000 + "]" * 1000, None, id="flow-lists-at-the-limit"),
        pytest.param("{a: " * 1000 + "b" + "}" * 1000, None, id="flow-mappings-at-the-limit"),
        pytest.param("[" * DEEP + "]" * DEEP, NESTED, id="flow-lists"),
        pytest.param("{a: " * DEEP + "b" + "}" * DEEP, NESTED, id="flow-mappings"),
        pytest.param(
            "[" * DEEP + "]" * DEEP + "\n    healthcheck: {test: [CMD, http://x]}",
            NESTED,
            id="flow-lists-pure-parser",
        ),
    ],
)
def test_deep_nesting_is_read_or_refused_without_a_traceback(
    tmp_path: Path, labels: str, error: str | None
) -> None:
    """1,000 levels are read; 10,000 are refused before parsing, since libyaml's C composer
    crashes the process some tens of thousands of levels down and the pure-Python fallback (which
    libyaml's refusal of ``http://x`` in a flow list forces) runs out of stack."""
    text = GOOD + f"    labels: {labels}\n"
    bad, good = with_good(tmp_path, "deep.yaml", text.encode("utf-8"))
    done = run_cli(tmp_path, "deep.yaml", "good.yaml")
    assert_no_traceback(done.stderr)
    assert errors(done.stderr) == ([error] if error else [])
    expected = text if error else MIGRATED + f"    labels: {labels}\n"
    assert bad.read_text(encoding="utf-8") == expected
    assert good.read_text(encoding="utf-8") == MIGRATED


def test_alias_bomb_is_never_expanded(tmp_path: Path) -> None:
    """A billion laughs (9**10 leaves) under a 512 MB address space: the rewrite still works."""
    lines = ['x-a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in "bcdefghij":
        previous = chr(ord(level) - 1)
        lines.append(f"x-{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]")
    bomb = "\n".join(lines) + "\n"
    text = bomb + GOOD + "    labels: {bomb: *j}\n"
    bad, good = with_good(tmp_path, "bomb.yaml", text.encode("utf-8"))
    done = run_cli(tmp_path, "bomb.yaml", "good.yaml", limit_memory=512 * 2**20)
    assert (done.returncode, errors(done.stderr)) == (0, []), done.stderr
    assert bad.read_text(encoding="utf-8") == bomb + MIGRATED + "    labels: {bomb: *j}\n"
    assert good.read_text(encoding="utf-8") == MIGRATED


# --- symlinks -----------------------------------------------------------------------------------


def test_symlink_target_is_rewritten_and_the_link_stays(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "compose.yaml").write_text(GOOD, encoding="utf-8")
    link = tmp_path / "compose.yaml"
    link.symlink_to("real/compose.yaml")
    done = run_cli(tmp_path, "compose.yaml")
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == "real/compose.yaml"
    assert (real / "compose.yaml").read_text(encoding="utf-8") == MIGRATED


def test_symlink_loops_and_dangling_links_fail_alone(tmp_path: Path) -> None:
    (tmp_path / "loop1.yaml").symlink_to("loop2.yaml")
    (tmp_path / "loop2.yaml").symlink_to("loop1.yaml")
    (tmp_path / "dangling.yaml").symlink_to("nowhere.yaml")
    walked = tmp_path / "walked"
    walked.mkdir()
    (walked / "compose.yaml").write_text(GOOD, encoding="utf-8")
    (walked / "compose.gpu.yaml").symlink_to("../loop1.yaml")
    (walked / "sub").mkdir()
    (walked / "sub" / "up").symlink_to("..", target_is_directory=True)
    good = good_file(tmp_path)
    done = run_cli(tmp_path, "loop1.yaml", "dangling.yaml", "walked", "good.yaml")
    assert sorted(errors(done.stderr)) == [
        "dangling.yaml: error: no such file",
        "loop1.yaml: error: too many levels of symbolic links",
    ]
    assert done.returncode == 2
    assert (walked / "compose.yaml").read_text(encoding="utf-8") == MIGRATED
    assert good.read_text(encoding="utf-8") == MIGRATED
    assert os.readlink(tmp_path / "loop1.yaml") == "loop2.yaml"


# --- permissions --------------------------------------------------------------------------------

NOBODY = 65534


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder ``nobody`` may enter (pytest's own temporary folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="composemigrate-perm-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder)


def run_as_user(cwd: Path, *paths: str) -> tuple[int, str]:
    """The CLI in a forked child that drops root first, so file modes apply as they would for a
    user. Everything the run imports is loaded here, before the fork: the child may not read
    the interpreter's own folders."""
    migrate(GOOD, "devices")
    import composemigrate.batch  # noqa: F401  (loaded before the child loses its rights)

    with tempfile.TemporaryFile() as captured:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            sys.stderr = open(os.dup(captured.fileno()), "w", encoding="utf-8")  # noqa: SIM115
            os.chdir(cwd)
            if os.geteuid() == 0:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            code = cli.main(["--to-devices", "--jobs", "1", *paths])
            sys.stderr.flush()
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        captured.seek(0)
        return os.waitstatus_to_exitcode(status), captured.read().decode("utf-8")


def owned_by_user(path: Path) -> None:
    if os.geteuid() == 0:
        os.chown(path, NOBODY, NOBODY)


def test_unreadable_file_is_reported_and_the_rest_migrated(shared_dir: Path) -> None:
    bad, good = with_good(shared_dir, "secret.yaml", GOOD.encode("utf-8"))
    for path in (shared_dir, good):
        owned_by_user(path)
    bad.chmod(0o000)
    code, stderr = run_as_user(shared_dir, "secret.yaml", "good.yaml")
    assert errors(stderr) == ["secret.yaml: error: permission denied"]
    assert code == 2
    assert bad.read_text(encoding="utf-8") == GOOD
    assert good.read_text(encoding="utf-8") == MIGRATED


def test_read_only_file_is_not_replaced(shared_dir: Path) -> None:
    bad, good = with_good(shared_dir, "locked.yaml", GOOD.encode("utf-8"))
    for path in (shared_dir, bad, good):
        owned_by_user(path)
    bad.chmod(0o444)
    code, stderr = run_as_user(shared_dir, "locked.yaml", "good.yaml")
    assert errors(stderr) == ["locked.yaml: error: permission denied"]
    assert code == 2
    assert bad.read_text(encoding="utf-8") == GOOD
    assert good.read_text(encoding="utf-8") == MIGRATED


def test_read_only_folder_keeps_its_files(shared_dir: Path) -> None:
    locked = shared_dir / "locked"
    locked.mkdir()
    bad, _ = with_good(locked, "compose.yaml", GOOD.encode("utf-8"))
    (locked / "good.yaml").unlink()
    good = shared_dir / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    for path in (shared_dir, locked, bad, good):
        owned_by_user(path)
    locked.chmod(0o555)
    code, stderr = run_as_user(shared_dir, "locked/compose.yaml", "good.yaml")
    assert errors(stderr) == [
        f"locked/compose.yaml: error: cannot create a temporary file in {locked.resolve()}: "
        "permission denied; file left as it was"
    ]
    assert code == 2
    assert bad.read_text(encoding="utf-8") == GOOD
    assert sorted(p.name for p in locked.iterdir()) == ["compose.yaml"]
    assert good.read_text(encoding="utf-8") == MIGRATED


@contextlib.contextmanager
def tmpfs(size: str) -> Iterator[Path]:
    """A fresh tmpfs of ``size``; skips the test where this process may not mount one."""
    point = Path(tempfile.mkdtemp(prefix="composemigrate-tmpfs-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        point.rmdir()
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield point
    finally:
        subprocess.run(["umount", str(point)], check=True)
        point.rmdir()


def test_read_only_file_system_keeps_its_files(tmp_path: Path) -> None:
    with tmpfs("1m") as point:
        bad, _ = with_good(point, "compose.yaml", GOOD.encode("utf-8"))
        (point / "good.yaml").unlink()
        subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
        good = good_file(tmp_path)
        done = run_cli(tmp_path, str(bad), "good.yaml")
        assert errors(done.stderr) == [
            f"{bad}: error: cannot create a temporary file in {point}: read-only file system; "
            "file left as it was"
        ]
        assert done.returncode == 2
        assert bad.read_text(encoding="utf-8") == GOOD
        assert good.read_text(encoding="utf-8") == MIGRATED


# --- faults during the write, in process ----------------------------------------------------------


def run_in_process(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cwd: Path, *paths: str
) -> tuple[int, str]:
    """The CLI in this process (so faults can be hooked in), one job, in ``cwd``."""
    monkeypatch.chdir(cwd)
    code = cli.main(["--to-devices", "--jobs", "1", *paths])
    return code, capsys.readouterr().err


def test_file_changed_after_reading_is_not_clobbered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad, good = with_good(tmp_path, "busy.yaml", GOOD.encode("utf-8"))
    theirs = GOOD + "    # edited by someone else meanwhile\n"
    real_migrate_text = runner.migrate_text

    def meanwhile(text: str, path: Path, job: runner.Job, held: object = None) -> object:
        if path.name == "busy.yaml":
            bad.write_text(theirs, encoding="utf-8")
        return real_migrate_text(text, path, job, held)

    monkeypatch.setattr(runner, "migrate_text", meanwhile)
    code, stderr = run_in_process(capsys, monkeypatch, tmp_path, "busy.yaml", "good.yaml")
    assert errors(stderr) == [
        "busy.yaml: error: changed on disk since it was read; not overwritten"
    ]
    assert code == 2
    assert bad.read_text(encoding="utf-8") == theirs
    assert good.read_text(encoding="utf-8") == MIGRATED


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.tmp"))


def test_disk_full_during_the_write_keeps_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad, good = with_good(tmp_path, "full.yaml", GOOD.encode("utf-8"))
    real_write_all: Callable[[int, bytes], None] = fileio._write_all

    def half_then_full(fd: int, data: bytes) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(tmp_path.resolve() / ".full.yaml.")):
            real_write_all(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write_all(fd, data)

    monkeypatch.setattr(fileio, "_write_all", half_then_full)
    code, stderr = run_in_process(capsys, monkeypatch, tmp_path, "full.yaml", "good.yaml")
    assert errors(stderr) == ["full.yaml: error: no space left on device; file left as it was"]
    assert code == 2
    assert bad.read_text(encoding="utf-8") == GOOD
    assert good.read_text(encoding="utf-8") == MIGRATED
    assert leftovers(tmp_path) == []


def test_disk_full_for_real_keeps_the_original(tmp_path: Path) -> None:
    with tmpfs("64k") as point:
        bad, _ = with_good(point, "compose.yaml", GOOD.encode("utf-8"))
        (point / "good.yaml").unlink()
        filler = point / "filler"
        with contextlib.suppress(OSError), filler.open("wb") as stream:
            while True:
                stream.write(b"\0" * 1024)
                stream.flush()
        good = good_file(tmp_path)
        done = run_cli(tmp_path, str(bad), "good.yaml")
        assert errors(done.stderr) == [
            f"{bad}: error: no space left on device; file left as it was"
        ]
        assert done.returncode == 2
        assert bad.read_text(encoding="utf-8") == GOOD
        assert good.read_text(encoding="utf-8") == MIGRATED
        assert leftovers(point) == []


# --- interrupted batches --------------------------------------------------------------------------

BATCH = 200


@pytest.mark.parametrize(
    ("signum", "jobs", "times"),
    [
        (signal.SIGINT, 1, 1),
        (signal.SIGTERM, 1, 1),
        (signal.SIGINT, 2, 1),
        (signal.SIGTERM, 2, 1),
        (signal.SIGINT, 2, 2),
    ],
    ids=["sigint", "sigterm", "sigint-jobs-2", "sigterm-jobs-2", "sigint-twice-jobs-2"],
)
def test_interrupted_batch_leaves_each_file_old_or_new(
    tmp_path: Path, signum: int, jobs: int, times: int
) -> None:
    """The signal goes to the whole process group (as Ctrl-C does) right after the first file is
    reported: files under way finish, no new one starts, and the summary counts what was done."""
    services = GOOD.removeprefix("services:\n")
    old = "services:\n" + "".join(services.replace("train", f"s{n}") for n in range(40))
    new = migrate(old, "devices").text
    names = [f"f{number:03}.yaml" for number in range(BATCH)]
    for name in names:
        (tmp_path / name).write_text(old, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "composemigrate", "--to-devices", "--jobs", str(jobs), *names],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stderr is not None
    lines = [process.stderr.readline()]
    for _ in range(times):
        os.killpg(process.pid, signum)
    lines += process.stderr.read().splitlines()
    assert process.wait(timeout=HANG_GUARD) == 2
    assert lines[0].startswith("migrated f000.yaml")
    contents = [(tmp_path / name).read_text(encoding="utf-8") for name in names]
    assert set(contents) <= {old, new}
    assert old in contents
    assert leftovers(tmp_path) == []
    assert_no_traceback("\n".join(lines))
    reported = [line for line in lines if line.startswith("migrated ")]
    assert [line.split()[1] for line in reported] == names[: len(reported)]
    files = f"{len(reported)} file" + ("" if len(reported) == 1 else "s")
    assert lines[-1] == (
        f"interrupted: {files} migrated, 0 unchanged, 0 skipped with warnings, 0 failed."
    )
    if times == 1:
        assert contents.count(new) == len(reported)


def test_interrupt_during_a_write_leaves_the_file_whole_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C (or SIGTERM, which the CLI turns into the same) while a file is being written."""
    bad, good = with_good(tmp_path, "a.yaml", GOOD.encode("utf-8"))

    def interrupted(fd: int, data: bytes) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(fileio, "_write_all", interrupted)
    code, stderr = run_in_process(capsys, monkeypatch, tmp_path, "a.yaml", "good.yaml")
    assert code == 2
    assert stderr.splitlines()[-1].startswith("interrupted: ")
    assert bad.read_text(encoding="utf-8") == GOOD
    assert good.read_text(encoding="utf-8") == GOOD
    assert leftovers(tmp_path) == []


def test_a_file_far_over_the_limit_is_never_held_whole(tmp_path: Path) -> None:
    """256 MB under a 200 MB address space: the file is looked at a piece at a time, so the
    error is the size, not memory."""
    big = tmp_path / "big.yaml"
    with big.open("w", encoding="utf-8") as file:
        file.write("services:\n")
        file.writelines("# " + "x" * 97 + "\n" for _ in range(2_560_000))
        file.write("  app:\n    runtime: nvidia\n")
    good = good_file(tmp_path)
    done = run_cli(tmp_path, "big.yaml", "good.yaml", limit_memory=200 * 2**20)
    assert errors(done.stderr) == [
        "big.yaml: error: 256.0 MB is more than --max-size allows (10 MB); file left unchanged"
    ]
    assert good.read_text(encoding="utf-8") == MIGRATED
