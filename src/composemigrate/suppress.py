"""Inline suppressions: what a team has decided to keep, said where it is kept.

``# composemigrate: ignore[CM503]`` (several codes with commas, or a prefix such as ``CM5``; a bare
``# composemigrate: ignore`` for every code) on a service's own line or on the line a finding
points at keeps that finding from being reported as a problem: it is counted as suppressed,
shown with ``-v`` and in JSON, and ``--strict`` does not fail on it. The service itself is
treated as before: a suppressed refusal still leaves it unchanged.
"""

from __future__ import annotations

import re

from composemigrate import layout

MARKER = "composemigrate:"
_MARK = re.compile(r"#\s*composemigrate:\s*ignore(?:\[([^\]]*)\])?(?=\s|$)")

Marks = dict[int, frozenset[str] | None]
"""1-based line → the codes (or prefixes) it suppresses; None for every code."""


def marks(text: str) -> Marks:
    """Every suppression comment of a text, by line (only real comments count, not text that
    looks like one inside a quoted value)."""
    if MARKER not in text:
        return {}
    found: Marks = {}
    for number, content in enumerate(text.split("\n"), start=1):
        if MARKER not in content:
            continue
        comment = layout.line_comment(content.rstrip("\r"))
        match = _MARK.search(comment.text) if comment is not None else None
        if match is None:
            continue
        listed = match.group(1)
        codes = {code.strip() for code in listed.split(",") if code.strip()} if listed else None
        found[number] = frozenset(codes) if codes is not None else None
    return found


def covers(found: Marks, code: str, *lines: int) -> bool:
    """Whether a suppression on one of ``lines`` covers ``code``."""
    for line in lines:
        if line in found:
            codes = found[line]
            if codes is None or any(code.startswith(prefix) for prefix in codes):
                return True
    return False
