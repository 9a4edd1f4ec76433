"""Suggestion text for findings no fix can make: template lines in the file's own format, and
shell commands that use the template's values.

A display fixer's suggestion is pasted by a reviewer, so it is written as the file writes:
YAML with the file's indentation and short or long intrinsics, JSON with its indentation.
Commands name what the template names with shell variables set once at the top: the
account id asked of STS, the target region, each parameter with its default (or a stop
asking for it when it has none).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from cfnfix.render import Style, detect_style, json_entry, json_value, yaml_block, yaml_inline
from cfnfix.sub_text import literal
from cfnfix.template import SUB_VARIABLE, Template

_ACCOUNT_ID = "ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)"
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_./:@%+=,-]+\Z")


def style(template: Template) -> Style:
    """How the template writes (measured once per template), for lines that are printed, not spliced."""
    measured = template.memo("suggestions:style", lambda: detect_style(template.root, template.text, template.fmt))
    if measured.fmt == "json":
        return replace(measured, newline="\n", json_multiline=True, json_indent=measured.json_indent or "  ")
    return replace(measured, newline="\n")


def template_lines(template: Template, fragment: dict[str, Any]) -> str:
    """``fragment`` (plain data, long-form intrinsics) as template text in the file's format: YAML
    keys at column 0 in the file's style, or JSON ``"key": value`` entries separated by commas."""
    written = style(template)
    if written.fmt == "json":
        return ",\n".join(json_entry(str(key), value, written, "") for key, value in fragment.items())
    return "\n".join(yaml_block(fragment, written, 0))


def inline(template: Template, value: Any) -> str:
    """One value as the file writes it on one line (``!Ref X`` or ``{"Ref": "X"}``)."""
    written = style(template)
    if written.fmt == "yaml":
        line = yaml_inline(value, written)
        if line is not None:
            return line
    return json_value(value, written, "", compact=True)


def partition(region: str) -> tuple[str, str]:
    """The partition and URL suffix of a region."""
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com"
    return "aws", "amazonaws.com"


def shell_name(name: str) -> str:
    """A template name as a shell variable name (``EnvironmentSuffix`` -> ``ENVIRONMENT_SUFFIX``)."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", snake).strip("_").upper() or "VALUE"


def _double_quoted(text: str) -> str:
    return re.sub(r'(["\\$`])', r"\\\1", text)


class Shell:
    """Shell commands that use the template's values: Sub text becomes a shell word whose
    variables are shell variables, assigned once, before the commands, in the order first used."""

    def __init__(self, template: Template, region: str) -> None:
        self.template = template
        self.region = region
        self._assignments: dict[str, str] = {}
        self._names: dict[str, str] = {}

    def word(self, text: str) -> str | None:
        """Sub text as one shell word; None when it holds a value known only once the stack
        exists (a resource's name or attribute) or a variable the template does not define."""
        plain = literal(text)
        if plain is not None:
            return plain if _PLAIN_WORD.match(plain) else "'" + plain.replace("'", "'\\''") + "'"
        pieces: list[str] = []
        for i, part in enumerate(SUB_VARIABLE.split(text)):
            if i % 2 == 0:
                pieces.append(_double_quoted(part.replace("${!", "${")))
                continue
            expansion = self._variable(part.strip())
            if expansion is None:
                return None
            pieces.append(expansion)
        return '"' + "".join(pieces) + '"'

    def _variable(self, name: str) -> str | None:
        partition_name, suffix = partition(self.region)
        if name == "AWS::Partition":
            return partition_name
        if name == "AWS::URLSuffix":
            return suffix
        if name == "AWS::AccountId":
            return self._use("ACCOUNT_ID", _ACCOUNT_ID)
        if name == "AWS::Region":
            return self._use("REGION", f"REGION={self.region}")
        if name == "AWS::StackName":
            return self._use("STACK_NAME", 'STACK_NAME="${STACK_NAME:?the name of the stack}"')
        parameter = self.template.parameters.get(name)
        if not isinstance(parameter, dict):
            return None
        variable = self._names.get(name)
        if variable is None:
            variable = shell_name(name)
            if variable in ("ACCOUNT_ID", "REGION", "STACK_NAME") or variable in self._names.values():
                variable += "_PARAMETER"
            self._names[name] = variable
        default = parameter.get("Default")
        if isinstance(default, (str, int, float)) and not isinstance(default, bool) and str(default) != "":
            value = str(default)
            shown = value if _PLAIN_WORD.match(value) else _double_quoted(value)
            return self._use(variable, f'{variable}="${{{variable}:-{shown}}}"')
        return self._use(variable, f'{variable}="${{{variable}:?the value of parameter {name}}}"')

    def _use(self, variable: str, assignment: str) -> str:
        self._assignments.setdefault(variable, assignment)
        return "${" + variable + "}"

    def script(self, commands: Sequence[str]) -> str:
        """The assignments of the variables the words used, then ``commands``, one a line."""
        return "\n".join([*self._assignments.values(), *commands])
