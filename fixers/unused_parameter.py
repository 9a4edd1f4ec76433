"""CFX107 unused-parameter: a Parameter nothing references is removed, with its interface metadata."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from cfnfix import unused
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Delete, Finding, Options, Path
from cfnfix.template import Template


class UnusedParameter(Fixer):
    """Checks for Parameters that nothing references.

    ## What it does
    Finds a parameter that no `Ref` and no `Fn::Sub` variable (`${Name}`)
    names anywhere in the template, and removes it, with its entries in the
    `AWS::CloudFormation::Interface` metadata: its item in a parameter
    group's `Parameters` (the whole group when it would be left empty) and
    its `ParameterLabels` key. The `Parameters` section, the interface and
    the `Metadata` section go too when they would be left empty. A parameter
    listed only in the interface metadata is unused: the console shows it,
    nothing reads it.

    When several unused parameters would together empty a node (a group, the
    `Parameters` section), the fix of each removes all of them, so that no
    pass leaves an empty group or section behind.

    Like cfn-lint (W2001), templates with a `Transform` are not checked: a
    macro or `Fn::ForEach` may name parameters in ways only it knows (`Ref:
    !Sub 'Param${Id}'`). A parameter named by `Fn::ValueOf` in `Rules` is
    reported without a fix, and so is every unused parameter of a template
    that a tool rewrites before CloudFormation sees it: one with an
    `Fn::Transform`, a `Ref` to a function, tags of a preprocessor such as
    Rain (`!Rain::Embed script.sh` may hold `${Param}`), or a `Ref` or Sub
    variable naming something the template does not define.

    ## Why is this bad?
    An unused parameter asks whoever deploys the stack for a value that
    changes nothing, and a required one (no `Default`) makes them invent one.
    It is often left behind when the resource that used it is removed.

    ## Example
    ```yaml
    Parameters:
      Env:
        Type: String
      LegacyBucket:
        Type: String
    Resources:
      Topic:
        Type: AWS::SNS::Topic
        Properties:
          TopicName: !Sub '${Env}-events'
    ```

    Use instead:
    ```yaml
    Parameters:
      Env:
        Type: String
    Resources:
      Topic:
        Type: AWS::SNS::Topic
        Properties:
          TopicName: !Sub '${Env}-events'
    ```

    ## Fix safety
    The fix is unsafe: it changes the template's interface. A stack update,
    a parent stack (`AWS::CloudFormation::Stack`), a StackSet or a pipeline
    that still passes a value for the parameter fails with `Parameters: [X]
    do not exist in the template`.

    ## References
    - [Parameters section](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html)
    - [AWS::CloudFormation::Interface](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-cloudformation-interface.html)
    - cfn-lint rule W2001 (Check if Parameters are Used)
    """

    code: ClassVar[str] = "CFX107"
    name: ClassVar[str] = "unused-parameter"
    summary: ClassVar[str] = "Parameter that nothing references"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("W2001",)

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        unused_names, fixable, blocked = unused.parameters(template)
        clusters = unused.parameter_clusters(template, fixable)
        for name in unused_names:
            path: Path = ("Parameters", name)
            message = f"Parameter `{name}` is not used"
            if name not in fixable:
                reason = blocked or "it is read by `Fn::ValueOf` in Rules, which needs it"
                yield self.finding(path, message, no_fix_reason=reason)
                continue
            together = clusters[name]
            paths = unused.parameter_removal(template, together)
            note = f"removes the parameter `{name}`"
            if len(paths) > 1:
                note += " and its interface metadata"
            others = [n for n in template.parameters if n in together and n != name]
            if others:
                note += "; also " + ", ".join(f"`{n}`" for n in others) + ", unused too, that share its place"
            yield self.finding(path, message, [Delete(path=p) for p in paths], note=note)
