"""The fixer contract: metadata as class attributes and ``find(template, options)`` yielding findings.

A fixer reads the template model and returns edits on paths; it never parses or
prints text. Its class docstring is its documentation, in ruff's sections.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

from cfnfix.models import Applicability, Edit, Finding, Fix, Options, Path
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
    ) -> Finding:
        """A finding of this fixer; with ``edits`` it carries a fix, else ``no_fix_reason``."""
        fix = None
        if edits:
            fix = Fix(edits=tuple(edits), applicability=applicability or self.applicability, note=note)
        return Finding(
            code=self.code, name=self.name, message=message, path=path, fix=fix, related=tuple(related),
            no_fix_reason=None if fix else no_fix_reason,
        )

    @classmethod
    def docs(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")


def ref(name: str) -> dict[str, Any]:
    return {"Ref": name}


def sub(text: str) -> dict[str, Any]:
    return {"Fn::Sub": text}


def get_att(resource: str, attribute: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [resource, attribute]}


