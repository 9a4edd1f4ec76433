"""Data models shared by the engine, the fixers and the outputs: edits, fixes, findings, reports."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PathPart = str | int
Path = tuple[PathPart, ...]


class Applicability(str, Enum):
    """How far a fix may be trusted: safe fixes apply by default, unsafe ones on request."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY = "display"


class _Edit(BaseModel):
    # schemas are built on first use, not at import: a command that never makes a model starts faster
    model_config = ConfigDict(frozen=True, defer_build=True)

    path: Path

    def touches(self) -> Path:
        """The innermost node this edit changes; two edits of one pass must not nest."""
        return self.path

    def claims(self) -> tuple[tuple[Path, bool], ...]:
        """The nodes this edit changes, each with whether only its key changes: two edits of one
        pass must not claim nodes that nest, save that a renamed key leaves its value to others."""
        return ((self.touches(), False),)


class SetValue(_Edit):
    """Replace the value at ``path`` (a mapping key or a sequence index)."""

    op: Literal["set"] = "set"
    value: Any


class Delete(_Edit):
    """Remove the key or the sequence item at ``path``."""

    op: Literal["delete"] = "delete"


class InsertKey(_Edit):
    """Add ``key: value`` to the mapping at ``path``, after the key ``after`` (else last, or first)."""

    op: Literal["insert"] = "insert"
    key: str
    value: Any
    after: str | None = None
    first: bool = False

    def touches(self) -> Path:
        return (*self.path, self.key)


class RenameKey(_Edit):
    """Rename the mapping key at ``path`` to ``new_key``, keeping its value and position."""

    op: Literal["rename"] = "rename"
    new_key: str

    def claims(self) -> tuple[tuple[Path, bool], ...]:
        # the key alone (edits inside its value may go in the same pass), and the new key's
        # place, which an insertion of that key in the same pass would take too
        return ((self.path, True), ((*self.path[:-1], self.new_key), False))


class AppendItem(_Edit):
    """Append ``value`` to the sequence at ``path``."""

    op: Literal["append"] = "append"
    value: Any

    def touches(self) -> Path:
        return (*self.path, "+")


class WrapValue(_Edit):
    """Make the value at ``path`` one argument of an intrinsic function:
    ``{function: [*before, <the value>, *after]}``; the value's own text (comments included) is kept."""

    op: Literal["wrap"] = "wrap"
    function: str
    before: tuple[Any, ...] = ()
    after: tuple[Any, ...] = ()


class DropAnchor(_Edit):
    """Remove the YAML anchor (``&name``) of the node at ``path``; its data stays as it is."""

    op: Literal["drop-anchor"] = "drop-anchor"


Edit = Annotated[
    SetValue | Delete | InsertKey | RenameKey | AppendItem | DropAnchor | WrapValue, Field(discriminator="op")
]


class Fix(BaseModel):
    """A list of edits that together repair one finding."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    edits: tuple[Edit, ...]
    applicability: Applicability
    note: str = ""


class Finding(BaseModel):
    """One defect found in one template, with its fix or the reason there is none."""

    model_config = ConfigDict(defer_build=True)

    code: str
    name: str
    message: str
    path: Path
    #: other places the same defect shows (a parameter's uses, say): tools that report
    #: it at one of those, as cfn-lint may, name the same finding
    related: tuple[Path, ...] = ()
    line: int = 0
    column: int = 0
    fix: Fix | None = None
    no_fix_reason: str | None = None
    #: what to do by hand, for a finding no fix can make (the lines to add, the command to run)
    suggestion: str | None = None
    filename: str = ""

    def fixable(self, unsafe: bool) -> bool:
        """Whether the fix applies at the allowed level."""
        if self.fix is None:
            return False
        if self.fix.applicability is Applicability.SAFE:
            return True
        return unsafe and self.fix.applicability is Applicability.UNSAFE


class Options(BaseModel):
    """What the user chose: fixers, fix level and the settings fixers read."""

    model_config = ConfigDict(defer_build=True)

    select: tuple[str, ...] = ()
    #: fixers added to ``select`` (to all fixers when ``select`` is empty, which changes nothing)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    #: fixers whose unsafe fixes count as safe, and whose safe fixes count as unsafe
    extend_safe_fixes: tuple[str, ...] = ()
    extend_unsafe_fixes: tuple[str, ...] = ()
    #: the profile whose fixers also run (``ci``: make templates deployable and removable in a
    #: test pipeline); empty: none
    profile: str = ""
    #: the regions templates deploy to; empty: each template's ``Metadata: cfn-lint: config:
    #: regions``, else ``us-east-1`` (fixers read :attr:`target_regions`)
    regions: tuple[str, ...] = ()
    #: report suppressions that match no finding (as ``CFX000`` findings)
    warn_unused_ignores: bool = False
    #: each fixer's settings table (``[tool.cfnfix.fixers.CFX001]``), validated by its model
    fixer_settings: dict[str, dict[str, Any]] = Field(default_factory=dict)
    #: keep a template's fixes only if cfn-lint reports nothing new after them
    verify: bool = False
    #: a template larger than this (in bytes) is refused, not read
    max_size: int = Field(default=10 * 1024 * 1024, gt=0)

    @property
    def target_regions(self) -> tuple[str, ...]:
        return self.regions or ("us-east-1",)


class FixResult(BaseModel):
    """The library's answer for one template text."""

    model_config = ConfigDict(defer_build=True)

    filename: str
    original: str
    fixed: str
    diff: str
    findings: list[Finding]
    applied: list[Finding]
    remaining: list[Finding]
    error: str | None = None
    #: with ``Options.verify``: why the fixes were not kept (cfn-lint's new findings)
    not_kept: str | None = None

    @property
    def changed(self) -> bool:
        return self.fixed != self.original
