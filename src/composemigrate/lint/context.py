"""What a rule sees and what it hands back: the interface every ``lint/<rule>.py`` implements.

A rule module has constants ``CODE``, ``NAME``, ``SEVERITY``, ``FIX`` and one generator,
``check(view, ctx)``, that yields a ``Hit`` per problem. The engine turns hits into findings with
the rule's code and severity, so a rule never repeats them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from composemigrate.edits import Edit
from composemigrate.result import Finding
from composemigrate.service import ServiceView

SEVERITIES = ("error", "warning", "info")
"""Most severe first; the code's first digit says which (CM1xx, CM2xx, CM3xx)."""


@dataclass(frozen=True)
class Context:
    """What a rule may know besides the service: the GPUs of the target host, the file's name,
    and the services whose GPU settings its project makes in several files."""

    host_gpus: int | None = None
    path: str = "PATH"
    held: Mapping[str, Finding] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    """One problem at offset ``at`` of the text; ``fix`` holds the edits of its safe fix, if any."""

    at: int
    message: str
    fix: tuple[Edit, ...] = ()


class Rule(Protocol):
    """A rule module (yamllint style constants, pyupgrade style generator)."""

    @property
    def CODE(self) -> str: ...
    @property
    def NAME(self) -> str: ...
    @property
    def SEVERITY(self) -> str: ...
    @property
    def FIX(self) -> str | None: ...

    def check(self, view: ServiceView, ctx: Context) -> Iterator[Hit]: ...
