"""The pure pipeline for one Compose text: parse, read every form, plan edits, splice, verify."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from composemigrate import edits as edit_engine
from composemigrate import images, layout, refusals, suppress, version, yamldoc
from composemigrate.edits import Edit
from composemigrate.environment import EnvFileReader, env_items
from composemigrate.forms import FORMS, REQUEST_FORMS, SPECS
from composemigrate.gpu import CAPABILITIES, VISIBLE, Form, GpuRequest, Unsupported, is_variable
from composemigrate.result import Finding, MigrationError, Result
from composemigrate.service import Found, ServiceView, might_have_gpus
from composemigrate.splice import Removal, choose_place, comments_above, settle
from composemigrate.yamldoc import Lines, Node


@dataclass
class Plan:
    """The edits that migrate one service, and the nodes they reach into."""

    view: ServiceView
    edits: list[Edit]
    notes: tuple[Finding, ...] = ()
    """Advice on the migrated service, made while its reading is at hand."""


def needs_parsing(text: str, drop_version: bool = False) -> bool:
    """Whether ``migrate`` would parse ``text``, or return it at once as having nothing to do."""
    return might_have_gpus(text) or (drop_version and "version" in text)


@dataclass
class Document:
    root: Node
    views: list[ServiceView]


def documents(text: str, lines: Lines, env_files: EnvFileReader | None = None) -> list[Document]:
    """Every document with its services, after the checks Compose makes on the shape.
    ``env_files`` reads the services' env files (None: they are not known)."""
    return [
        Document(root, list(_services(root, lines, env_files))) for root in yamldoc.compose(text)
    ]


def _services(root: Node, lines: Lines, env_files: EnvFileReader | None) -> Iterator[ServiceView]:
    where = lines.where(int(root.start_mark.index))
    if not yamldoc.is_mapping(root):
        raise MigrationError("the top level is not a mapping", *where)
    refs, mappings = yamldoc.survey(root, aliased="*" in lines.text)
    for node in mappings:
        duplicate = yamldoc.duplicate_key(node)
        if duplicate is not None:
            first, second = duplicate
            line, col = lines.where(int(second.start_mark.index))
            first_line = lines.where(int(first.start_mark.index))[0]
            message = f"duplicate key {second.value!r} (first at line {first_line})"
            raise MigrationError(message, line, col)
    found = yamldoc.entries(root).get("services")
    if found is None or yamldoc.is_null(found.value):
        return
    if not yamldoc.is_mapping(found.value):
        raise MigrationError(
            "services is not a mapping", *lines.where(found.value.start_mark.index)
        )
    for name, key, node in yamldoc.own_entries(found.value):
        if yamldoc.is_mapping(node):
            yield ServiceView(name, key, node, root, lines, refs, env_files)
        elif str(node.tag).startswith("tag:yaml.org"):
            shape = "empty" if yamldoc.is_null(node) else "not a mapping"
            message = f"service {name!r} is {shape} (Compose requires a mapping)"
            raise MigrationError(message, *lines.where(int(key.start_mark.index)))


@dataclass(frozen=True)
class Reading:
    """A service read as the engine reads it: each form's own reading, and what they add up to.

    ``request`` is the one request a rewrite writes: a device request wins over the runtime's
    environment (the engine appends its variables last), and the service's own
    ``NVIDIA_DRIVER_CAPABILITIES`` applies when that request names no driver capability.
    """

    present: dict[Form, Found]
    outcome: GpuRequest | Found | None
    """The request, a refusal with its place, or None when the service asks for no GPU."""
    state: frozenset[object]


NOTHING = Reading({}, None, frozenset())
"""The reading of a service that asks for no GPU."""


def read_service(view: ServiceView) -> Reading:
    """Every form's reading of the service, and the one request they add up to (see
    ``Reading``), or the refusal that stops it. Read once per view: planning asks, then the
    state kept for verification."""
    known = view.kept.get("reading")
    if isinstance(known, Reading):
        return known
    reading = _read_service(view)
    view.kept["reading"] = reading
    return reading


def _read_service(view: ServiceView) -> Reading:
    if view.plain:
        return NOTHING
    present = {form: found for form, module in FORMS.items() if (found := module.read(view))}
    if not present:
        return Reading(present, None, frozenset())
    requests = [present[form] for form in REQUEST_FORMS if form in present]
    runtime = present.get(Form.RUNTIME)
    deciding = [runtime] if runtime and not requests else []
    if runtime and _refusal_code(runtime) == refusals.DECIDING_VARIABLE:
        deciding = [runtime]
    for found in [*requests, *deciding]:
        if isinstance(found.request, Unsupported):
            return _refused(present, found)
    known = [found.request for found in [*requests, *deciding]]
    assert all(isinstance(request, GpuRequest) for request in known)
    winner = known[0]
    assert isinstance(winner, GpuRequest)
    env_caps: str | None = None
    values = view.gpu_env
    bare = any(isinstance(r, GpuRequest) and not r.names_driver_capabilities() for r in known)
    if requests and bare:
        if CAPABILITIES in values and values[CAPABILITIES] is None:
            return _refused(present, view.shell_value(CAPABILITIES))
        env_caps = values.get(CAPABILITIES)
    elif not requests:
        caps = values.get(CAPABILITIES)
        env_caps = caps if caps is not None and is_variable(caps) else None
    effects = {request.effect(env_caps) for request in known if isinstance(request, GpuRequest)}
    if len(effects) > 1:
        reason = (
            "its device reservation and gpus: ask for different GPUs; which one applies "
            "depends on the engine version"
        )
        where = requests[0].where
        return _refused(present, Found(Unsupported(reason, refusals.SEVERAL_REQUESTS), where))
    return Reading(present, winner, frozenset(effects))


def _refusal_code(found: Found) -> str | None:
    return found.request.code if isinstance(found.request, Unsupported) else None


def _refused(present: dict[Form, Found], found: Found) -> Reading:
    assert isinstance(found.request, Unsupported)
    return Reading(present, found, frozenset({("refused", found.request.reason)}))


def gpu_state(view: ServiceView) -> frozenset[object]:
    """What a service asks for, as the engine reads it: the thing a rewrite must keep."""
    return read_service(view).state


def plan(view: ServiceView, to: Form) -> Plan | Finding | None:
    """Edits for one service, a warning when it must be left alone, or None: nothing to do."""
    if view.plain:
        return None
    reading = read_service(view)
    present = reading.present
    if not present:
        return default_runtime(view)
    sources = [form for form in present if form is not to]
    if not sources:
        return None
    first = present[sources[0]]

    def leave(refusal: Unsupported, where: tuple[int, int] = first.where) -> Finding:
        message = f"service {view.name!r}: {refusal.reason}; left unchanged"
        return Finding(*where, message, refusal.code)

    if isinstance(reading.outcome, Found):
        assert isinstance(reading.outcome.request, Unsupported)
        return leave(reading.outcome.request, reading.outcome.where)
    request = reading.outcome
    assert request is not None
    removals = []
    for form in sources:
        removal = FORMS[form].remove(view)
        if isinstance(removal, Unsupported):
            return leave(removal)
        removals.append(removal)
    if _empties_an_anchor(view, removals, to):
        return leave(Unsupported("removing it would leave an anchored mapping empty", SHARED))
    if to in present and to is not Form.RUNTIME:
        edits, carried = settle(view.lines, removals, None, block=False)
        above = comments_above(view, SPECS[to].key, carried) if carried else None
        if carried and above is None:
            reason = f"comments on the redundant {sources[0].value} lines have no place to go"
            return leave(Unsupported(reason, refusals.LAYOUT))
        return Plan(view, [*edits, *([above] if above else [])])
    written = FORMS[to].write(view, request, removals)
    if isinstance(written, Unsupported):
        return leave(written)
    return Plan(view, written, tuple(_assumed_visible(view, reading, to)))


SHARED = refusals.SHARED_ANCHOR
DEFAULT_RUNTIME, ASSUMED = refusals.DEFAULT_RUNTIME, refusals.ASSUMED_VISIBLE


def _empties_an_anchor(view: ServiceView, removals: list[Removal], to: Form) -> bool:
    """True when the removed keys are all an anchored mapping has, and no new key goes there:
    an empty anchor reads as null, which a merge key refuses."""
    removed = [entry for removal in removals for entry in removal.keys]
    place = choose_place(removals) if SPECS[to].key not in view.entries else None
    for owner in {id(e.owner): e.owner for e in removed if e.owner is not view.node}.values():
        gone = sum(1 for entry in removed if entry.owner is owner)
        if gone >= len(owner.value) and (place is None or place.owner is not owner):
            return True
    return False


def _reach(view: ServiceView) -> set[int]:
    return {id(node) for node in yamldoc.walk(view.node)}


def _shared_conflicts(plans: list[Plan], views: list[ServiceView]) -> set[str]:
    """Services whose edits land in a node that other services reach but do not edit alike."""
    if not plans or not views[0].refs:
        return set()  # no alias in the document: no node is reached twice
    reach = {view.name: _reach(view) for view in views}
    users: Counter[int] = Counter(node for nodes in reach.values() for node in nodes)
    by_name = {p.view.name: p for p in plans}
    bad: set[str] = set()
    for current in plans:
        view = current.view
        for node in yamldoc.walk(view.node):
            if users[id(node)] < 2 or node is view.node:
                continue
            lo = view.lines.start(view.lines.line_of(int(node.start_mark.index)))
            hi = view.lines.end(view.lines.line_of(max(lo, yamldoc.content_end(node) - 1)))
            column = view.lines.col_of(yamldoc.content_start(node))

            def within(plan: Plan, lo: int = lo, hi: int = hi, column: int = column) -> set[Edit]:
                """Edits in the node's lines; one that starts where they end belongs to the
                node only when it inserts lines at least as deep as the node's content."""
                return {
                    e
                    for e in plan.edits
                    if lo <= e.start <= hi
                    and e.end <= hi
                    and (e.start < hi or (e.end == hi and layout.indent_of(e.new) >= column))
                }

            inside = within(current)
            if not inside:
                continue
            for other in views:
                if other.name == view.name or id(node) not in reach[other.name]:
                    continue
                theirs = by_name.get(other.name)
                if theirs is None or inside != within(theirs):
                    bad |= {view.name, other.name}
    return bad


def _together(
    bad: set[str], plans: list[Plan], index: int, body: str, env_files: EnvFileReader | None
) -> list[Edit] | None:
    """The document's edits when the services that edit a shared anchor differently may all be
    migrated at once: each of them has a plan (none only reaches the anchor), one block goes in
    at each place, and with every edit applied each asks for the GPUs it asked for before. A
    service that keeps its own ``NVIDIA_*`` entries beside a merged anchor is the usual case."""
    planned = {p.view.name: p.view for p in plans}
    if not bad <= planned.keys():
        return None
    edits = _one_block_per_place(plans)
    if edits is None:
        return None
    try:
        after = edit_engine.apply(body, edits)
        states = {v.name: gpu_state(v) for i, v in _indexed(after, env_files) if i == index}
    except (edit_engine.EditConflict, MigrationError):
        return None
    same = all(states.get(name) == gpu_state(planned[name]) for name in bad)
    return edits if same and _comments_of(after) == _comments_of(body) else None


def _carried_once(body: str, edits: list[Edit]) -> list[Edit]:
    """The edits with every comment of the text written once. Services that merge one anchor
    each remove its lines, and each carries their comments into its own new lines; the first in
    the text keeps them, the later copies go."""
    try:
        excess = _comments_of(edit_engine.apply(body, edits)) - _comments_of(body)
    except edit_engine.EditConflict:
        return edits  # applying them reports the conflict
    if not excess:
        return edits
    out: list[Edit] = []
    for edit in sorted(dict.fromkeys(edits), key=lambda e: (e.start, e.end), reverse=True):
        lines = edit.new.split("\n")
        for number in reversed(range(len(lines))):
            comment = layout.line_comment(lines[number].removesuffix("\r"))
            if comment is not None and comment.own_line and excess[comment.text] > 0:
                excess[comment.text] -= 1
                del lines[number]
        out.append(Edit(edit.start, edit.end, "\n".join(lines)))
    return out[::-1]


def _comments_of(text: str) -> Counter[str]:
    """Every comment of a text: a merged set of edits must carry each one exactly once."""
    found = (layout.line_comment(line.removesuffix("\r")) for line in text.split("\n"))
    return Counter(comment.text for comment in found if comment is not None)


def _one_block_per_place(plans: list[Plan]) -> list[Edit] | None:
    """The plans' edits with one set of new lines at each place: services that merge one anchor
    each plan the same lines there, some carrying the comments of lines only they removed. The
    plan whose comments include every other's stands for all; None when the lines differ in
    more than comments."""
    kept: list[Edit] = []
    places: dict[int, list[list[Edit]]] = {}
    for current in plans:
        mine: dict[int, list[Edit]] = {}
        for edit in current.edits:
            if edit.start == edit.end:
                mine.setdefault(edit.start, []).append(edit)
            else:
                kept.append(edit)
        for offset, inserts in mine.items():
            places.setdefault(offset, []).append(inserts)
    for variants in places.values():
        shapes = {tuple(_uncommented(edit.new) for edit in inserts) for inserts in variants}
        said = [Counter(c for edit in inserts for c in _comments(edit.new)) for inserts in variants]
        widest = max(range(len(variants)), key=lambda index: sum(said[index].values()))
        if len(shapes) > 1 or any(found - said[widest] for found in said):
            return None
        kept.extend(variants[widest])
    return kept


def _uncommented(text: str) -> tuple[str, ...]:
    return tuple(line for line in text.split("\n") if not line.lstrip().startswith("#"))


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.lstrip().startswith("#")]


_States = dict[tuple[str, int], tuple[frozenset[object], tuple[int, int]]]
"""Each service's GPU state and place (line, column), by name and document index."""


@dataclass(frozen=True)
class _Planned:
    """What planning leaves once the parse trees are gone: plain edits, words and GPU states."""

    edits: list[Edit]
    warnings: tuple[Finding, ...]
    services: tuple[str, ...]
    before: _States
    """Kept for verification; empty when there is nothing to verify."""
    suppressed: tuple[Finding, ...] = ()


def migrate(
    text: str,
    to: Form | str,
    *,
    verify: bool = True,
    drop_version: bool = False,
    env_files: EnvFileReader | None = None,
    held: Mapping[str, Finding] | None = None,
) -> Result:
    """Migrate every service of a Compose text to one GPU form, changing only what must change.

    ``drop_version`` also removes the top-level ``version:`` key, obsolete in Compose v2.
    ``env_files`` reads the env files the services name; without it a GPU service whose
    ``env_file`` could matter is left unchanged with a warning. Env files are never written.
    ``held`` names services to leave alone, with the warning to give (see ``projects``).
    """
    target = Form(to)
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    if not needs_parsing(body, drop_version):
        return Result(text, False)
    planned = _plan_text(
        body, target, verify, drop_version, env_files, held if held is not None else {}
    )
    if not planned.edits:
        return Result(text, False, planned.warnings, suppressed=planned.suppressed)
    try:
        new_body = edit_engine.apply(body, planned.edits)
    except edit_engine.EditConflict as exc:
        raise MigrationError(f"internal edit conflict: {exc}") from None
    if not body.endswith("\n"):
        new_body = new_body.rstrip("\r\n")  # no final newline, even when the last lines went
    if verify:
        _verify(planned.before, new_body, env_files)
    return Result(
        bom + new_body, new_body != body, planned.warnings, planned.services, planned.suppressed
    )


def _plan_text(
    body: str,
    target: Form,
    verify: bool,
    drop_version: bool,
    env_files: EnvFileReader | None,
    held: Mapping[str, Finding],
) -> _Planned:
    """Parse and plan; only plain data leaves, so the input's nodes are freed before the output
    is parsed to verify it (the nodes take tens of bytes per byte of YAML)."""
    lines = Lines(body)
    warnings: list[Finding] = []
    owners: dict[int, int] = {}
    """id of a service's warning → the line of the service's own key."""
    plans: list[Plan] = []
    shared = False
    """Some document has two or more services to migrate and nodes that several places reach."""
    edits: list[Edit] = []
    parsed = documents(body, lines, env_files)
    across = _across_documents(parsed)
    for index, document in enumerate(parsed):
        views = document.views
        migrated_before = len(plans)
        outcomes = [
            (view, _held(view, plan(view, target), across.get((index, view.name), held)))
            for view in views
        ]
        found = [outcome for _, outcome in outcomes if isinstance(outcome, Plan)]
        bad = _shared_conflicts(found, views)
        together = _together(bad, found, index, body, env_files) if bad else None
        bad = set() if together is not None else bad
        for view, outcome in outcomes:
            first = len(warnings)
            if isinstance(outcome, Finding):
                warnings.append(outcome)
            elif isinstance(outcome, Plan) and view.name in bad:
                reason = (
                    "it shares an anchored setting with services that would not get the same "
                    "edit (they ask for other GPUs, or none)"
                )
                message = f"service {view.name!r}: {reason}; left unchanged"
                warnings.append(Finding(*view.where(view.key), message, SHARED))
            elif isinstance(outcome, Plan):
                plans.append(outcome)
                edits.extend(outcome.edits if together is None else [])
                warnings.extend(_jetson_warning(view, target))
                warnings.extend(outcome.notes)
            owners.update((id(w), view.where(view.key)[0]) for w in warnings[first:])
        edits.extend(together or [])
        shared = shared or (len(plans) - migrated_before > 1 and bool(views and views[0].refs))
        if len(plans) > migrated_before:
            note = version.warning(document.root, lines, target)
            warnings.extend([note] if note and not drop_version else [])
    extra = [e for d in parsed for e in version.drop(d.root, lines)] if drop_version else []
    if shared:
        edits = _carried_once(body, edits)
    before: _States = {}
    if verify and (plans or extra):
        before = {
            (view.name, index): (gpu_state(view), view.where(view.key))
            for index, document in enumerate(parsed)
            for view in document.views
        }
    marks = suppress.marks(body)
    hidden = [w for w in warnings if suppress.covers(marks, w.code, w.line, owners.get(id(w), 0))]
    return _Planned(
        edits + extra,
        tuple(w for w in warnings if w not in hidden),
        tuple(p.view.name for p in plans),
        before,
        tuple(hidden),
    )


def _across_documents(parsed: list[Document]) -> dict[tuple[int, str], dict[str, Finding]]:
    """Services that two or more documents of the file define with GPU settings: Compose merges
    the documents, so a rewrite of one could change (or break) what the merged service asks for;
    each is held, by document, with a warning naming the others."""
    if len(parsed) < 2:
        return {}
    found: dict[str, list[tuple[int, ServiceView]]] = {}
    for index, document in enumerate(parsed):
        for view in document.views:
            env = view.entries.get("environment")
            names = {item.name for item in env_items(env.value)} if env is not None else set()
            if read_service(view).present or names & {VISIBLE, CAPABILITIES}:
                found.setdefault(view.name, []).append((index, view))
    held: dict[tuple[int, str], dict[str, Finding]] = {}
    for name, places in found.items():
        if len(places) < 2:
            continue
        for index, view in places:
            others = ", ".join(
                f"document {other + 1} line {v.where(v.key)[0]}"
                for other, v in places
                if other != index
            )
            message = (
                f"service {name!r}: its GPU settings are also made in {others} of this file, "
                "which Compose merges with this one; left unchanged in every document"
            )
            finding = Finding(*view.where(view.key), message, refusals.PROJECT)
            held[(index, name)] = {name: finding}
    return held


def _held(
    view: ServiceView, outcome: Plan | Finding | None, held: Mapping[str, Finding]
) -> Plan | Finding | None:
    """A service with something to do is left when its project holds it (``projects``)."""
    return held.get(view.name, outcome) if outcome is not None else None


def default_runtime(view: ServiceView) -> Finding | None:
    """A service with ``NVIDIA_VISIBLE_DEVICES`` in its own environment but no runtime and no
    request gets GPUs only where the daemon's default runtime is nvidia: not a GPU request this
    tool can see, so it says so."""
    env = view.entries.get("environment")
    items = [i for i in env_items(env.value) if i.name == VISIBLE] if env is not None else []
    value = items[-1].value if items else None
    if value is None or value.strip().lower() in ("", "none", "void"):
        return None
    reason = (
        f"{VISIBLE} is set without runtime: nvidia or a device request, so only a daemon whose "
        "default runtime is nvidia gives it GPUs; not treated as a GPU request"
    )
    return Finding(*view.where(items[-1].key), f"service {view.name!r}: {reason}", DEFAULT_RUNTIME)


def _assumed_visible(view: ServiceView, reading: Reading, target: Form) -> list[Finding]:
    """Advice when ``runtime: nvidia`` alone became every GPU although neither the file nor a
    known image sets ``NVIDIA_VISIBLE_DEVICES`` (without it the toolkit gives no GPU)."""
    if target is Form.RUNTIME or Form.RUNTIME not in reading.present:
        return []
    if any(form in reading.present for form in REQUEST_FORMS) or VISIBLE in view.gpu_env:
        return []
    image = view.entries.get("image")
    name = yamldoc.text_of(image.value) if image else None
    if name is None or images.sets_visible_devices(name):
        return []  # no image: it is built, from a base this file does not name
    reason = (
        f"{VISIBLE} is set neither here nor by a known CUDA image; migrated as every GPU, which "
        "runtime: nvidia gives only if the image sets it"
    )
    return [Finding(*view.where(view.key), f"service {view.name!r}: {reason}", ASSUMED)]


def _jetson_warning(view: ServiceView, target: Form) -> list[Finding]:
    image = view.entries.get("image")
    name = yamldoc.text_of(image.value) if image else None
    if target is Form.RUNTIME or not images.is_jetson(name):
        return []
    reason = (
        "runs a Jetson (L4T) image, where runtime: nvidia is the documented way; test on the device"
    )
    return [Finding(*view.where(view.key), f"service {view.name!r}: {reason}", refusals.JETSON)]


def _verify(before: _States, after: str, env_files: EnvFileReader | None) -> None:
    """Re-read the output: it must parse and every service must ask for the same GPUs."""
    try:
        new_states = {(v.name, i): gpu_state(v) for i, v in _indexed(after, env_files)}
    except MigrationError as exc:
        message = f"the rewrite would not parse ({exc.message}); file left unchanged"
        raise MigrationError(message) from None
    if before.keys() != new_states.keys():
        raise MigrationError("the rewrite would change the set of services; file left unchanged")
    for key, (state, place) in before.items():
        if state != new_states[key]:
            raise MigrationError(
                f"the rewrite would change the GPUs of service {key[0]!r} from "
                f"{describe(state)} to {describe(new_states[key])}; file left unchanged",
                *place,
            )


def describe(state: frozenset[object]) -> str:
    """A GPU state in words, for the message that refuses a rewrite."""
    if not state:
        return "no GPU request"
    words = []
    for item in sorted(state, key=str):
        if isinstance(item, tuple) and len(item) == 4:
            visible, caps, driver, _ = item
            words.append(f"{driver} GPUs {visible} with [{', '.join(sorted(caps))}]")
        elif isinstance(item, tuple) and len(item) == 2:
            words.append(f"a request that cannot be read ({item[1]})")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", " and ".join(words))


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
"""Characters that would break the one-line message (an id may hold a line break)."""


def _indexed(text: str, env_files: EnvFileReader | None) -> Iterator[tuple[int, ServiceView]]:
    for index, document in enumerate(documents(text, Lines(text), env_files)):
        for view in document.views:
            yield index, view
