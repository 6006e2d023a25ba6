"""Text from files and file names made safe to print: nothing a repository holds reaches the
terminal as a control sequence, and no name makes the output encoder fail.

A control character (C0 but tab, DEL, C1) becomes ``\\xNN`` (``\\uNNNN`` past ``\\xff``), and each
byte of a file name that is not UTF-8 (Python keeps it as a lone surrogate) becomes ``\\xNN`` too,
so the name shown is the name on disk, byte for byte.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character and undecodable byte escaped (see the module)."""
    return _UNSAFE.sub(_escape, text)
