"""CFX108 unused-condition: a Condition that nothing references is removed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from cfnfix import unused
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Delete, Finding, Options, Path
from cfnfix.template import Template

_FOR_EACH = "Fn::ForEach::"


def _is_loop(key: Any) -> bool:
    return isinstance(key, str) and key.startswith(_FOR_EACH)


def _loop_names(key: str, loop: Any) -> list[str]:
    """The condition names an ``Fn::ForEach`` in the Conditions section gives, when its list is literal."""
    if not (isinstance(loop, list) and len(loop) == 3 and isinstance(loop[0], str)):
        return []
    identifier, collection, fragment = loop
    if not isinstance(collection, list) or not all(isinstance(v, str) for v in collection):
        return []
    if not isinstance(fragment, dict):
        return []
    names = []
    for template_key in fragment:
        for value in collection:
            alnum = re.sub(r"[^A-Za-z0-9]", "", value)
            names.append(template_key.replace("${" + identifier + "}", value).replace("&{" + identifier + "}", alnum))
    return names


class _Uses:
    """Where the template names its conditions, read as cfn-lint (W8001) reads them."""

    def __init__(self, template: Template) -> None:
        self.names: set[str] = set()
        self.patterns: list[re.Pattern[str]] = []
        self.opaque = False  # a use whose condition name is computed: nothing can be proven unused
        kept = template.nodes_with("Fn::If") + template.nodes_with("Condition")
        for path, value in {id(value): (path, value) for path, value in kept}.values():
            self._read(path, value)

    def _read(self, path: Path, value: dict[str, Any]) -> None:
        if "Fn::If" in value:
            arg = value["Fn::If"]
            self._add(arg[0] if isinstance(arg, list) and arg else arg)
        condition = value.get("Condition")
        if not isinstance(condition, str) or not path:
            return
        in_loop = any(_is_loop(part) for part in path)
        top_level = len(path) == 2 and path[0] in ("Resources", "Outputs")
        if path[0] == "Conditions" or top_level or (in_loop and path[0] in ("Resources", "Outputs")):
            self._add(condition)

    def _add(self, name: Any) -> None:
        if not isinstance(name, str):
            self.opaque = True
        elif unused.LOOP_VARIABLE.search(name):
            self.patterns.append(unused.loop_pattern(name))
        else:
            self.names.add(name)

    def maybe(self, name: str) -> bool:
        return any(p.match(name) for p in self.patterns)


class UnusedCondition(Fixer):
    """Checks for Conditions that nothing uses.

    ## What it does
    Finds a condition of the `Conditions` section that no resource or output
    `Condition`, no `Fn::If` and no other condition (`!Condition Name`) names,
    and removes it; the `Conditions` section goes too when it would be left
    empty. A condition used only by another, unused, condition is still used:
    once that one is gone, the next pass finds the first unused and removes it
    too, so chains unwind.

    Conditions that cannot be proven unused are reported without a fix:
    names an `Fn::ForEach` loop may build (`Condition: !Sub 'Is${Env}'`, or
    `Is${Env}` in a loop of the `AWS::LanguageExtensions` transform), any
    condition when an `Fn::If` names its condition with a function, and every
    condition of a template with a macro transform, an `Fn::Transform` or a
    preprocessor's tags (Rain), which may read it. Conditions that an `Fn::ForEach` loop in the
    `Conditions` section creates are reported on the loop, without a fix.

    ## Why is this bad?
    An unused condition is dead code: it is evaluated for nothing, and readers
    look for the resources it would switch on or off. It is often left behind
    when a resource or an `Fn::If` is removed.

    ## Example
    ```yaml
    Conditions:
      IsProd: !Equals [!Ref Env, prod]
      IsDev: !Equals [!Ref Env, dev]
    Resources:
      Alarm:
        Type: AWS::CloudWatch::Alarm
        Condition: IsProd
    ```

    Use instead:
    ```yaml
    Conditions:
      IsProd: !Equals [!Ref Env, prod]
    Resources:
      Alarm:
        Type: AWS::CloudWatch::Alarm
        Condition: IsProd
    ```

    When the condition holds the only use of a parameter (`!Ref Env`) or of a
    mapping (`!FindInMap`), the fix removes those too (a parameter with its
    interface metadata), so that removing it leaves nothing newly unused.

    ## Fix safety
    The fix is safe: a condition nothing names changes nothing that is
    deployed, and neither does a mapping only it read. It is unsafe when it
    also removes a parameter that only the condition used: that changes the
    template's interface (see unused-parameter, CFX107).

    ## References
    - [Conditions section](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html)
    - cfn-lint rule W8001 (Check if Conditions are Used)
    """

    code: ClassVar[str] = "CFX108"
    name: ClassVar[str] = "unused-condition"
    summary: ClassVar[str] = "Condition that nothing references"
    applicability: ClassVar[Applicability] = Applicability.SAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("W8001",)

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        conditions = template.section("Conditions")
        if not conditions:
            return
        uses = _Uses(template)
        blocked = self._blocked(template)
        if uses.opaque:
            blocked = blocked or "an `Fn::If` names its condition with a function"
        unused_names = [n for n in conditions if not _is_loop(n) and n not in uses.names]
        fixable = [n for n in unused_names if not blocked and not uses.maybe(n)]
        whole = not any(_is_loop(n) for n in conditions) and len(fixable) == len(conditions)
        for name in unused_names:
            path: Path = ("Conditions", name)
            message = f"Condition `{name}` is not used"
            if name not in fixable:
                reason = blocked or "an `Fn::ForEach` loop may name it with `${...}`"
                yield self.finding(path, message, no_fix_reason=reason)
                continue
            gone: Path = ("Conditions",) if whole else path
            edits = [Delete(path=gone)]
            note = ("removes the Conditions section: none of its conditions is used" if whole
                    else f"removes the condition `{name}`")
            # a condition only this one used is found unused in the next pass, as W8001 sees it then
            orphans = unused.orphans(template, [gone], conditions_too=False)
            if orphans is None:
                yield self.finding(path, message, no_fix_reason=(
                    "it holds the only use of a parameter or mapping that cannot be removed with it"))
                continue
            paths, names, unsafe = orphans
            edits += [Delete(path=p) for p in paths]
            if names:
                note += ", and " + ", ".join(f"`{n}`" for n in names) + ", which only it used"
            yield self.finding(path, message, edits, note=note,
                               applicability=Applicability.UNSAFE if unsafe else None)
        for key, loop in conditions.items():
            if _is_loop(key):
                made = [n for n in _loop_names(key, loop) if n not in uses.names]
                if made:
                    yield self.finding(
                        ("Conditions", key),
                        "Conditions " + ", ".join(f"`{n}`" for n in made) + f" made by `{key}` are not used",
                        no_fix_reason="the loop makes them; change the loop by hand",
                        related=[("Conditions", n) for n in made],
                    )

    @staticmethod
    def _blocked(template: Template) -> str:
        """Why no condition of this template can be removed safely, or ''."""
        rewriter = template.rewritten_by()
        return f"{rewriter} may use it" if rewriter else ""
