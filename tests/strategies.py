"""Hypothesis strategies: Compose texts that ask for GPUs in every form, written in every layout.

Texts are written line by line from a small tree (``Map``, ``Seq``, ``Scalar``, ``Alias``), never
dumped by a YAML library, so what matters to a splicing rewriter comes out exactly as drawn: 2-, 3-
or 4-space steps, flush or indented dashes, own-line and end-of-line comments anywhere (also
between a key and its value), plain and quoted scalars and keys, flow collections on one line or
several, anchors, aliases and ``<<`` merge keys, CRLF or mixed line ends, a BOM, blank and
whitespace-only lines, no final newline, several documents.

``documents()`` draws valid Compose files (Docker Compose v2 accepts them), ``broken_documents()``
the same with a deliberate defect, ``refused_documents()`` one service in a shape the tool
documents as refused (``roundtrip.md`` rule 8, ``gpu-semantics.md``).
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn

T = TypeVar("T")

DIRECTIONS = ("devices", "runtime", "gpus", "cdi")
DRIVER_CAPS = ("compute", "compat32", "graphics", "utility", "video", "display")
INDEXES = tuple(str(i) for i in range(8))
UUIDS = (
    "GPU-4d3c2b1a-1111-2222-3333-444455556666",
    "GPU-a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90",
    "MIG-GPU-a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90/1/0",
)
COMMENT_WORDS = (
    "",
    "legacy",
    "runtime: nvidia",
    "NVIDIA_VISIBLE_DEVICES=0,1",
    "- driver: nvidia",
    "'quoted' and \"double\"",
    "{flow: [x]}",
    "#hash #twice",
    "ünïcödé ✓",
    "trailing colon:",
)
_KEYWORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "="}


# --- choices -------------------------------------------------------------------------------------


@functools.cache
def _integers(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


@dataclass
class Pick:
    """The choices behind one text, on two tiers.

    Hypothesis draws (~0.1 ms each) decide the few things a bug is likely to need: the layout
    switches, how many documents and services, each service's GPU form and request, and whether
    flow style, anchors and extra keys appear at all. Shrinking drives each towards its first
    option (0 is the first option, False, the low end of a range). Every other detail (key order,
    quotes, where comments and blank lines go, which extra keys) comes from ``style``, a Random
    seeded by Hypothesis, and only where a switch allows it, so a shrunk text keeps only the
    kinds of detail its failure needs.
    """

    draw: DrawFn
    style: random.Random
    quotes: bool = False
    flows: bool = False
    anchors: bool = False
    extras: bool = False

    # Hypothesis draws

    def count(self, low: int, high: int) -> int:
        return self.draw(_integers(low, high))

    def choose(self, *options: T) -> T:
        return options[self.count(0, len(options) - 1)]

    def chance(self, odds: int) -> bool:
        """True one time in ``odds``; shrinks to False."""
        return self.count(0, odds - 1) == odds - 1

    # details

    def any(self, *options: T) -> T:
        return self.style.choice(options)

    def maybe(self, odds: int) -> bool:
        """True one time in ``odds``."""
        return self.style.randrange(odds) == 0

    def flow(self, odds: int) -> bool:
        """Flow style one time in ``odds``, when flow style is switched on."""
        return self.flows and self.maybe(odds)

    def order(self, items: Sequence[T]) -> list[T]:
        out = list(items)
        self.style.shuffle(out)
        return out

    def some(self, items: Sequence[T], most: int) -> list[T]:
        """Up to ``most`` of ``items``, in their given order."""
        chosen = sorted(self.style.sample(range(len(items)), self.style.randint(0, most)))
        return [items[index] for index in chosen]


def picks(draw: DrawFn) -> Pick:
    return Pick(draw, draw(st.randoms(use_true_random=True)))


# --- the tree a text is written from ------------------------------------------------------------


@dataclass(frozen=True)
class Scalar:
    """A scalar exactly as written (quotes included)."""

    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Alias:
    name: str


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...]
    flow: bool = False
    anchor: str = ""
    lines: bool = False
    """A flow collection written over several lines, one item (and maybe a comment) per line."""


@dataclass(frozen=True)
class Map:
    pairs: tuple[tuple[str, Node], ...]
    flow: bool = False
    anchor: str = ""
    lines: bool = False


Node = Scalar | Alias | Seq | Map
Pairs = list[tuple[str, Node]]


def _anchored(anchor: str) -> str:
    return f"&{anchor} " if anchor else ""


def inline(node: Node) -> str:
    """A node as one line of flow text."""
    if isinstance(node, Alias):
        return f"*{node.name}"
    if isinstance(node, Scalar):
        return _anchored(node.anchor) + node.text
    if isinstance(node, Seq):
        return _anchored(node.anchor) + "[" + ", ".join(inline(i) for i in node.items) + "]"
    pairs = ", ".join(f"{key}: {inline(value)}" for key, value in node.pairs)
    return _anchored(node.anchor) + "{" + pairs + "}"


def _size(node: Seq | Map) -> int:
    return len(node.items) if isinstance(node, Seq) else len(node.pairs)


def _with_anchor(node: Seq | Map, anchor: str) -> Seq | Map:
    if isinstance(node, Seq):
        return Seq(node.items, node.flow, anchor, node.lines)
    return Map(node.pairs, node.flow, anchor, node.lines)


# --- scalars ------------------------------------------------------------------------------------


def _plain_ok(value: str, *, flow: bool, numbers: bool) -> bool:
    """Whether ``value`` written plain reads back as this string in YAML 1.1 and 1.2 alike."""
    if not re.fullmatch(r"[A-Za-z0-9_/][A-Za-z0-9_./=,-]*", value) or value.lower() in _KEYWORDS:
        return False
    if flow and "," in value:
        return False
    if re.fullmatch(r"[0-9]+", value):
        return numbers
    return not re.fullmatch(r"[-+0-9._]+|[0-9.]+[eE][-+]?[0-9]+", value)


def quote(value: str, style: str) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def scalar(pick: Pick, value: str, *, flow: bool = False, numbers: bool = False) -> Scalar:
    """``value`` plain where that is safe, else single-quoted; any of the three with quotes on.

    ``numbers``: a digits-only value may be written plain (a YAML int Compose turns into text).
    """
    plain = _plain_ok(value, flow=flow, numbers=numbers)
    style = "" if plain else "'"
    if pick.quotes:
        style = pick.any("", "", "'", '"') if plain else pick.any("'", '"')
    return Scalar(quote(value, style) if style else value)


def key(pick: Pick, name: str) -> str:
    """A mapping key, now and then quoted when quotes are on."""
    if pick.quotes and pick.maybe(4):
        return quote(name, pick.any("'", '"'))
    return name


# --- layout and the writer ------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    step: int
    dash: int
    """Dash column minus the list key's column: 0 for flush lists."""
    newline: str
    """``\\n``, ``\\r\\n``, or ``mixed`` (each line draws its own)."""
    bom: bool
    final_newline: bool
    comments: bool
    blanks: bool


def layout(pick: Pick) -> Layout:
    step = pick.choose(2, 4, 3)
    return Layout(
        step=step,
        dash=pick.choose(*sorted({0, 2, step}, key=lambda dash: dash != step)),
        newline=pick.choose("\n", "\r\n", "mixed"),
        bom=pick.chance(4),
        final_newline=not pick.chance(4),
        comments=pick.chance(2),
        blanks=pick.chance(3),
    )


@dataclass
class Writer:
    """Writes a tree as block YAML in one layout, adding comments and blank lines as it goes."""

    pick: Pick
    layout: Layout
    lines: list[str] = field(default_factory=list)
    count: int = 0

    def comment(self) -> str:
        self.count += 1
        word = self.pick.any(*COMMENT_WORDS)
        return f"#{self.pick.any(' ', '')}{word} {self.count}".rstrip()

    def line(self, text: str) -> None:
        """One content line, now and then with an end-of-line comment."""
        if self.layout.comments and self.pick.maybe(5):
            text += " " * self.pick.any(1, 1, 2, 4) + self.comment()
        self.lines.append(text)

    def above(self, indent: int) -> None:
        """Blank lines and own-line comments that may come before a line at ``indent``."""
        if self.layout.blanks and self.pick.maybe(6):
            self.lines.append(self.pick.any("", "  "))
        if self.layout.comments and self.pick.maybe(5):
            column = self.pick.any(indent, indent, 0, indent + 2)
            self.lines.append(" " * column + self.comment())

    def mapping(self, node: Map, indent: int, lead: str | None = None) -> None:
        """Block mapping at ``indent``; ``lead`` replaces the first key's indentation (``- ``)."""
        for number, (name, value) in enumerate(node.pairs):
            if lead is None or number:
                self.above(indent)
            prefix = lead if lead is not None and number == 0 else " " * indent
            self.pair(prefix + name, value, indent)

    def pair(self, head: str, value: Node, indent: int) -> None:
        if isinstance(value, Seq | Map) and _size(value) and not value.flow:
            self.line(f"{head}:" + (f" &{value.anchor}" if value.anchor else ""))
            if isinstance(value, Map):
                self.mapping(value, indent + self.layout.step)
            else:
                self.sequence(value, indent + self.layout.dash)
        elif isinstance(value, Seq | Map) and value.lines and _size(value):
            self.flow_lines(head, value, indent)
        elif isinstance(value, Scalar) and self.layout.comments and self.pick.maybe(25):
            self.lines.append(f"{head}:  {self.comment()}")  # a comment between key and value
            self.lines.append(" " * (indent + self.layout.step) + inline(value))
        else:
            self.line(f"{head}: {inline(value)}".rstrip(" "))

    def sequence(self, node: Seq, indent: int) -> None:
        for item in node.items:
            self.above(indent)
            dash = " " * indent + "- "
            if isinstance(item, Map) and _size(item) and not (item.flow or item.anchor):
                self.mapping(item, indent + 2, lead=dash)
            else:
                self.line(dash + inline(item))

    def flow_lines(self, head: str, node: Seq | Map, indent: int) -> None:
        opening, closing = ("[", "]") if isinstance(node, Seq) else ("{", "}")
        self.line(f"{head}: {_anchored(node.anchor)}{opening}")
        pad = " " * (indent + self.layout.step)
        texts = (
            [inline(i) for i in node.items]
            if isinstance(node, Seq)
            else [f"{k}: {inline(v)}" for k, v in node.pairs]
        )
        for number, text in enumerate(texts):
            self.above(indent + self.layout.step)
            self.line(pad + text + ("," if number < len(texts) - 1 else ""))
        self.lines.append(" " * indent + closing)

    def text(self) -> str:
        """The lines joined with the layout's line ends, BOM and final newline."""
        out = []
        for line in self.lines:
            newline = self.layout.newline
            if newline == "mixed":
                newline = self.pick.any("\n", "\r\n")
            out.append(line + newline)
        text = "".join(out)
        if not self.layout.final_newline:
            text = text.rstrip("\r\n")
        return ("\ufeff" if self.layout.bom else "") + text


# --- what a service asks for --------------------------------------------------------------------


@dataclass(frozen=True)
class Want:
    """A GPU request in neutral terms: ``ids`` None is every GPU; ``caps`` driver capabilities."""

    ids: tuple[str, ...] | None
    caps: tuple[str, ...]


def want(pick: Pick) -> Want:
    ids: tuple[str, ...] | None = None
    kind = pick.choose("all", "indexes", "first", "uuids")
    if kind == "indexes":
        ids = tuple(pick.some(INDEXES, 3) or ["1"])
    elif kind == "first":
        ids = INDEXES[: pick.style.randint(1, 4)]
    elif kind == "uuids":
        ids = tuple(pick.some(UUIDS, 2) or UUIDS[:1])
    caps: tuple[str, ...] = ()
    kind = pick.choose("none", "some", "all")
    if kind == "all":
        caps = ("all",)
    elif kind == "some":
        caps = tuple(pick.order(pick.some(DRIVER_CAPS, 3) or ["utility"]))
    return Want(ids, caps)


def legacy_env(pick: Pick, wanted: Want) -> list[tuple[str, str]]:
    """The NVIDIA_* variables that ask for ``wanted`` under ``runtime: nvidia``."""
    env = []
    if wanted.ids is not None:
        env.append(("NVIDIA_VISIBLE_DEVICES", pick.any(",", ",", ", ").join(wanted.ids)))
    elif pick.maybe(2):
        env.append(("NVIDIA_VISIBLE_DEVICES", "all"))
    if wanted.caps:
        env.append(("NVIDIA_DRIVER_CAPABILITIES", ",".join(wanted.caps)))
    return pick.order(env)


def _count_of(ids: tuple[str, ...] | None) -> int | None:
    """N when ``ids`` are exactly the first N indexes (``count: N`` says the same)."""
    if ids and ids == INDEXES[: len(ids)]:
        return len(ids)
    return None


def device_entry(pick: Pick, wanted: Want, *, gpus: bool = False) -> Map:
    """One device-request entry (in the ``gpus`` list form ``capabilities`` may be left out)."""
    caps = list(DRIVER_CAPS) if wanted.caps == ("all",) else list(wanted.caps)
    caps.insert(pick.style.randint(0, len(caps)), "gpu")
    pairs: Pairs = []
    if pick.maybe(2):
        pairs.append((key(pick, "driver"), scalar(pick, "nvidia", flow=True)))
    count = _count_of(wanted.ids)
    if wanted.ids is None:
        written = pick.any("all", "all", "'all'", '"all"', "")
        if written:
            pairs.append((key(pick, "count"), Scalar(written)))
    elif count is not None and pick.maybe(2):
        pairs.append((key(pick, "count"), Scalar(str(count))))
    else:
        ids = tuple(
            Scalar(quote(i, pick.any("'", '"') if pick.quotes else "'")) for i in wanted.ids
        )
        pairs.append((key(pick, "device_ids"), Seq(ids, flow=not pick.maybe(4))))
    if not (gpus and caps == ["gpu"] and pairs and pick.maybe(2)):
        items = tuple(scalar(pick, cap, flow=True) for cap in caps)
        pairs.append((key(pick, "capabilities"), Seq(items, flow=not pick.maybe(4))))
    return Map(tuple(pick.order(pairs)), flow=pick.flow(5))


OTHER_DEVICE = Map((("driver", Scalar("amd")), ("capabilities", Seq((Scalar("rocm"),), flow=True))))


def deploy_block(pick: Pick, wanted: Want | None) -> Map | None:
    """``deploy:`` with a GPU reservation for ``wanted`` (None: only other settings), or None."""
    extras = pick.extras
    reservations: Pairs = [("memory", Scalar("1G"))] if extras and pick.maybe(3) else []
    if wanted is not None:
        entries: list[Node] = [device_entry(pick, wanted)]
        if extras and pick.maybe(5):
            entries.insert(pick.style.randint(0, 1), OTHER_DEVICE)
        reservations.append(("devices", Seq(tuple(entries), flow=pick.flow(6))))
    resources: Pairs = []
    if extras and pick.maybe(3):
        resources.append(("limits", Map((("memory", Scalar("16G")), ("cpus", Scalar("'2.5'"))))))
    if reservations:
        resources.append(("reservations", Map(tuple(reservations))))
    pairs: Pairs = []
    if extras and pick.maybe(3):
        pairs.append(("replicas", Scalar(str(pick.style.randint(1, 3)))))
    if resources:
        pairs.append(("resources", Map(tuple(pick.order(resources)), flow=pick.flow(8))))
    if not pairs:
        return None
    return Map(tuple(pick.order(pairs)), flow=pick.flow(6))


def gpus_value(pick: Pick, wanted: Want) -> Node:
    if wanted.ids is None and not wanted.caps and pick.maybe(2):
        return scalar(pick, "all")
    return Seq((device_entry(pick, wanted, gpus=True),), flow=pick.flow(6))


def gpu_pairs(pick: Pick, form: str, wanted: Want) -> tuple[Pairs, list[tuple[str, str]]]:
    """Service keys asking for ``wanted`` in ``form``; the NVIDIA_* env for the runtime form."""
    if form == "runtime":
        return [(key(pick, "runtime"), scalar(pick, "nvidia"))], legacy_env(pick, wanted)
    if form == "devices":
        deploy = deploy_block(pick, wanted)
        assert deploy is not None
        return [("deploy", deploy)], []
    if form == "cdi":
        return [("devices", cdi_devices(pick, wanted))], []
    return [("gpus", gpus_value(pick, wanted))], []


CDI_GPU = "nvidia.com/gpu="
OTHER_DEVICE_PATH = Scalar("/dev/kfd:/dev/kfd")


def cdi_devices(pick: Pick, wanted: Want) -> Seq:
    """The service's ``devices:`` list naming ``wanted`` the CDI way (it has no capabilities),
    maybe with a device path beside the names."""
    names = ["all"] if wanted.ids is None else list(wanted.ids)
    items: list[Node] = [scalar(pick, CDI_GPU + name, flow=True) for name in names]
    if pick.extras and pick.maybe(3):
        items.insert(pick.style.randint(0, len(items)), OTHER_DEVICE_PATH)
    return Seq(tuple(items), flow=pick.flow(4))


# --- environment --------------------------------------------------------------------------------

OTHER_ENV = (("TZ", "UTC"), ("PYTHONUNBUFFERED", "1"), ("MODE", "train,eval"), ("EMPTY", ""))


def environment(
    pick: Pick, pairs: list[tuple[str, str]], *, inside_flow: bool = False
) -> Seq | Map:
    """``pairs`` as a list (``NAME=value``) or mapping, in block or (when on) flow style.

    ``inside_flow``: the environment is written inside a flow collection, so flow it is.
    """
    flow = inside_flow or pick.flow(3)
    lines = flow and not inside_flow and pick.maybe(2)
    if pick.maybe(2):
        items = tuple(scalar(pick, f"{name}={value}", flow=flow) for name, value in pairs)
        return Seq(items, flow=flow, lines=lines)
    entries = tuple(
        (key(pick, name), scalar(pick, value, flow=flow, numbers=True)) for name, value in pairs
    )
    return Map(entries, flow=flow, lines=lines)


def _mix(
    pick: Pick, base: list[tuple[str, str]], extra: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """``extra`` inserted among ``base`` at random places, in order."""
    out = list(base)
    low = 0
    for item in extra:
        low = pick.style.randint(low, len(out))
        out.insert(low, item)
        low += 1
    return out


# --- services and documents ---------------------------------------------------------------------

NAMES = ("train", "web", "infer", "db", "notebook", "worker")
OTHER_KEYS: tuple[tuple[str, Node], ...] = (
    ("restart", Scalar("unless-stopped")),
    ("command", Scalar('"python train.py --epochs 3"')),
    ("ports", Seq((Scalar('"2222:22"'), Scalar('"8080:80"')))),
    ("volumes", Seq((Scalar("./data:/data"),))),
    ("labels", Map((("com.example.gpu", Scalar('"yes"')), ("note", Scalar('"a\u2028b\x85c"'))))),
    ("logging", Map((("driver", Scalar("json-file")),))),
    ("devices", Seq((OTHER_DEVICE_PATH,))),
    ("runtime", Scalar("runc")),
    ("shm_size", Scalar("8gb")),
)
FORMS: tuple[tuple[str, ...], ...] = (
    ("runtime",),
    ("devices",),
    ("gpus",),
    (),
    ("runtime", "devices"),
    ("runtime", "gpus"),
    ("cdi",),
    ("runtime", "cdi"),
)


@dataclass
class Build:
    """What one document is built from: services, and extension keys holding anchors."""

    services: Pairs = field(default_factory=list)
    extensions: Pairs = field(default_factory=list)
    anchors: int = 0

    def anchor(self, stem: str) -> str:
        self.anchors += 1
        return f"{stem}{self.anchors}"


def service(pick: Pick, build: Build, merge: Alias | None) -> Map:
    """One service: an image, maybe other keys, and a GPU request in zero, one or two forms."""
    forms = pick.choose(*FORMS)
    wanted = want(pick)
    if "cdi" in forms:
        wanted = Want(wanted.ids, ())  # CDI has no driver capabilities to ask for
    flow = pick.flow(12)
    pairs: Pairs = [("image", scalar(pick, "nvidia/cuda:12.4.0-base"))]
    env: list[tuple[str, str]] = []
    if pick.extras:
        pairs += [
            p
            for p in pick.some(OTHER_KEYS, 2)
            if not (p[0] == "runtime" and forms) and not (p[0] == "devices" and "cdi" in forms)
        ]
        env = pick.some(OTHER_ENV, 2)
    for form in forms:
        more, nvidia = gpu_pairs(pick, form, wanted)
        pairs += more
        env = _mix(pick, env, nvidia)
    if pick.extras and "devices" not in forms and pick.maybe(3):
        deploy = deploy_block(pick, None)
        if deploy is not None:
            pairs.append(("deploy", deploy))
    if env or (pick.extras and pick.maybe(8)):
        block: Node = environment(pick, env, inside_flow=flow)
        if pick.anchors and pick.maybe(6):
            name = build.anchor("env")
            build.extensions.append((f"x-{name}", _with_anchor(environment(pick, env), name)))
            block = Alias(name)
        pairs.append((key(pick, "environment"), block))
    pairs = pick.order(pairs)
    if merge is not None:
        pairs.insert(pick.style.randint(0, len(pairs)), ("<<", merge))
    return Map(tuple(pairs), flow=flow)


def shared_gpu(pick: Pick, build: Build) -> Alias:
    """An ``x-gpuN: &gpuN`` block asking for GPUs in some form, for services to merge in."""
    pairs, nvidia = gpu_pairs(pick, pick.choose("runtime", "devices", "gpus"), want(pick))
    if nvidia:
        pairs.append(("environment", environment(pick, nvidia)))
    name = build.anchor("gpu")
    build.extensions.append((f"x-{name}", Map(tuple(pairs), anchor=name)))
    return Alias(name)


def document_tree(pick: Pick, names: Sequence[str], number: int) -> Map:
    """Document ``number`` of a file: its anchors and ``x-`` keys are its own (Compose merges
    the documents of a file, and would refuse to merge an ``x-`` list into a mapping)."""
    build = Build(anchors=100 * number)
    merge = shared_gpu(pick, build) if pick.anchors and pick.chance(2) else None
    for name in names:
        node = service(pick, build, merge if merge and pick.maybe(2) else None)
        build.services.append((key(pick, name), node))
    if pick.anchors and len(names) > 1 and pick.maybe(8):
        first_key, first = build.services[0]
        assert isinstance(first, Map)
        anchor = build.anchor("svc")
        build.services[0] = (first_key, _with_anchor(first, anchor))
        build.services.append(("alias-of-first", Alias(anchor)))
    top: Pairs = []
    if pick.extras and pick.maybe(2):
        top.append(("version", scalar(pick, pick.any("2.4", "3.8"), numbers=True)))
    top += build.extensions
    top.append(("services", Map(tuple(build.services))))
    if pick.extras and pick.maybe(5):
        top.append(("volumes", Map((("data", Map((("driver", Scalar("local")),))),))))
    return Map(tuple(top))


def document_text(pick: Pick) -> str:
    """A whole file: one document, or now and then several separated by ``---``."""
    writer = Writer(pick, layout(pick))
    pick.quotes, pick.flows = pick.chance(2), pick.chance(2)
    pick.anchors, pick.extras = pick.chance(3), pick.chance(2)
    names = pick.order(NAMES)
    count = 2 if pick.chance(6) else 1
    for number in range(count):
        if count > 1 or pick.maybe(6):
            writer.lines.append("---")
        taken = pick.count(1, 3)
        writer.mapping(document_tree(pick, names[:taken], number), 0)
        names = names[taken:]
    if writer.layout.comments and pick.maybe(2):
        writer.lines.append(writer.comment())
    return writer.text()


@dataclass(frozen=True)
class Doc:
    """A drawn Compose text; ``defect`` names a deliberate defect ("" for a valid file)."""

    text: str
    defect: str = ""


@st.composite
def documents(draw: DrawFn) -> Doc:
    return Doc(document_text(picks(draw)))


DEFECTS = ("duplicate line", "tab indentation", "unclosed flow", "bad indentation")


@st.composite
def broken_documents(draw: DrawFn) -> Doc:
    """A valid text with one deliberate defect on a drawn line (usually, not always, invalid)."""
    pick = picks(draw)
    text = document_text(pick)
    defect = pick.choose(*DEFECTS)
    lines = text.split("\n")
    content = [
        n for n, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")
    ]
    number = content[pick.count(0, len(content) - 1)]
    line = lines[number]
    body = line.lstrip(" ")
    indent = line[: len(line) - len(body)]
    if defect == "duplicate line":
        lines.insert(number + 1, line)
    elif defect == "tab indentation":
        lines[number] = "\t" + body
    elif defect == "unclosed flow":
        end = len(line.rstrip("\r"))
        lines[number] = line[:end] + " [unclosed" + line[end:]
    else:
        lines[number] = line[1:] if indent else " " + line
    return Doc("\n".join(lines), defect)


# --- documented refusals ------------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    """One service in a shape the tool leaves alone.

    ``form`` is the form the shape is written in (a migration to it has nothing to do), and
    ``warn_for`` the directions that must leave the service alone with a warning.
    """

    text: str
    shape: str
    form: str
    warn_for: frozenset[str]


_DEVICES = "deploy:\n>resources:\n>>reservations:\n>>>devices:\n>>>>- driver: nvidia\n"
_ENTRY = ">>>>  "
LEGACY, NEWER = frozenset({"devices", "gpus", "cdi"}), frozenset({"runtime", "devices", "cdi"})

REFUSALS: tuple[tuple[str, str, str, frozenset[str]], ...] = (
    ("unbalanced variable", "runtime", "environment:\n>- NVIDIA_VISIBLE_DEVICES=${GPUS", LEGACY),
    ("bare variable", "runtime", "environment:\n>- NVIDIA_VISIBLE_DEVICES", LEGACY),
    ("no gpu (none)", "runtime", "environment:\n>NVIDIA_VISIBLE_DEVICES: none", LEGACY),
    ("no gpu (void)", "runtime", "environment: [NVIDIA_VISIBLE_DEVICES=void]", LEGACY),
    ("unknown capability", "runtime", "environment: {NVIDIA_DRIVER_CAPABILITIES: warp}", LEGACY),
    ("env_file", "runtime", "env_file: gpu.env", LEGACY),
    ("shared runtime anchor", "", "runtime: &rt nvidia\nlabels:\n>runtime: *rt", LEGACY),
    ("variable runtime", "", "runtime: ${RUNTIME:-nvidia}", LEGACY),
    (
        "count and device_ids",
        "devices",
        f"{_DEVICES}{_ENTRY}count: 1\n{_ENTRY}device_ids: ['0']\n{_ENTRY}capabilities: [gpu]",
        frozenset({"runtime", "gpus", "cdi"}),
    ),
    (
        "options",
        "devices",
        f"{_DEVICES}{_ENTRY}count: all\n{_ENTRY}capabilities: [gpu]\n{_ENTRY}options: {{a: '1'}}",
        frozenset({"runtime", "cdi"}),
    ),
    (
        "entry merged from an anchor",
        "devices",
        "x-gpu: &gpu {driver: nvidia, count: 1, capabilities: [gpu]}\n"
        "deploy:\n>resources:\n>>reservations:\n>>>devices:\n>>>>- <<: *gpu",
        frozenset({"runtime", "gpus", "cdi"}),
    ),
    ("other driver", "gpus", "gpus:\n>- driver: rocm\n>  device_ids: ['0']", NEWER),
    (
        "capabilities towards CDI",
        "gpus",
        "gpus:\n>- capabilities: [gpu, video]",
        frozenset({"cdi"}),
    ),
    ("two entries", "gpus", "gpus:\n>- device_ids: ['0']\n>- device_ids: ['1']", NEWER),
    ("count from a variable", "gpus", "gpus:\n>- count: ${NGPU}", frozenset({"runtime", "cdi"})),
    (
        "requests disagree",
        "",
        f"{_DEVICES}{_ENTRY}device_ids: ['0']\n{_ENTRY}capabilities: [gpu]\ngpus: all",
        frozenset(DIRECTIONS),
    ),
)
"""(shape, form it is written in, service body, directions that warn); ``>`` is one indent step."""


@st.composite
def refused_documents(draw: DrawFn, direction: str) -> Refused:
    """A one-service file, in a drawn layout, holding one refusal that ``direction`` must leave
    alone: with a warning, or silently when the service is in that form already."""
    pick = picks(draw)
    shapes = [r for r in REFUSALS if direction in r[3] or direction == r[1]]
    shape, form, body, warn_for = pick.choose(*shapes)
    if form == "runtime":
        body = "runtime: nvidia\n" + body
    drawn = layout(pick)
    step = " " * drawn.step
    lines = ["services:", step + "train:", step * 2 + "image: cuda"]
    for line in body.split("\n"):
        content = line.lstrip(">")
        lines.append(step * (2 + len(line) - len(content)) + content)
    return Refused(Writer(pick, drawn, lines).text(), shape, form, warn_for)
