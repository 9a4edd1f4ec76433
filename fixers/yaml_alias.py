"""CFX112 yaml-alias: YAML anchors and aliases, which CloudFormation rejects, written out in place."""

from __future__ import annotations

from collections.abc import Iterator

from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, DropAnchor, Edit, Finding, Options, Path, SetValue
from cfnfix.template import Template

SERVERLESS_TRANSFORM = "AWS::Serverless-2016-10-31"


def _dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)


class YamlAlias(Fixer):
    """## What it does
    Finds YAML aliases (``*name``) and the anchors (``&name``) they point at, and writes
    the anchored value out in place of each alias, dropping the anchor.

    ## Why is this bad?
    The CloudFormation service does not support YAML anchors or aliases: a template
    that uses them deploys only through `aws cloudformation package` or AWS SAM, which
    resolve them on the client. Deployed any other way (the console, `create-stack`,
    CDK's `CfnInclude`, StackSets) it is rejected.

    ## Example
    ```yaml
    Parameters:
      Env:
        Type: String
    Resources:
      Bucket:
        Type: AWS::S3::Bucket
        Properties:
          Tags: &tags
            - Key: team
              Value: data
      Queue:
        Type: AWS::SQS::Queue
        Properties:
          Tags: *tags
    ```

    Use instead:
    ```yaml
    Resources:
      Bucket:
        Type: AWS::S3::Bucket
        Properties:
          Tags:
            - Key: team
              Value: data
      Queue:
        Type: AWS::SQS::Queue
        Properties:
          Tags:
            - Key: team
              Value: data
    ```

    ## Fix safety
    Safe: an alias stands for exactly the anchored value, so the template's data does
    not change at all; only its spelling does. Templates with the SAM transform are left
    alone, as cfn-lint leaves them: SAM resolves aliases itself. A merge key
    (``<<: *base``) is reported like any other alias but is not fixed: writing the base
    mapping in its place would not merge it.

    ## References
    - [Template formats](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html)
    - cfn-lint rule W1101
    """

    code = "CFX112"
    name = "yaml-alias"
    summary = "YAML anchors and aliases, which CloudFormation rejects"
    applicability = Applicability.SAFE
    cfn_lint_rules = ("W1101",)
    formats = ("yaml",)  # JSON has no anchors or aliases

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        if not template.aliases or SERVERLESS_TRANSFORM in template.transforms:
            return
        by_anchor: dict[Path, list[Path]] = {}
        for alias, anchor in template.aliases:
            by_anchor.setdefault(anchor, []).append(alias)
        for anchor, aliases in by_anchor.items():
            message = (
                f"YAML anchor at `{_dotted(anchor)}` is used by {len(aliases)} alias"
                f"{'es' if len(aliases) != 1 else ''}; CloudFormation rejects anchors and aliases"
            )
            merges = [a for a in aliases if a and a[-1] == "<<"]
            if merges:
                yield self.finding(
                    aliases[0], message, related=aliases,
                    no_fix_reason=f"a merge key (`<<`) at `{_dotted(merges[0])}` needs the mapping merged by hand",
                )
                continue
            edits: list[Edit] = [SetValue(path=alias, value=template.get(alias)) for alias in aliases]
            edits.append(DropAnchor(path=anchor))
            yield self.finding(aliases[0], message, edits, related=aliases,
                               note="each alias written out as the value it stands for")
