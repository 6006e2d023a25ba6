"""The loader ``yamldoc.compose`` builds for speed gives the graph ruamel's stock loader gives.

It remembers each plain scalar's tag and looks for no plug-ins; both are only safe while every
node gets the very tag, value and position the stock C loader gives it, on real files and on
the scalars whose tags YAML versions disagree about.
"""

from __future__ import annotations

from typing import Any

import pytest
from oracles import corpus_manifest
from ruamel.yaml import YAML

from composemigrate import yamldoc

TRICKY = """\
%YAML 1.1
---
booleans: [yes, no, on, off, true, False, TRUE, y, n]
numbers: [010, 0o10, 0x1f, 1e3, 1_000, .inf, -.Inf, .nan, +1, -0]
sexagesimal: 12:30
nulls: [~, null, Null, NULL, "", '']
quoted: ["yes", 'null', "1", !!str 2, !!int "3", !!null "x"]
dates: [2001-12-14, "2001-12-14t21:59:43.10-05:00"]
stamp: 2001-12-14t21:59:43.10-05:00
"": empty key
? [complex, key]
: value
merge: &anchor {a: 1}
other:
  <<: *anchor
  b: !reset null
...
---
same: [yes, 010, ~]
"""


def _graph(nodes: list[Any]) -> list[tuple[object, ...]]:
    """Every node in order: kind, tag, value (scalars), style and position."""
    out: list[tuple[object, ...]] = []
    for root in nodes:
        for node in yamldoc.walk(root):
            value = node.value if yamldoc.is_scalar(node) else len(node.value)
            marks = (node.start_mark.index, node.end_mark.index)
            style = getattr(node, "style", None) or getattr(node, "flow_style", None)
            out.append((node.id, str(node.tag), value, style, marks))
    return out


def _stock(text: str) -> list[Any]:
    return [doc for doc in YAML(typ="safe", pure=False).compose_all(text) if doc]


def test_tricky_scalars_get_the_stock_tags() -> None:
    twice = yamldoc.compose(TRICKY), yamldoc.compose(TRICKY)  # the second from remembered tags
    for nodes in twice:
        assert _graph(nodes) == _graph(_stock(TRICKY))


def test_libyaml_reads_every_document_as_yaml_1_2() -> None:
    """What makes remembering safe: the C path ignores ``%YAML 1.1`` (``yes`` stays a string)."""
    first, second = yamldoc.compose(TRICKY)
    booleans = yamldoc.entries(first)["booleans"].value.value
    assert [str(node.tag).rsplit(":", 1)[1] for node in booleans[:6]] == ["str"] * 4 + ["bool"] * 2
    assert str(yamldoc.entries(second)["same"].value.value[0].tag).endswith(":str")


@pytest.mark.parametrize("entry", corpus_manifest(), ids=lambda entry: entry.file.name)
def test_corpus_files_get_the_stock_graph(entry: Any) -> None:
    text = yamldoc.tab_shadow(entry.read().removeprefix("\ufeff"))
    try:
        stock = _stock(text)
    except Exception as exc:  # the stock loader refuses it: so must ours
        with pytest.raises(type(exc)):
            _loader_only(text)
        return
    assert _graph(_loader_only(text)) == _graph(stock)
    if "*" not in text:  # no alias: the short walk finds the same mappings, nothing shared
        for root in stock:
            full, short = yamldoc.survey(root), yamldoc.survey(root, aliased=False)
            assert short[0] == full[0] == frozenset()
            assert [id(node) for node in short[1]] == [id(node) for node in full[1]]


def _loader_only(text: str) -> list[Any]:
    """The fast loader alone (``compose`` would fall back to the pure one on an error)."""
    return [doc for doc in yamldoc._loader()(text, False) if doc]


def test_without_the_c_parser_the_pure_loader_composes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ruamel.yaml.clib there is no libyaml: every text goes to the pure loader, which
    honours ``%YAML 1.1`` (``yes`` is a boolean there)."""
    import ruamel.yaml.main

    monkeypatch.setattr(ruamel.yaml.main, "CParser", None)
    yamldoc._loader.cache_clear()
    try:
        nodes = yamldoc.compose(TRICKY)
        stock = [doc for doc in YAML(typ="safe", pure=True).compose_all(TRICKY) if doc]
        assert _graph(nodes) == _graph(stock)
        booleans = yamldoc.entries(nodes[0])["booleans"].value.value
        assert str(booleans[0].tag).endswith(":bool")
    finally:
        yamldoc._loader.cache_clear()
