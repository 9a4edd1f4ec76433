"""The fix loop for one template: detect on the fast model, splice, verify, repeat.

1. the fast (libyaml) model is built and the selected fixers run on it;
2. fixes allowed at the chosen level, and not touching the same node as another chosen
   fix, are resolved against the fast model's node spans (ruamel.yaml's composed tree for a
   text with YAML anchors, whose aliases libyaml gives no spans) and spliced into the text;
3. the new text is re-parsed: its data must equal the old data with the edits applied,
   or the fix is dropped and reported as an internal error;
4. detection runs again on the new text, at most ``MAX_PASSES`` times.

A file with an internal error (a fixer that raised, a fix that did not splice or verify)
is left as it was: none of its fixes is kept. Findings and error lines leave the
pipeline with the template's secrets masked.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cfnfix.edits import EditError, apply_edits
from cfnfix.fixer import Fixer
from cfnfix.loader import Source, TemplateError, load_template
from cfnfix.models import Applicability, Delete, DropAnchor, Edit, Finding, Options, Path, RenameKey, SetValue
from cfnfix.names import shown
from cfnfix.render import detect_style
from cfnfix.secrets import mask_finding, mask_text, noecho_defaults
from cfnfix.splice import SpliceError, splice
from cfnfix.suppress import apply_suppressions, unused
from cfnfix.template import LOGICAL_ID_SECTIONS, Template

MAX_PASSES = 10


@dataclass
class Outcome:
    """What processing one file gave."""

    filename: str
    source: Source
    text: str
    is_template: bool = True
    findings: list[Finding] = field(default_factory=list)
    applied: list[Finding] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: the options the template was processed with, its regions resolved
    options: Options = field(default_factory=Options)
    #: the template's NoEcho defaults, masked in findings and errors (for outputs built later)
    secrets: frozenset[str] = frozenset()

    @property
    def changed(self) -> bool:
        return self.text != self.source.text


def detect(template: Template, fixers: Sequence[Fixer], options: Options, errors: list[str]) -> list[Finding]:
    """Every finding of ``fixers`` that no suppression covers, with file, line and column, in a
    stable order; a fix's level as ``extend-safe-fixes`` and ``extend-unsafe-fixes`` set it."""
    from cfnfix.registry import fixer_names

    promoted, demoted = fixer_names(options.extend_safe_fixes), fixer_names(options.extend_unsafe_fixes)
    found: list[Finding] = []
    for fixer in fixers:
        if template.fmt not in fixer.formats:
            continue
        try:
            results = list(fixer.find(template, options))
        except Exception as exc:  # a fixer's bug must not stop the other fixers or files
            errors.append(f"{shown(template.filename)}:1: internal error in {fixer.code}: {type(exc).__name__}: {exc}"
                          ", file left as it was")
            continue
        for finding in results:
            line, column = template.mark(finding.path)
            update: dict[str, Any] = {"filename": template.filename, "line": line, "column": column}
            level = _level(finding, promoted, demoted)
            if finding.fix is not None and level is not finding.fix.applicability:
                update["fix"] = finding.fix.model_copy(update={"applicability": level})
            found.append(finding.model_copy(update=update))
    if template.aliases:
        found = [_keeping_anchors(template, finding) for finding in found]
    rules_of = {fixer.code: fixer.cfn_lint_rules for fixer in fixers}
    found, suppressions = apply_suppressions(template, found, rules_of)
    if options.warn_unused_ignores:
        found += unused(suppressions, {fixer.code: fixer.name for fixer in fixers}, template.filename)
    found.sort(key=lambda f: (f.line, f.column, f.code))
    return found


def _keeping_anchors(template: Template, finding: Finding) -> Finding:
    """The finding without its fix when the fix would change a node a YAML alias repeats (every
    copy would change with it), or delete or replace a node holding an anchor an alias outside it
    repeats (the alias would name nothing)."""
    if finding.fix is None:
        return finding
    for edit in finding.fix.edits:
        if isinstance(edit, DropAnchor):
            continue  # the data stays as it is
        path = edit.path
        for alias, anchor in template.aliases:
            inside = path[: len(anchor)] == anchor
            removed = isinstance(edit, Delete | SetValue) and anchor[: len(path)] == path \
                and alias[: len(path)] != path
            if inside or removed:
                where = ".".join(map(str, alias))
                what = "change a node" if inside else "remove a YAML anchor"
                return finding.model_copy(update={"fix": None, "no_fix_reason": (
                    f"it would {what} that the YAML alias at `{where}` repeats; write the aliases out first")})
    return finding


def _level(finding: Finding, promoted: frozenset[str], demoted: frozenset[str]) -> Applicability | None:
    if finding.fix is None:
        return None
    level = finding.fix.applicability
    if finding.code in demoted and level is Applicability.SAFE:
        return Applicability.UNSAFE
    if finding.code in promoted and level is Applicability.UNSAFE:
        return Applicability.SAFE
    return level


def _claimed(finding: Finding) -> list[tuple[Path, bool]]:
    return [claim for edit in finding.fix.edits for claim in edit.claims()] if finding.fix else []


class _Claims:
    """The nodes chosen fixes touch: whether a path is one of them, inside one, or holds one, in
    time proportional to the path's depth (not to the number of fixes chosen). A renamed key is
    claimed alone: edits inside its value do not clash with the rename."""

    def __init__(self) -> None:
        self.paths: set[Path] = set()
        self.keys: set[Path] = set()  # keys renamed, their values left free
        self.holders: set[Path] = set()  # every proper prefix of a claimed path or key

    def overlaps(self, path: Path, key_only: bool = False) -> bool:
        if any(path[:depth] in self.paths for depth in range(len(path))):
            return True  # inside a node claimed whole
        if key_only:
            return path in self.keys  # a key renamed twice; its value may be set as well
        return path in self.paths or path in self.holders

    def add(self, path: Path, key_only: bool = False) -> None:
        (self.keys if key_only else self.paths).add(path)
        self.holders.update(path[:depth] for depth in range(len(path)))


def _renames_id(finding: Finding) -> bool:
    """Whether the finding's fix renames a logical id (a key of Resources, Parameters...)."""
    return finding.fix is not None and any(
        isinstance(edit, RenameKey) and len(edit.path) == 2 and edit.path[0] in LOGICAL_ID_SECTIONS
        for edit in finding.fix.edits
    )


def choose(findings: Sequence[Finding], unsafe: bool) -> list[Finding]:
    """Fixable findings whose edits touch no node another chosen fix touches (first by code wins).

    Fixes that rename a logical id go first, in a pass of their own: another fix of the same
    pass could name the id by its old name (a resource it adds, a reference it writes)."""
    chosen: list[Finding] = []
    taken = _Claims()
    fixable = [finding for finding in findings if finding.fixable(unsafe)]
    fixable = [finding for finding in fixable if _renames_id(finding)] or fixable
    for finding in sorted(fixable, key=lambda f: (f.code, f.line, f.column)):
        own = _Claims()
        clash = False
        for path, key_only in _claimed(finding):
            if own.overlaps(path, key_only) or taken.overlaps(path, key_only):
                clash = True
                break
            own.add(path, key_only)
        if clash:
            continue
        chosen.append(finding)
        for path in own.paths:
            taken.add(path)
        for path in own.keys:
            taken.add(path, key_only=True)
    return chosen


class UneditableError(Exception):
    """A template the editing model cannot stand for: no fix can be placed in it."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def first_difference(old: Any, new: Any, path: Path = ()) -> Path:
    """The first path at which two data trees differ (``()`` when they differ at the top)."""
    if isinstance(old, dict) and isinstance(new, dict) and list(old) == list(new):
        return next((first_difference(old[k], new[k], (*path, k)) for k in old if old[k] != new[k]), path)
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        pairs = enumerate(zip(old, new, strict=True))
        return next((first_difference(a, b, (*path, i)) for i, (a, b) in pairs if a != b), path)
    return path


def _fast_model_edits(text: str) -> bool:
    """Whether edits can be placed with the fast model's own marks: libyaml gives a node's exact
    span, but an alias no marks of its own and an anchor no node, so a text with an anchor (``&``
    anywhere, to be sure) is placed with ruamel.yaml's model, which gives each alias its span."""
    return "&" not in text


def _editing_model(source: Source, text: str, template: Template) -> Template:
    """ruamel.yaml's model of ``text``, which must hold the same data as the fast one."""
    current = Source(text, source.bom, source.fmt)
    try:
        editable = load_template(current, template.filename, editing=True, fast_root=template.root)
    except TemplateError as exc:
        raise UneditableError(exc.line, f"ruamel.yaml, which edits it, cannot read it ({exc.message})") from None
    if editable is None or editable.data != template.data:
        where = first_difference(template.data, editable.data if editable is not None else None)
        raise UneditableError(template.mark(where)[0], "libyaml and ruamel.yaml read it differently "
                              f"(at `{'.'.join(map(str, where)) or 'the top'}`)")
    return editable


def _apply(source: Source, text: str, template: Template, fixes: Sequence[Finding]) -> tuple[str, Template]:
    """Splice the fixes' edits into ``text`` and check the result; raises on any mismatch."""
    edits: list[Edit] = [edit for f in fixes if f.fix for edit in f.fix.edits]
    editable = template if _fast_model_edits(text) else _editing_model(source, text, template)
    style = detect_style(editable.root, text, source.fmt)
    new_text = splice(text, editable.root, style, edits, editable.alias_of)
    expected = apply_edits(template.data, edits)
    try:
        fixed = load_template(Source(new_text, source.bom, source.fmt), template.filename)
    except TemplateError as exc:
        raise SpliceError(f"the fixed text does not parse: {exc.message}") from None
    if fixed is None or fixed.data != expected:
        raise SpliceError("the fixed text's data differs from what the edits said")
    return new_text, fixed


def process(source: Source, filename: str, fixers: Sequence[Fixer], options: Options, *, fix: bool = True) -> Outcome:
    """Detect and, with ``fix``, fix one template at the options' level; raises TemplateError on bad input.

    The cycle collector is paused meanwhile: the parse trees and template data made here hold no
    cycles, and collecting among them cost as much as a third of a large template's fixing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _process(source, filename, fixers, options, fix=fix)
    finally:
        if enabled:
            gc.enable()


def _process(source: Source, filename: str, fixers: Sequence[Fixer], options: Options, *, fix: bool) -> Outcome:
    outcome = Outcome(filename, source, source.text)
    template = load_template(source, filename)
    if template is None:
        outcome.is_template = False
        return outcome
    if not options.regions:
        from cfnfix.config import template_regions

        options = options.model_copy(update={"regions": template_regions(template.data) or ()})
    outcome.options = options
    try:
        _fix_passes(outcome, template, fixers, options, fix=fix)
    except Exception as exc:  # a bug of the engine's costs this file's fixes, never the run
        outcome.errors.append(f"{shown(filename)}:1: internal error: {type(exc).__name__}: {exc}, file left as it was")
    if outcome.errors:
        outcome.text = source.text
        outcome.remaining = outcome.findings
        outcome.applied = []
    secrets = noecho_defaults(template)
    if secrets:
        outcome.findings = [mask_finding(f, secrets) for f in outcome.findings]
        outcome.applied = [mask_finding(f, secrets) for f in outcome.applied]
        outcome.remaining = [mask_finding(f, secrets) for f in outcome.remaining]
        outcome.errors = [mask_text(e, secrets) for e in outcome.errors]
    outcome.secrets = secrets
    return outcome


def _fix_passes(outcome: Outcome, template: Template, fixers: Sequence[Fixer], options: Options, *, fix: bool) -> None:
    source, filename = outcome.source, outcome.filename
    findings = detect(template, fixers, options, outcome.errors)
    outcome.findings = findings
    outcome.remaining = findings
    if not fix:
        return
    failed: set[tuple[str, Path]] = set()
    for _ in range(MAX_PASSES):
        if outcome.errors:
            return  # the file will be left as it was: no use fixing further
        candidates = [f for f in findings if (f.code, f.path) not in failed]
        chosen = choose(candidates, options.unsafe_fixes)
        if not chosen:
            break
        try:
            text, template = _apply(source, outcome.text, template, chosen)
            applied = chosen
        except UneditableError as exc:
            outcome.errors.append(f"{shown(filename)}:{exc.line}: cannot fix: {exc.reason}, file left as it was")
            return
        except Exception as batch_error:  # SpliceError, EditError, or a bug: the culprit is found below
            applied, text = [], outcome.text
            if len(chosen) == 1:
                failed.add((chosen[0].code, chosen[0].path))
                outcome.errors.append(_internal(filename, chosen[0], batch_error))
            for finding in chosen if len(chosen) > 1 else []:
                try:
                    text, template = _apply(source, text, template, [finding])
                    applied.append(finding)
                except Exception as error:
                    failed.add((finding.code, finding.path))
                    outcome.errors.append(_internal(filename, finding, error))
        if text == outcome.text and not applied:
            continue
        outcome.text = text
        outcome.applied.extend(applied)
        findings = detect(template, fixers, options, outcome.errors)
    outcome.remaining = findings


def _internal(filename: str, finding: Finding, error: Exception) -> str:
    reason = str(error) if isinstance(error, SpliceError | EditError) else f"{type(error).__name__}: {error}"
    return (f"{shown(filename)}:{finding.line}: internal error: {finding.code} fix not applied, "
            f"file left as it was ({reason})")


def preview(source: Source, filename: str, finding: Finding) -> str | None:
    """The text with ``finding``'s fix alone applied (verified as every fix is), or None."""
    if finding.fix is None:
        return None
    try:
        template = load_template(source, filename)
        if template is None:
            return None
        text, _template = _apply(source, source.text, template, [finding])
    except Exception:  # what cannot be shown is left out; fixing reports it
        return None
    return text
