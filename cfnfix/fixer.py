"""The fixer contract: metadata as class attributes and ``find(template, options)`` yielding findings.

A fixer reads the template model and returns edits on paths; it never parses or
prints text. Its class docstring is its documentation, in ruff's sections.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

from cfnfix.models import Applicability, Edit, Finding, Fix, InsertKey, Options, Path
from cfnfix.template import Template

SettingsT = TypeVar("SettingsT", bound=BaseModel)


class Fixer:
    """Base class of every fixer; subclasses set the metadata and implement ``find``."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    applicability: ClassVar[Applicability]
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ()
    #: regular expressions on cfn-lint messages of ``cfn_lint_rules`` this fixer leaves
    #: alone on purpose; each one is explained in the docstring
    cfn_lint_exceptions: ClassVar[tuple[str, ...]] = ()
    #: the template formats the defect can occur in
    formats: ClassVar[tuple[str, ...]] = ("yaml", "json")
    #: the settings a user may give in ``[tool.cfnfix.fixers.CODE]`` (kebab-case keys), if any
    settings_model: ClassVar[type[BaseModel] | None] = None
    #: where the fixer's documentation is read (built-in fixers: their page in cfnfix's docs)
    help_uri: ClassVar[str] = ""
    #: the profile that turns the fixer on (``--profile ci``); None: on unless deselected
    profile: ClassVar[str | None] = None
    #: on only when named by its exact code or name in ``select`` or ``extend-select``
    opt_in: ClassVar[bool] = False

    @property
    def builtin(self) -> bool:
        """Whether the fixer ships with cfnfix (rather than with a plugin)."""
        return type(self).__module__.split(".")[0] == "cfnfix_fixers"

    def settings(self, options: Options, model: type[SettingsT]) -> SettingsT:
        """This fixer's settings: its table of ``options.fixer_settings`` read by ``model``."""
        return model.model_validate(options.fixer_settings.get(self.code, {}))

    def find(self, template: Template, options: Options) -> Iterable[Finding]:
        raise NotImplementedError

    def finding(
        self,
        path: Path,
        message: str,
        edits: Sequence[Edit] | None = None,
        *,
        note: str = "",
        no_fix_reason: str | None = None,
        applicability: Applicability | None = None,
        related: Sequence[Path] = (),
        suggestion: str | None = None,
    ) -> Finding:
        """A finding of this fixer; with ``edits`` it carries a fix, else ``no_fix_reason``; a display
        fixer gives a ``suggestion`` (the lines to add, the command to run) instead."""
        fix = None
        if edits:
            fix = Fix(edits=tuple(edits), applicability=applicability or self.applicability, note=note)
        return Finding(
            code=self.code, name=self.name, message=message, path=path, fix=fix, related=tuple(related),
            no_fix_reason=None if fix else no_fix_reason, suggestion=suggestion,
        )

    @classmethod
    def docs(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")


def listed(items: list[str]) -> str:
    """Items as a message lists them: ``a``, ``a and b``, ``a, b and c`` ('' for none)."""
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def ref(name: str) -> dict[str, Any]:
    return {"Ref": name}


def sub(text: str) -> dict[str, Any]:
    return {"Fn::Sub": text}


def get_att(resource: str, attribute: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [resource, attribute]}




class LogicalIds:
    """Logical ids for what fixes create: none the template defines, none given out before.

    One allocator serves one fixer's ``find``, so that two resources it creates in one pass
    never share an id; two fixers that pick the same id in one pass insert at the same path,
    which the pipeline defers to the next pass, where the id is taken.
    """

    def __init__(self, template: Template) -> None:
        self.taken: set[str] = set(template.logical_ids)

    def new(self, base: str) -> str:
        """``base`` made alphanumeric (as CloudFormation requires), or with the first free number appended."""
        base = "".join(c for c in base if c.isascii() and c.isalnum()) or "Resource"
        name, n = base, 2
        while name in self.taken:
            name, n = f"{base}{n}", n + 1
        self.taken.add(name)
        return name


def new_resource(template: Template, logical_id: str, resource_type: str, properties: dict[str, Any], *,
                 serves: str, attributes: dict[str, Any] | None = None) -> InsertKey:
    """The edit that adds a resource created for the resource ``serves``: placed right after it,
    and existing exactly when it does (its ``Condition`` copied)."""
    value: dict[str, Any] = {"Type": resource_type}
    condition = template.get(("Resources", serves, "Condition"))
    if isinstance(condition, str):
        value["Condition"] = condition
    value.update(attributes or {})
    value["Properties"] = properties
    after = serves if template.has(("Resources", serves)) else None
    return InsertKey(path=("Resources",), key=logical_id, value=value, after=after)
