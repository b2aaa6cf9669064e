"""The text diff of two task definitions, as the version list and "what changed" show it.

Pure: it compares two specs, so the window, the CLI and the storage's "what changed before it
broke" give the same text without a database.
"""

from __future__ import annotations

import difflib
import json

from taskrun_gui.core import params as params_mod
from taskrun_gui.core.models import TaskSpec


def diff_specs(old: TaskSpec, new: TaskSpec, old_label: str, new_label: str) -> str:
    """Unified diff: the definition fields, then the script text. Secret defaults read "***",
    and "*** (changed)" where the newer one differs, so a diff never shows a secret."""
    before = params_mod.secret_defaults(old.params)
    changed = {
        name
        for name, value in params_mod.secret_defaults(new.params).items()
        if name in before and before[name] != value
    }
    old, new = params_mod.masked_spec(old), params_mod.masked_spec(new, changed)
    return "".join(difflib.unified_diff(_lines(old), _lines(new), old_label, new_label))


def _lines(spec: TaskSpec) -> list[str]:
    data = spec.to_dict()
    script = data.pop("script", "")
    out = json.dumps(data, sort_keys=True, indent=2).splitlines(keepends=True)
    out = [line if line.endswith("\n") else line + "\n" for line in out]
    if script:
        out.append("--- script ---\n")
        out += [s if s.endswith("\n") else s + "\n" for s in script.splitlines(True)]
    return out
