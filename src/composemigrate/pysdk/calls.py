"""The docker SDK calls that carry GPU arguments, and how an edit of them is described and applied.

A ``Site`` is one request for GPUs in code: the call that holds ``runtime`` / ``device_requests``
and the call that holds ``environment``. They are the same call for ``containers.run`` and
``containers.create``; a host config (``create_host_config``, ``HostConfig``) has no environment
and takes it from the ``create_container`` call it is passed to as ``host_config=``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import libcst as cst

from composemigrate.pysdk import layout

CONTAINER_METHODS = frozenset({"run", "create"})


@dataclass(frozen=True)
class Skip:
    """Why a call is left unchanged, and the node the warning points at."""

    node: cst.CSTNode
    message: str


def method_label(call: cst.Call) -> str | None:
    """``containers.run``, ``containers.create``, ``create_host_config`` or ``create_container``."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    name = func.attr.value
    if name in ("create_host_config", "create_container"):
        return name
    owner = func.value
    if name in CONTAINER_METHODS and isinstance(owner, cst.Attribute):
        return f"containers.{name}" if owner.attr.value == "containers" else None
    return None


def reference_label(arg: cst.Arg) -> str | None:
    """``containers.run`` or ``containers.create`` handed over uncalled (``functools.partial``,
    ``asyncio.to_thread``, ``executor.submit``): the keyword arguments beside it go to it."""
    func = arg.value
    if not (isinstance(func, cst.Attribute) and func.attr.value in CONTAINER_METHODS):
        return None
    owner = func.value
    if isinstance(owner, cst.Attribute) and owner.attr.value == "containers":
        return f"containers.{func.attr.value}"
    return None


def keyword(call: cst.Call, name: str) -> int | None:
    """The index of the ``name=`` argument of ``call``."""
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == name:
            return index
    return None


ArgChange = Callable[[cst.Arg], cst.Arg]


@dataclass(frozen=True)
class CallEdit:
    """Changes to the arguments of one call, by their index in it, applied to the transformed
    call; no edit both removes and inserts, so the indexes never shift under one another."""

    replace: Mapping[int, ArgChange] = field(default_factory=dict)
    remove: frozenset[int] = frozenset()
    insert_after: tuple[int, cst.Arg] | None = None

    def __or__(self, other: CallEdit) -> CallEdit:
        return CallEdit(
            {**self.replace, **other.replace},
            self.remove | other.remove,
            self.insert_after or other.insert_after,
        )

    def apply(self, call: cst.Call) -> cst.Call:
        args = layout.read_args(call)
        for index, change in self.replace.items():
            args = args.replaced(index, change(call.args[index]))
        for index in sorted(self.remove, reverse=True):
            args = args.without(index)
        if self.insert_after is not None:
            args = args.with_item_after(*self.insert_after)
        return layout.write_args(call, args)


@dataclass(frozen=True)
class Site:
    """``env_call`` is None for a host config whose environment is set where it cannot be seen."""

    label: str
    gpu_call: cst.Call
    env_call: cst.Call | None
    host_config: int | None = None
    """The index of ``host_config=`` in ``env_call`` when the two calls differ."""

    def anchor(self, gpu_arg: int) -> int:
        """The argument of ``env_call`` after which a new ``environment=`` goes."""
        return gpu_arg if self.host_config is None else self.host_config

    def apply(self, call: cst.Call, gpu_edit: CallEdit, env_edit: CallEdit) -> cst.Call:
        """Apply both edits to ``call``, the transformed counterpart of the outermost call."""
        if self.host_config is None:
            return (gpu_edit | env_edit).apply(call)
        inner = gpu_edit.apply(cst.ensure_type(call.args[self.host_config].value, cst.Call))
        nest = CallEdit({self.host_config: lambda arg: arg.with_changes(value=inner)})
        return (env_edit | nest).apply(call)
