"""Values a template keeps secret (its ``NoEcho`` parameters' defaults), masked in every output.

Findings, notes, reasons, edit values and error lines are masked before they leave the
pipeline, so that no output built on them (text, JSON, SARIF, annotations, a pull
request) can carry a secret. The unified diff of the user's own file is the exception:
it must stay exact to apply with ``patch``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cfnfix.models import Finding, Fix
from cfnfix.template import Template

MASK = "****"


def _is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def noecho_defaults(template: Template) -> frozenset[str]:
    """The ``Default`` of every parameter with ``NoEcho: true``, as text (empty ones left out)."""
    found = set()
    for parameter in template.parameters.values():
        if isinstance(parameter, dict) and _is_true(parameter.get("NoEcho")):
            default = parameter.get("Default")
            if isinstance(default, str | int | float) and not isinstance(default, bool) and str(default) != "":
                found.add(str(default))
    return frozenset(found)


def mask_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of a secret replaced by ``****`` (longest first)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def mask_value(value: Any, secrets: frozenset[str]) -> Any:
    """Data with secrets masked in every string, and a number equal to a secret replaced by ``****``."""
    if isinstance(value, str):
        return mask_text(value, secrets)
    if isinstance(value, dict):
        return {key: mask_value(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_value(item, secrets) for item in value)
    if isinstance(value, int | float) and not isinstance(value, bool) and str(value) in secrets:
        return MASK
    return value


def mask_finding(finding: Finding, secrets: frozenset[str]) -> Finding:
    """A copy of ``finding`` whose message, reason, fix note and edit values show no secret."""
    if not secrets:
        return finding
    update: dict[str, Any] = {"message": mask_text(finding.message, secrets)}
    if finding.no_fix_reason:
        update["no_fix_reason"] = mask_text(finding.no_fix_reason, secrets)
    if finding.fix is not None:
        edits = tuple(
            edit.model_copy(update={"value": mask_value(edit.value, secrets)}) if hasattr(edit, "value") else edit
            for edit in finding.fix.edits
        )
        update["fix"] = Fix(edits=edits, applicability=finding.fix.applicability,
                            note=mask_text(finding.fix.note, secrets))
    return finding.model_copy(update=update)
