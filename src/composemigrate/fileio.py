"""Read a file's exact bytes as text, and write text back atomically without touching anything else.

Bytes are sacred: ``Source.text`` is the strict UTF-8 decoding of the file, so a BOM stays as
``"\\ufeff"`` and CRLF stays as ``"\\r\\n"``; encoding the text again gives the same bytes back.
Writing goes through a temporary file in the target's own directory and ``os.replace``, so a crash,
a full disk or a refused permission leaves the original file exactly as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_REASONS = {
    errno.ENOENT: "no such file",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "is a directory",
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
}


def _reason(err: OSError) -> str:
    """A short lowercase phrase for an OS error, without the path (callers add their own)."""
    if err.errno in _REASONS:
        return _REASONS[err.errno]
    return (err.strerror or str(err)).lower()


class ReadError(Exception):
    """A file could not be read as UTF-8 text; ``message`` is one line, without the path."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class WriteError(Exception):
    """A file was not written; ``message`` is one line, without the path. The file is unchanged."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Source:
    """A file's text as read, with the ``stat`` that ``write_atomic`` checks it against."""

    path: Path
    text: str
    stat: os.stat_result


class NotRegular(OSError):
    """A path names a FIFO, device, socket or directory: reading it could hang or never end."""


class TooLarge(OSError):
    """A regular file over the size a caller reads whole: not one byte of it was read."""


class Outside(OSError):
    """The file opened is not in the folder it was found in: a link was swapped in."""


def _opened_within(path: Path | str, fd: int, info: os.stat_result, within: str) -> bool:
    """Whether the file opened (``fd``, ``info``) lies inside ``within``: a link swapped in
    before the open leads out. Linux names the opened file's real path in ``/proc`` (one call);
    elsewhere the path is resolved again and must still name the file opened."""
    try:
        real = os.readlink(f"/proc/self/fd/{fd}")
        same = True
    except OSError:
        real = os.path.realpath(path)
        try:
            now = os.stat(real)
        except OSError:
            return False
        same = (now.st_dev, now.st_ino) == (info.st_dev, info.st_ino)
    return same and (real == within or real.startswith(within.rstrip(os.sep) + os.sep))


@contextlib.contextmanager
def open_regular(
    path: Path | str, within: str | None = None
) -> Iterator[tuple[BinaryIO, os.stat_result]]:
    """A regular file (see ``_open_fd``) open for reading, and its ``stat``."""
    fd, info = _open_fd(path, within)
    with os.fdopen(fd, "rb") as file:
        yield file, info


def _open_fd(path: Path | str, within: str | None) -> tuple[int, os.stat_result]:
    """A regular file (following symlinks) opened, and its ``stat``. Opened without blocking, so
    a FIFO is refused at once rather than waited on, and checked to be a regular file before one
    byte is read (``/dev/zero`` is never read); a regular file reads the same either way. With
    ``within``, the file opened must lie in that folder (``Outside`` otherwise)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if within is not None and not _opened_within(path, fd, info, within):
            raise Outside(errno.EXDEV, "leads out of the folder walked (a link swapped in?)")
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(errno.EINVAL, "not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def read_regular(
    path: Path | str,
    limit: int | None = None,
    within: str | None = None,
    larger: int | None = None,
) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file (see ``_open_fd``), at most ``limit`` + 1 of them, and its
    ``stat``; ``TooLarge`` for a file of more than ``larger`` bytes. Read straight from the
    descriptor: most files take one call, since their size is known."""
    fd, info = _open_fd(path, within)
    try:
        if larger is not None and info.st_size > larger:
            raise TooLarge(errno.EFBIG, "larger than asked for")
        wanted = None if limit is None else limit + 1
        chunks: list[bytes] = []
        size = 0
        while wanted is None or size < wanted:
            step = max(info.st_size - size + 1, 1 << 16)
            asked = step if wanted is None else min(step, wanted - size)
            chunk = os.read(fd, asked)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if len(chunk) < asked and size >= info.st_size:
                break  # short at the size fstat gave: the end, without one more call
        return b"".join(chunks), info
    finally:
        os.close(fd)


PIECE = 1 << 20
"""Bytes of a large file looked at a time."""

OVERLAP = 64
"""Bytes each piece shares with the next, so that a word cut in two is still seen whole."""


def pieces(path: Path, within: str | None = None) -> Iterator[str]:
    """A large file's text a piece at a time (overlapping), to look for words without holding
    it whole; ``ReadError`` for a binary file or one that leads out of ``within``."""
    try:
        with open_regular(path, within) as (file, _):
            tail = b""
            while chunk := file.read(PIECE):
                if b"\0" in chunk:
                    raise ReadError("binary file (NUL byte)")
                data = tail + chunk
                yield data.decode("utf-8", errors="replace")
                tail = data[-OVERLAP:]
    except Outside as err:
        raise ReadError(f"{err.strerror}; not read") from None


def decode(data: bytes) -> str:
    """Strict UTF-8 text of a file's bytes; ``ReadError`` for binary or non-UTF-8 data."""
    if b"\0" in data:
        raise ReadError("binary file (NUL byte)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ReadError(f"not UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start})") from None


ENV_FILE_LIMIT = 1024 * 1024
"""Bytes read of an env file at most: a real one is a few lines; more is not one."""


def env_file_reader(folder: Path) -> Callable[[str], str]:
    """Reads env files named relative to ``folder``, as Compose resolves them; ``ValueError`` says
    in a few words why a file that exists is not one."""

    def read(name: str) -> str:
        try:
            data, _ = read_regular(folder / name, ENV_FILE_LIMIT)
        except NotRegular as exc:
            raise ValueError(f"is {exc.strerror}") from None
        if len(data) > ENV_FILE_LIMIT:
            raise ValueError("is larger than 1 MiB")
        if b"\0" in data:
            raise ValueError("is binary")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError("is not UTF-8 text") from None

    return read


def read_source(path: Path, within: str | None = None, larger: int | None = None) -> Source:
    """Read ``path`` (following a symlink) in binary and decode it strictly as UTF-8; a path that
    is no regular file, or (with ``within``) leads out of that folder, is refused unread, and
    ``TooLarge`` is raised unread for a file of more than ``larger`` bytes."""
    try:
        data, info = read_regular(path, within=within, larger=larger)
    except TooLarge:
        raise
    except NotRegular as err:
        raise ReadError(f"{err.strerror} (a FIFO, device or socket); not read") from None
    except Outside as err:
        raise ReadError(f"{err.strerror}; not read") from None
    except OSError as err:
        raise ReadError(_reason(err)) from None
    return Source(path, decode(data), info)


def _unchanged(source: Source, target: Path) -> bool:
    """True when ``target`` still is the file ``source`` was read from, with the same bytes."""
    try:
        now = os.stat(target)
        data = target.read_bytes()
    except OSError:
        return False
    same = ("st_dev", "st_ino", "st_size", "st_mtime_ns")
    if any(getattr(now, key) != getattr(source.stat, key) for key in same):
        return False
    return data == source.text.encode("utf-8")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _copy_owner_and_mode(fd: int, original: os.stat_result) -> None:
    """Give the temporary file the original's owner, group and permission bits, or refuse: a
    rewrite must not hand another user's file to the user running the tool."""
    if (original.st_uid, original.st_gid) != (os.geteuid(), os.getegid()):
        try:
            os.fchown(fd, original.st_uid, original.st_gid)
        except PermissionError:
            owner = f"uid {original.st_uid}, gid {original.st_gid}"
            raise WriteError(
                f"owned by {owner}, which the rewritten file could not keep; not overwritten"
            ) from None
    os.fchmod(fd, stat.S_IMODE(original.st_mode))


def _copy_xattrs(fd: int, target: Path) -> None:
    """Give the temporary file the original's extended attributes (ACLs, labels, ``user.*``)."""
    try:
        names = os.listxattr(target)
    except OSError as err:
        if err.errno in (errno.ENOTSUP, errno.ENOSYS):
            return
        raise
    for name in names:
        try:
            os.setxattr(fd, name, os.getxattr(target, name))
        except OSError:
            raise WriteError(f"cannot keep extended attribute {name}; not overwritten") from None


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable; best effort, since the new content is already in place."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_only_mount(path: Path) -> bool:
    """A read-only file system refuses every write; the temporary file says so more precisely."""
    return bool(os.statvfs(path).f_flag & os.ST_RDONLY)


def write_atomic(source: Source, text: str) -> None:
    """Replace the file ``source`` was read from with ``text`` (UTF-8), or raise ``WriteError``.

    A symlink is resolved: its target is rewritten and the link stays a link. The new file keeps
    the owner, group, mode and extended attributes, or is not written. A file with several hard
    links, or without a write bit (for root too), is refused: a rename would split the links, and
    read-only means read-only.
    """
    if not stat.S_ISREG(source.stat.st_mode):
        raise WriteError("not a regular file; not overwritten")
    target = Path(os.path.realpath(source.path))
    if not _unchanged(source, target):
        raise WriteError("changed on disk since it was read; not overwritten")
    writable = os.access(target, os.W_OK) and stat.S_IMODE(source.stat.st_mode) & 0o222
    if not writable and not _read_only_mount(target):
        raise WriteError("permission denied")
    if source.stat.st_nlink > 1:
        raise WriteError(
            f"has {source.stat.st_nlink} hard links, which a rewrite would split; not overwritten"
        )
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise WriteError(f"text cannot be encoded as UTF-8 ({err.reason}); not written") from None
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise WriteError(
            f"cannot create a temporary file in {target.parent}: {_reason(err)}; "
            "file left as it was"
        ) from None
    try:
        try:
            _copy_owner_and_mode(fd, source.stat)
            _copy_xattrs(fd, target)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(err, OSError):
            raise WriteError(f"{_reason(err)}; file left as it was") from None
        raise
    _fsync_directory(target.parent)
