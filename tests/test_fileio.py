from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from composemigrate import fileio
from composemigrate.fileio import ReadError, WriteError, read_source, write_atomic

OLD = "services:\n  app:\n    runtime: nvidia\n"
NEW = "services:\n  app:\n    gpus: all\n"


def make(path: Path, data: bytes, mode: int = 0o644) -> Path:
    path.write_bytes(data)
    path.chmod(mode)
    return path


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize(
    ("data", "text"),
    [
        pytest.param(b"a: 1\r\nb: 2\r\n", "a: 1\r\nb: 2\r\n", id="crlf"),
        pytest.param(b"\xef\xbb\xbfa: 1\n", "\ufeffa: 1\n", id="bom"),
        pytest.param(b"a: 1", "a: 1", id="no-final-newline"),
        pytest.param(b"a: \xc3\xa9\xe2\x80\xa8\n", "a: \xe9\u2028\n", id="non-ascii"),
    ],
)
def test_read_keeps_every_byte(tmp_path: Path, data: bytes, text: str) -> None:
    path = make(tmp_path / "compose.yaml", data)
    source = read_source(path)
    assert source.text == text
    assert source.path == path
    assert source.stat.st_size == len(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"a: 1\nb: caf\xe9\n", "not UTF-8 (byte 0xe9 at offset 11)", id="latin-1"),
        pytest.param(b"\xff\xfea\x00:\x00", "binary file (NUL byte)", id="utf-16"),
        pytest.param(b"a: 1\n\x00", "binary file (NUL byte)", id="nul"),
    ],
)
def test_read_refuses_what_is_not_utf8_text(tmp_path: Path, data: bytes, message: str) -> None:
    path = make(tmp_path / "compose.yaml", data)
    with pytest.raises(ReadError) as caught:
        read_source(path)
    assert caught.value.message == message


def test_read_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as missing:
        read_source(tmp_path / "absent.yaml")
    assert missing.value.message == "no such file"
    with pytest.raises(ReadError) as directory:
        read_source(tmp_path)
    assert directory.value.message == "is a directory"


def test_read_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The error as the OS gives it (the real mode bits, for a user other than root, are in
    test_bad_inputs.py, which drops to ``nobody``)."""
    path = make(tmp_path / "compose.yaml", b"a: 1\n", mode=0o200)

    def denied(file: Path, flags: int) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(file))

    monkeypatch.setattr(fileio.os, "open", denied)
    with pytest.raises(ReadError) as caught:
        read_source(path)
    assert caught.value.message == "permission denied"


@pytest.mark.parametrize(
    ("data", "new", "expected"),
    [
        pytest.param(
            b"\xef\xbb\xbfa: 1\r\nb: 2\r\n",
            "\ufeffa: 1\r\nb: 3\r\n",
            b"\xef\xbb\xbfa: 1\r\nb: 3\r\n",
            id="bom-and-crlf",
        ),
        pytest.param(b"a: 1", "a: 2", b"a: 2", id="no-final-newline"),
    ],
)
def test_write_round_trips_bytes(tmp_path: Path, data: bytes, new: str, expected: bytes) -> None:
    path = make(tmp_path / "compose.yaml", data)
    write_atomic(read_source(path), new)
    assert path.read_bytes() == expected
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("mode", [0o640, 0o755, 0o600])
def test_write_keeps_permission_bits(tmp_path: Path, mode: int) -> None:
    path = make(tmp_path / "compose.yaml", OLD.encode(), mode)
    write_atomic(read_source(path), NEW)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert path.read_text() == NEW


def test_write_through_symlink_rewrites_target_and_keeps_link(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = make(real_dir / "gpu.yml", OLD.encode(), 0o640)
    link = tmp_path / "compose.yaml"
    link.symlink_to(Path("real") / "gpu.yml")
    write_atomic(read_source(link), NEW)
    assert link.is_symlink()
    assert os.readlink(link) == os.path.join("real", "gpu.yml")
    assert target.read_text() == NEW
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == leftovers(real_dir) == []


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p: p.write_text(OLD + "x: 1\n"), id="content"),
        pytest.param(lambda p: os.utime(p, ns=(0, 0)), id="mtime"),
        pytest.param(lambda p: p.unlink(), id="deleted"),
        pytest.param(lambda p: (p.unlink(), p.write_text(OLD)), id="replaced"),
    ],
)
def test_write_refuses_file_changed_since_read(
    tmp_path: Path, change: Callable[[Path], object]
) -> None:
    path = make(tmp_path / "compose.yaml", OLD.encode())
    source = read_source(path)
    change(path)
    before = path.read_bytes() if path.exists() else None
    with pytest.raises(WriteError) as caught:
        write_atomic(source, NEW)
    assert caught.value.message == "changed on disk since it was read; not overwritten"
    assert (path.read_bytes() if path.exists() else None) == before


def test_write_refuses_same_stat_but_other_bytes(tmp_path: Path) -> None:
    path = make(tmp_path / "compose.yaml", b"a: 1\n")
    source = read_source(path)
    path.write_bytes(b"a: 2\n")
    os.utime(path, ns=(source.stat.st_atime_ns, source.stat.st_mtime_ns))
    with pytest.raises(WriteError, match="changed on disk"):
        write_atomic(source, "a: 3\n")
    assert path.read_bytes() == b"a: 2\n"


def test_write_in_read_only_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = make(folder / "compose.yaml", OLD.encode())
    source = read_source(path)
    folder.chmod(0o555)
    if os.geteuid() == 0:  # root ignores the mode bits: refuse the way the kernel would

        def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    try:
        with pytest.raises(WriteError) as caught:
            write_atomic(source, NEW)
    finally:
        folder.chmod(0o755)
    assert caught.value.message == (
        f"cannot create a temporary file in {folder}: permission denied; file left as it was"
    )
    assert path.read_bytes() == OLD.encode()
    assert sorted(p.name for p in folder.iterdir()) == ["compose.yaml"]


@pytest.mark.parametrize(
    ("failing", "message"),
    [
        pytest.param("write", "no space left on device; file left as it was", id="enospc-write"),
        pytest.param("fsync", "no space left on device; file left as it was", id="enospc-fsync"),
        pytest.param("replace", "no space left on device; file left as it was", id="replace"),
    ],
)
def test_write_failure_leaves_original_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str, message: str
) -> None:
    data = b"\xef\xbb\xbfservices: {}\r\n"
    path = make(tmp_path / "compose.yaml", data, 0o640)
    source = read_source(path)

    def full(*args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, full)
    with pytest.raises(WriteError) as caught:
        write_atomic(source, "\ufeffservices:\r\n  app: {}\r\n")
    monkeypatch.undo()
    assert caught.value.message == message
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_write_handles_short_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make(tmp_path / "compose.yaml", OLD.encode())
    source = read_source(path)
    real_write = os.write

    def one_byte(fd: int, data: bytes) -> int:
        return real_write(fd, bytes(data[:1]))

    monkeypatch.setattr(os, "write", one_byte)
    write_atomic(source, NEW)
    monkeypatch.undo()
    assert path.read_text() == NEW


def test_write_refuses_unencodable_text(tmp_path: Path) -> None:
    path = make(tmp_path / "compose.yaml", OLD.encode())
    with pytest.raises(WriteError, match="cannot be encoded as UTF-8"):
        write_atomic(read_source(path), "a: \udcff\n")
    assert path.read_bytes() == OLD.encode()


def test_a_file_with_several_hard_links_is_not_split(tmp_path: Path) -> None:
    path = make(tmp_path / "compose.yaml", b"a: 1\n")
    os.link(path, tmp_path / "copy.yaml")
    source = read_source(path)
    with pytest.raises(WriteError) as caught:
        write_atomic(source, "a: 2\n")
    assert caught.value.message == "has 2 hard links, which a rewrite would split; not overwritten"
    assert path.read_bytes() == b"a: 1\n"
    assert os.stat(path).st_ino == os.stat(tmp_path / "copy.yaml").st_ino


def test_a_file_without_write_bits_is_refused_even_for_root(tmp_path: Path) -> None:
    path = make(tmp_path / "compose.yaml", b"a: 1\n", mode=0o444)
    with pytest.raises(WriteError) as caught:
        write_atomic(read_source(path), "a: 2\n")
    assert caught.value.message == "permission denied"
    assert path.read_bytes() == b"a: 1\n"
    assert leftovers(tmp_path) == []


def test_extended_attributes_are_kept(tmp_path: Path) -> None:
    path = make(tmp_path / "compose.yaml", b"a: 1\n")
    try:
        os.setxattr(path, "user.team", b"gpu-platform")
    except OSError as err:
        pytest.skip(f"this file system takes no user.* attribute: {err.strerror}")
    write_atomic(read_source(path), "a: 2\n")
    assert path.read_bytes() == b"a: 2\n"
    assert os.getxattr(path, "user.team") == b"gpu-platform"


def test_a_file_whose_owner_cannot_be_kept_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make(tmp_path / "compose.yaml", b"a: 1\n", mode=0o664)
    source = read_source(path)
    foreign = os.stat_result((*source.stat[:4], source.stat.st_uid + 1, *source.stat[5:]))
    source = fileio.Source(path, source.text, foreign)

    def refuse(fd: int, uid: int, gid: int) -> None:
        raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(fileio.os, "fchown", refuse)
    monkeypatch.setattr(fileio, "_unchanged", lambda source, target: True)  # a rebuilt stat
    with pytest.raises(WriteError) as caught:
        write_atomic(source, "a: 2\n")
    assert caught.value.message.startswith(f"owned by uid {foreign.st_uid}, gid ")
    assert caught.value.message.endswith("which the rewritten file could not keep; not overwritten")
    assert path.read_bytes() == b"a: 1\n"
    assert leftovers(tmp_path) == []
