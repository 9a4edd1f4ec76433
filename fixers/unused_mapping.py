"""CFX109 unused-mapping: a Mapping that no ``Fn::FindInMap`` reads is removed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from cfnfix import unused
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Delete, Finding, Options, Path
from cfnfix.template import Template


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
        unused_maps, fixable, blocked = unused.mappings(template)
        whole = len(fixable) == len(template.section("Mappings"))
        for name in unused_maps:
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
