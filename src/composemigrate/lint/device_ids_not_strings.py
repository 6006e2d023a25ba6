"""CM104 device-ids-not-strings: ``device_ids`` that is not a list of strings.

What: ``device_ids: [0, 3]`` (YAML integers), ``device_ids: 0``, ``device_ids: ${IDS}`` or an empty
``device_ids:``, in a device reservation or a ``gpus:`` entry.

Why: Compose refuses them ("device_ids.0 must be a string", "device_ids must be a array"); a
variable expands to one string, never to a list.

Fix (when every offending entry is a plain integer): quote the ids as written.

Before::

    device_ids: [0, 3]

After::

    device_ids: ['0', '3']
"""

from __future__ import annotations

from collections.abc import Iterator

from composemigrate import yamldoc
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView

CODE, NAME, SEVERITY, FIX = "CM104", "device-ids-not-strings", "error", "safe"


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    for request in entries.requests(view):
        ids = request.value("device_ids")
        if ids is None:
            continue
        if not yamldoc.is_sequence(ids):
            yield Hit(entries.at(ids), "device_ids must be a list of strings, e.g. ['0', '3']")
            continue
        bad = [item for item in ids.value if not entries.is_string(item)]
        if not bad:
            continue
        lines = view.lines
        fixable = all(entries.is_plain_int(lines, item) for item in bad)
        if not fixable:  # an entry may be a collection: never print it (an alias bomb expands)
            yield Hit(entries.at(bad[0]), "device_ids entries must be strings")
            continue
        quoted = ", ".join(f"'{item.value}'" for item in bad)
        fix = tuple(entries.quote(item) for item in bad)
        yield Hit(
            entries.at(bad[0]), f"device_ids entries must be strings; quote them: {quoted}", fix
        )
