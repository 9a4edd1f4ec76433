"""CFX109 unused-mapping: a Mapping that no ``Fn::FindInMap`` reads is removed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Delete, Finding, Options, Path
from cfnfix.template import Template, intrinsic_function

_LOOP_VARIABLE = re.compile(r"[$&]\{[^}]*\}")


def _pattern(name: str) -> re.Pattern[str]:
    """A map name written with ``${Identifier}`` in an Fn::ForEach loop, as a pattern of the names it gives."""
    return re.compile(".+".join(re.escape(part) for part in _LOOP_VARIABLE.split(name)) + r"\Z")


class UnusedMapping(Fixer):
    """Checks for Mappings that no `Fn::FindInMap` reads.

    ## What it does
    Finds a mapping of the `Mappings` section whose name no `Fn::FindInMap`
    gives, and removes it; the `Mappings` section goes too when it would be
    left empty.

    As cfn-lint (W7001) does, nothing is reported when an `Fn::FindInMap`
    names its mapping with a function (`!FindInMap [!Ref MapName, ...]`, as
    the `AWS::LanguageExtensions` transform allows): any mapping may be the
    one it reads. A mapping that an `Fn::ForEach` loop may name
    (`!FindInMap ['${Env}Map', ...]`) is reported without a fix, and so is
    every mapping of a template with a macro transform, an `Fn::Transform` or
    a preprocessor's tags (Rain), since those may read it (the `Explode` macro reads a mapping named
    by a resource's `ExplodeMap`).

    ## Why is this bad?
    An unused mapping is dead data: readers take it for configuration that
    matters, and keep it up to date (new regions, new AMIs) for nothing. It
    is often left behind when the last `Fn::FindInMap` of it is removed.

    ## Example
    ```yaml
    Mappings:
      RegionAmi:
        us-east-1:
          Ami: ami-0123456789abcdef0
    Resources:
      Topic:
        Type: AWS::SNS::Topic
    ```

    Use instead:
    ```yaml
    Resources:
      Topic:
        Type: AWS::SNS::Topic
    ```

    ## Fix safety
    The fix is safe: a mapping nothing reads changes nothing that is deployed.

    ## References
    - [Mappings section](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/mappings-section-structure.html)
    - [Fn::FindInMap](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-findinmap.html)
    - cfn-lint rule W7001 (Check if Mappings are Used)
    """

    code: ClassVar[str] = "CFX109"
    name: ClassVar[str] = "unused-mapping"
    summary: ClassVar[str] = "Mapping that no Fn::FindInMap reads"
    applicability: ClassVar[Applicability] = Applicability.SAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("W7001",)

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        unused, fixable, blocked = analyse(template)
        whole = len(fixable) == len(template.section("Mappings"))
        for name in unused:
            path: Path = ("Mappings", name)
            message = f"Mapping `{name}` is not used by any `Fn::FindInMap`"
            if name not in fixable:
                reason = blocked or "an `Fn::ForEach` loop may name it with `${...}`"
                yield self.finding(path, message, no_fix_reason=reason)
            elif whole:
                yield self.finding(path, message, [Delete(path=("Mappings",))],
                                   note="removes the Mappings section: none of its mappings is used")
            else:
                yield self.finding(path, message, [Delete(path=path)], note=f"removes the mapping `{name}`")


def analyse(template: Template, without: tuple[Path, ...] = ()) -> tuple[list[str], list[str], str]:
    """The unused mappings as W7001 sees them (the nodes at ``without`` left out), those that can be
    removed, and why none can (or '')."""
    mappings = template.section("Mappings")
    if not mappings or intrinsic_function(mappings) is not None:
        return [], [], ""
    names: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for path, value in template.walk():
        if not isinstance(value, dict) or "Fn::FindInMap" not in value:
            continue
        if any(path[: len(w)] == w for w in without):
            continue
        arg = value["Fn::FindInMap"]
        name = arg[0] if isinstance(arg, list) and arg else arg
        if isinstance(name, dict):
            return [], [], ""  # any mapping may be the one it reads: nothing can be proven unused
        if isinstance(name, str):
            if _LOOP_VARIABLE.search(name):
                patterns.append(_pattern(name))
            names.add(name)
    blocked = _blocked(template)
    unused = [k for k in mappings if not k.startswith("Fn::") and k not in names]
    fixable = [k for k in unused if not blocked and not any(p.match(k) for p in patterns)]
    return unused, fixable, blocked


def _blocked(template: Template) -> str:
    """Why no mapping of this template can be removed safely, or ''."""
    rewriter = template.rewritten_by()
    return f"{rewriter} may read it" if rewriter else ""
