"""The ``environment=`` argument as a dict literal or a list literal of ``"KEY=value"`` strings.

Only a literal whose every key is known can be edited: an entry whose key is not known (a name,
a ``**`` or ``*`` splat, a call) might set an ``NVIDIA_*`` variable behind the rewrite's back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from composemigrate.gpu import CAPABILITIES, VISIBLE
from composemigrate.pysdk import layout
from composemigrate.pysdk.calls import Skip
from composemigrate.pysdk.literals import literal_str, snippet, string

GPU_KEYS = (VISIBLE, CAPABILITIES)


@dataclass(frozen=True)
class Entry:
    """``key`` None: not known statically; ``value`` None: not a literal string."""

    node: cst.CSTNode
    key: str | None
    value: str | None


@dataclass(frozen=True)
class Environment:
    node: cst.Dict | cst.List
    entries: tuple[Entry, ...]

    def gpu_indexes(self) -> list[int]:
        return [i for i, entry in enumerate(self.entries) if entry.key in GPU_KEYS]

    def gpu_values(self) -> dict[str, str | None]:
        return {key: entry.value for entry in self.entries if (key := entry.key) in GPU_KEYS}

    def problem(self) -> Skip | None:
        """Why the GPU entries cannot be known exactly, if they cannot."""
        seen: set[str] = set()
        for entry in self.entries:
            if entry.key is None:
                return Skip(entry.node, f"environment entry {snippet(entry.node)} is not literal")
            if entry.key not in GPU_KEYS:
                continue
            if entry.value is None:
                return Skip(entry.node, f"{entry.key} is not a literal string")
            if entry.key in seen:
                return Skip(entry.node, f"environment sets {entry.key} twice")
            seen.add(entry.key)
        return None

    def only_gpu(self) -> bool:
        return len(self.gpu_indexes()) == len(self.entries)

    def without_gpu(self, node: cst.Dict | cst.List) -> cst.Dict | cst.List:
        """``node`` (this literal, transformed) without the GPU entries."""
        return layout.remove_elements(node, self.gpu_indexes())

    def with_values(
        self, node: cst.Dict | cst.List, values: Mapping[str, str], quote: str
    ) -> cst.BaseExpression:
        """``node`` with ``values`` added at its end, in its own form."""
        as_list = isinstance(node, cst.List)
        new = cst.parse_expression(render(values, quote, as_list=as_list))
        if not self.entries:
            return new
        elements: Sequence[cst.CSTNode] = (
            cst.ensure_type(new, cst.List).elements
            if as_list
            else cst.ensure_type(new, cst.Dict).elements
        )
        first = node.elements[0]
        if isinstance(first, cst.DictElement):
            elements = [
                cst.ensure_type(element, cst.DictElement).with_changes(
                    whitespace_before_colon=first.whitespace_before_colon,
                    whitespace_after_colon=first.whitespace_after_colon,
                )
                for element in elements
            ]
        return layout.append_elements(node, elements)


def render(values: Mapping[str, str], quote: str, *, as_list: bool = False) -> str:
    """Source text of a new environment literal."""
    if as_list:
        return "[" + ", ".join(string(f"{k}={v}", quote) for k, v in values.items()) + "]"
    return (
        "{" + ", ".join(f"{string(k, quote)}: {string(v, quote)}" for k, v in values.items()) + "}"
    )


def read_environment(node: cst.BaseExpression) -> Environment | Skip:
    if isinstance(node, cst.Dict):
        return Environment(node, tuple(_dict_entry(element) for element in node.elements))
    if isinstance(node, cst.List):
        return Environment(node, tuple(_list_entry(element) for element in node.elements))
    return Skip(node, f"environment is not a dict or list literal ({snippet(node)})")


def _dict_entry(element: cst.BaseDictElement) -> Entry:
    if not isinstance(element, cst.DictElement):
        return Entry(element, None, None)
    return Entry(element, literal_str(element.key), literal_str(element.value))


def _list_entry(element: cst.BaseElement) -> Entry:
    value = element.value
    text = literal_str(value)
    if text is None and isinstance(value, cst.FormattedString) and value.parts:
        head = value.parts[0]
        if isinstance(head, cst.FormattedStringText) and "=" in head.value:
            return Entry(element, head.value.partition("=")[0], None)
    if text is None or isinstance(element, cst.StarredElement):
        return Entry(element, None, None)
    key, equals, rest = text.partition("=")
    return Entry(element, key, rest if equals else None)
