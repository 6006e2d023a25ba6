"""One service as the forms see it: its effective keys, its NVIDIA_* environment, its style, and
what a form's reader found there. The edits a form makes are in ``splice``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from composemigrate import environment, layout, refusals, yamldoc
from composemigrate.environment import NAMES, EnvFileReader, env_items
from composemigrate.gpu import GpuRequest, Unsupported
from composemigrate.layout import Style
from composemigrate.yamldoc import Entry, Lines, Node

UNKNOWN = "${env_file}"
"""The value of an NVIDIA_* variable that an env file which cannot be read may set."""

REQUEST, CAPS = "request", "caps"
"""Slots of a new device-request block: the line naming the GPUs, the capabilities line."""


def might_have_gpus(text: str) -> bool:
    """The cheap gate: a file (or a service) that names neither nvidia nor gpu asks for none,
    so it is never parsed (or read) for one."""
    return "nvidia" in text or "NVIDIA" in text or "gpu" in text


BROUGHT_IN = ("<<", "*", "env_file", "runtime", "driver", "capabilities", "device")
"""Words of a service's own text that may make or decide a GPU request without a GPU word
there: keys brought in from elsewhere (a merge, an alias, an env file), or set from a
variable."""


@dataclass
class ServiceView:
    """A service mapping with its effective keys, in the text it was parsed from."""

    name: str
    key: Node
    node: Node
    root: Node
    lines: Lines
    refs: frozenset[int]
    """The nodes (by id) that more than one place points at."""
    env_files: EnvFileReader | None = None
    kept: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    """What a reader worked out about the service, for the next one to ask (see
    ``rewrite.read_service``)."""

    @cached_property
    def entries(self) -> dict[str, Entry]:
        return yamldoc.entries(self.node)

    @cached_property
    def plain(self) -> bool:
        """True when the service's own text names no GPU and brings nothing in that could (see
        ``BROUGHT_IN``): no form's reader need look at it, which spares most services of a
        file."""
        start, end = int(self.node.start_mark.index), int(self.node.end_mark.index)
        span = self.lines.text[start:end]  # the end of the mapping's own text, never an alias's
        return bool(span) and not might_have_gpus(span) and not any(w in span for w in BROUGHT_IN)

    @cached_property
    def env_file_values(self) -> dict[str, str | None] | Found:
        """The NVIDIA_* values the service's env files set, or why they cannot be read."""
        env_file = self.entries.get("env_file")
        if env_file is None:
            return {}
        found = environment.from_env_files(env_file.value, self.env_files)
        return Found(found, self.where(env_file.key)) if isinstance(found, Unsupported) else found

    @cached_property
    def gpu_env(self) -> dict[str, str | None]:
        """The NVIDIA_* values of the service's environment: its env files under ``environment``
        (None: from the shell). A value that only an unreadable env file could set is
        ``UNKNOWN``: a token compared as opaque text, since the file is never changed."""
        files = self.env_file_values
        values: dict[str, str | None] = (
            dict.fromkeys(NAMES, UNKNOWN) if isinstance(files, Found) else dict(files)
        )
        env = self.entries.get("environment")
        for item in env_items(env.value) if env else []:
            if item.name in NAMES:
                values[item.name] = item.value
        return values

    def env_where(self, name: str) -> tuple[int, int]:
        """Where the variable ``name`` is set: its environment entry, else ``env_file``."""
        env = self.entries.get("environment")
        items = [item for item in env_items(env.value) if item.name == name] if env else []
        if items:
            return self.where(items[-1].key)
        env_file = self.entries.get("env_file")
        return self.where(env_file.key if env_file else self.key)

    def shell_value(self, name: str) -> Found:
        """The refusal for an NVIDIA_* variable whose value the shell gives."""
        reason = f"{name} takes its value from the shell; it is not known"
        return Found(Unsupported(reason, refusals.FROM_SHELL), self.env_where(name))

    @cached_property
    def style(self) -> Style:
        return layout.measure(self.lines, self.root, self.node, self.key)

    def where(self, node: Node) -> tuple[int, int]:
        """1-based line and column of a node, for messages."""
        return self.lines.where(int(node.start_mark.index))

    def unmasks(self, entry: Entry) -> bool:
        """True when deleting the service's own key would let a merged anchor's key show through."""
        name = entry.key.value
        return entry.owner is self.node and any(
            name in yamldoc.entries(source) for source in yamldoc.merge_sources(self.node)
        )

    def shared(self, node: Node) -> bool:
        """True when an alias elsewhere points at ``node``: deleting it would break the alias."""
        return id(node) in self.refs


@dataclass(frozen=True)
class Found:
    """What a form's reader saw in a service: a request, or why it cannot be carried over."""

    request: GpuRequest | Unsupported
    where: tuple[int, int]
