"""The transformer shared by both directions: find the sites, ask for an edit, apply it.

A direction subclasses ``GpuCalls`` and implements ``rewrite`` (an edit for one site, a ``Skip``
that becomes a warning, or None when the site has nothing to migrate), ``loose_setting`` (a
warning for a GPU setting written where no call argument can be rewritten, e.g. a kwargs dict)
and ``finish`` (the imports). It is a plain ``CSTTransformer``, not a libcst codemod command:
building one of those costs some 50 ms per file (matcher introspection), the whole budget.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import libcst as cst
import libcst.matchers as m
from libcst.metadata import PositionProvider

from composemigrate.gpu import CAPABILITIES, VISIBLE, Unsupported, from_environment
from composemigrate.pysdk import imports
from composemigrate.pysdk.calls import CallEdit, Site, Skip, keyword, method_label, reference_label
from composemigrate.pysdk.env import Environment, read_environment
from composemigrate.pysdk.literals import literal_str, snippet
from composemigrate.pysdk.requests import read_requests
from composemigrate.result import Finding

Rewrite = tuple[CallEdit, CallEdit] | Skip | None
"""The edits of a site's GPU call and environment call, a reason to leave it, or nothing to do."""


class GpuCalls(cst.CSTTransformer, ABC):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.findings: list[Finding] = []
        self.services: list[str] = []
        self.in_try: set[cst.CSTNode] = set()
        self.imports = imports.DockerImports({}, {})
        self._nested: dict[cst.CSTNode, str] = {}
        """Host config calls passed to ``create_container(host_config=...)``, with their label."""

    @abstractmethod
    def rewrite(self, site: Site) -> Rewrite: ...

    def applied(self, site: Site) -> None:
        """Called once the edit of ``site`` is decided, for warnings that do not stop it."""

    @abstractmethod
    def loose_setting(self, key: str, value: cst.BaseExpression) -> str | None: ...

    @abstractmethod
    def finish(self, module: cst.Module) -> cst.Module:
        """The transformed module with its imports brought in line."""

    def report(self, node: cst.CSTNode, message: str) -> None:
        start = self.get_metadata(PositionProvider, node).start
        self.findings.append(Finding(start.line, start.column + 1, message))

    def is_request(self, call: cst.Call) -> bool:
        return self.imports.qualified(call.func) in imports.REQUESTS

    def environment(self, site: Site) -> tuple[int, Environment] | Skip | None:
        """The ``environment=`` literal of the site; None when there is none."""
        if site.env_call is None:
            return Skip(site.gpu_call, "the environment goes to create_container, not visible here")
        index = keyword(site.env_call, "environment")
        if index is None:
            return None
        env = read_environment(site.env_call.args[index].value)
        if isinstance(env, Skip):
            return env
        return env.problem() or (index, env)

    def both_forms(
        self, site: Site, runtime: int, requests: int
    ) -> tuple[int, Environment] | Skip | None:
        """A call that asks twice, through ``runtime='nvidia'`` (with its environment) and
        ``device_requests``: its environment when both ask for the same GPUs, so one form can go
        (as lint's CM204 does for Compose); a Skip when they differ."""
        call = site.gpu_call
        if literal_str(call.args[runtime].value) != "nvidia":
            return Skip(call, "both runtime and device_requests are set")
        request = read_requests(call.args[requests].value, self.is_request)
        if isinstance(request, Skip):
            return request
        found = self.environment(site)
        if isinstance(found, Skip):
            return found
        values = found[1].gpu_values() if found else {}
        legacy = from_environment(values.get(VISIBLE), values.get(CAPABILITIES))
        if isinstance(legacy, Unsupported) or legacy.effect() != request.effect():
            return Skip(call, "runtime='nvidia' and device_requests ask for different GPUs")
        return found

    def visit_Module(self, node: cst.Module) -> None:
        self.imports = imports.scan(node)

    def visit_Try(self, node: cst.Try) -> None:
        self.in_try.update(m.findall(node.body, m.Call()))

    def visit_Call(self, node: cst.Call) -> None:
        if method_label(node) == "create_container":
            index = keyword(node, "host_config")
            value = node.args[index].value if index is not None else None
            label = self._host_config(value) if isinstance(value, cst.Call) else None
            if value is not None and label is not None:
                self._nested[value] = label
        if m.matches(node.func, m.Name("dict")):
            for arg in node.args:
                if arg.keyword is not None:
                    self._loose(arg, arg.keyword.value, arg.value)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = literal_str(node.key)
        if key is not None:
            self._loose(node, key, node.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            subscript = target.target
            if isinstance(subscript, cst.Subscript) and len(subscript.slice) == 1:
                index = subscript.slice[0].slice
                key = literal_str(index.value) if isinstance(index, cst.Index) else None
                if key is not None:
                    self._loose(target, key, node.value)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        site = self._site(original_node)
        if site is None:
            return updated_node
        splat = self._splat(site)
        outcome = self.rewrite(site)
        for skip in (splat, outcome):
            if isinstance(skip, Skip):
                self.report(skip.node, f"{site.label}: {skip.message}; left unchanged")
        if splat or not isinstance(outcome, tuple):
            return updated_node
        self.applied(site)
        line = self.get_metadata(PositionProvider, site.gpu_call).start.line
        self.services.append(f"{site.label}@{line}")
        return site.apply(updated_node, *outcome)

    def _host_config(self, call: cst.Call) -> str | None:
        if method_label(call) == "create_host_config":
            return "create_host_config"
        return "HostConfig" if self.imports.qualified(call.func) in imports.HOST_CONFIGS else None

    def _site(self, call: cst.Call) -> Site | None:
        label = method_label(call)
        if label is not None and label.startswith("containers."):
            return Site(label, call, call)
        handed = next(
            (name for arg in call.args if arg.keyword is None and (name := reference_label(arg))),
            None,
        )
        if handed is not None:
            return Site(f"{handed} through {snippet(call.func)}", call, call)
        if label == "create_container":
            index = keyword(call, "host_config")
            inner = call.args[index].value if index is not None else None
            if isinstance(inner, cst.Call) and inner in self._nested:
                return Site(self._nested[inner], inner, call, index)
            return None
        host_config = self._host_config(call)
        if host_config is None or call in self._nested:
            return None
        return Site(host_config, call, None)

    def _splat(self, site: Site) -> Skip | None:
        for call in (site.gpu_call, site.env_call):
            for arg in call.args if call is not None else ():
                if arg.star == "**":
                    return Skip(
                        arg,
                        f"**{snippet(arg.value)} may set runtime, environment or device_requests",
                    )
        return None

    def _loose(self, node: cst.CSTNode, key: str, value: cst.BaseExpression) -> None:
        message = self.loose_setting(key, value)
        if message is not None:
            self.report(node, f"{message}, not as a docker SDK call argument; not migrated")
