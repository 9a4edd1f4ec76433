"""String values read as ``Fn::Sub`` text, whatever form the template wrote them in.

A name or an address a template builds (an ECR image, an S3 URL, an SSM parameter name)
may be a literal, an ``Fn::Sub``, an ``Fn::Join`` of parts or a ``Ref``. Read as Sub text,
``${Name}`` standing for each parameter, pseudo parameter or resource attribute, they
compare and match in one form: ``!Join ['', [!Ref 'AWS::AccountId', '.dkr.ecr...']]`` and
``!Sub '${AWS::AccountId}.dkr.ecr...'`` are the same text. What cannot be read so (an
``Fn::If``, an ``Fn::FindInMap``, an ``Fn::ImportValue``) is None: a caller that cannot tell
what a value is says nothing about it.
"""

from __future__ import annotations

import re
from typing import Any

from cfnfix.literals import as_text
from cfnfix.template import SUB_VARIABLE, Template, sub_variables

_ESCAPE = re.compile(r"\$\{!")
_PSEUDO_PARAMETERS = frozenset({
    "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region",
    "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
})


def sub_text(value: Any) -> str | None:
    """``value`` as Fn::Sub text (:func:`cfnfix.literals.as_text`: a literal with ``${`` escaped, an
    Fn::Sub's text with its own variables put in, an Fn::Join of such parts, ``${X}`` for ``Ref X``,
    ``${A.B}`` for ``GetAtt``); None for anything else, or holding anything else."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, dict)):
        return None
    text, opaque = as_text(value)
    return None if opaque else text


def literal(text: str) -> str | None:
    """The plain string Sub text stands for when it has no variables, else None."""
    if SUB_VARIABLE.search(text):
        return None
    return _ESCAPE.sub("${", text)


def is_pseudo_parameter(name: str) -> bool:
    return name in _PSEUDO_PARAMETERS


def pattern(text: str, opaque: frozenset[str] = frozenset()) -> re.Pattern[str]:
    """A regular expression of the strings Sub text may stand for: each variable matches any
    non-empty text, but a variable whose name (before any ``.``) is in ``opaque`` matches only
    itself (a resource's generated name or attribute, which no literal text can equal)."""
    parts = SUB_VARIABLE.split(text)
    pieces = []
    for i, part in enumerate(parts):
        if i % 2 == 0:  # split() puts the variable names at odd indexes
            pieces.append(re.escape(_ESCAPE.sub("${", part)))
        elif part.strip().split(".", 1)[0] in opaque:
            pieces.append(re.escape("${" + part + "}"))
        else:
            pieces.append(".+")
    return re.compile("".join(pieces) + r"\Z", re.S)


def resource_ids(template: Template) -> frozenset[str]:
    """The template's logical ids, the ``opaque`` names of :func:`may_equal` (a resource's name is
    generated): built once per template version."""
    return template.memo("sub-text:resource-ids", lambda: frozenset(template.resources))


def may_equal(first: str, second: str, opaque: frozenset[str] = frozenset()) -> bool:
    """Whether two Sub texts may stand for the same string once their variables are known
    (variables named in ``opaque`` as :func:`pattern` reads them).

    Equal texts may; so may texts where one's literal parts fit around the other's
    (``/app/${Env}/db`` and ``/app/prod/db``). Two texts with variables are compared each
    against the other with the variables kept as they are written, which tells apart texts
    whose literal parts cannot line up (``/app/${Env}/db`` and ``/web/${Stage}/db``)."""
    if first == second:
        return True
    return bool(pattern(first, opaque).match(second) or pattern(second, opaque).match(first))


def referenced_resource(text: str, template: Template) -> str | None:
    """The logical id of the resource Sub text is exactly ``${Resource}`` or ``${Resource.Attribute}`` of,
    else None."""
    names = sub_variables(text)
    if len(names) != 1 or text != "${" + names[0] + "}":
        return None
    logical_id = names[0].split(".", 1)[0]
    return logical_id if logical_id in template.resources else None


def names_of(template: Template, resource_type: str, name_property: str) -> list[tuple[str, str | None]]:
    """(logical id, name as Sub text) of each resource of ``resource_type``, its name read from
    ``name_property`` (None when it is there but cannot be read; ``${LogicalId}`` when the
    resource has none, so that CloudFormation names it and ``!Ref`` gives the name).

    Computed once per template and resource type."""

    def compute() -> list[tuple[str, str | None]]:
        found: list[tuple[str, str | None]] = []
        for logical_id, resource in template.resources_of_type(resource_type):
            properties = resource.get("Properties")
            properties = properties if isinstance(properties, dict) else {}
            if name_property in properties:
                found.append((logical_id, sub_text(properties[name_property])))
            else:
                found.append((logical_id, "${" + logical_id + "}"))
        return found

    return template.memo(f"sub-text:names:{resource_type}:{name_property}", compute)
