"""CFX205 global-table-replicas: DynamoDB global tables with replicas beyond the deploy region."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from cfnfix.fixer import Fixer, listed, ref
from cfnfix.models import Applicability, Finding, Options, Path
from cfnfix.suggestions import template_lines
from cfnfix.template import Template

_GLOBAL_TABLE = "AWS::DynamoDB::GlobalTable"
_DEPLOY_REGION = {"Ref": "AWS::Region"}


def _region_of(replica: Any) -> Any:
    return replica.get("Region") if isinstance(replica, dict) else None


def _region_text(region: Any) -> str:
    """How the message names a replica's region."""
    if isinstance(region, str):
        return f"`{region}`"
    if region == _DEPLOY_REGION:
        return "the deploy region"
    target = region.get("Ref") if isinstance(region, dict) and len(region) == 1 else None
    return f"parameter `{target}`" if isinstance(target, str) else "a computed region"


class GlobalTableReplicas(Fixer):
    """## What it does
    Finds `AWS::DynamoDB::GlobalTable` resources whose `Replicas` reach beyond the
    region the stack is deployed to: more than one replica, or a replica whose
    `Region` is a literal other than the deploy region (or any literal, when the
    template is deployed to several regions). The deploy regions are cfnfix's
    `--regions`, its configuration's or cfn-lint's `regions`, the template's own
    `Metadata: cfn-lint: config: regions`, else `us-east-1`. A single replica whose
    region comes from a parameter is left alone.

    The suggestion is the `Replicas` list with one replica, in the deploy region
    (`Region: !Ref AWS::Region`), keeping the settings of the replica that was there
    (the one already in the deploy region, else the first): a stack per region then
    deploys anywhere. A table that need not be global can be an `AWS::DynamoDB::Table`
    instead.

    ## Why is this bad?
    A stack in one region that creates replicas in others needs DynamoDB, IAM and,
    for encrypted replicas, KMS keys set up in each of those regions, and those regions
    enabled in the account; a test account or pipeline rarely has them, and the stack
    fails. The same template deployed to two regions creates the same replicas twice
    and the second stack fails. CloudFormation also requires a replica in the stack's
    own region: a global table whose only replica is elsewhere never deploys.

    ## Example
    ```yaml
    Resources:
      PaymentsTable:
        Type: AWS::DynamoDB::GlobalTable
        Properties:
          Replicas:
            - Region: us-east-1
            - Region: us-west-2
    ```

    Use instead:
    ```yaml
          Replicas:
            - Region: !Ref AWS::Region
    ```

    ## Fix safety
    There is no fix: whether the table must be global is the author's choice. The
    finding carries the lines as a suggestion; cfnfix never changes the template.

    ## References
    - [AWS::DynamoDB::GlobalTable](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-globaltable.html)
    - [Global tables: multi-Region replication for DynamoDB](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GlobalTables.html)
    """

    code: ClassVar[str] = "CFX205"
    name: ClassVar[str] = "global-table-replicas"
    summary: ClassVar[str] = "DynamoDB global table with replicas beyond the deploy region"
    applicability: ClassVar[Applicability] = Applicability.DISPLAY

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        regions = options.target_regions
        for logical_id, resource in template.resources_of_type(_GLOBAL_TABLE):
            properties = resource.get("Properties")
            replicas = properties.get("Replicas") if isinstance(properties, dict) else None
            if not isinstance(replicas, list) or not replicas:
                continue
            literals = [r for r in map(_region_of, replicas) if isinstance(r, str)]
            elsewhere = [r for r in literals if len(regions) > 1 or r not in regions]
            if len(replicas) == 1 and not elsewhere:
                continue
            path: Path = ("Resources", logical_id, "Properties", "Replicas")
            yield self.finding(path, self._message(logical_id, replicas, elsewhere, regions),
                               suggestion=self._suggestion(template, replicas, regions))

    @staticmethod
    def _message(logical_id: str, replicas: list[Any], elsewhere: list[str], regions: tuple[str, ...]) -> str:
        deploy = listed([f"`{r}`" for r in regions])
        if len(replicas) == 1:
            missing = [r for r in regions if r != elsewhere[0]]
            stacks = "the stack"
            if len(missing) < len(regions):
                stacks += " in " + listed([f"`{r}`" for r in missing])
            return (f"Global table `{logical_id}` has its only replica in `{elsewhere[0]}` while the template is "
                    f"deployed to {deploy}: {stacks} has no replica in its own region, which CloudFormation requires; "
                    f"list the deploy region, or use an `AWS::DynamoDB::Table`")
        shown = listed([_region_text(_region_of(r)) for r in replicas])
        return (f"Global table `{logical_id}` has {len(replicas)} replicas ({shown}) while the template is deployed "
                f"to {deploy}: a stack in one region cannot always create replicas in others (each needs DynamoDB, "
                f"IAM and KMS set up in its region, and another stack of the template makes the same replicas "
                f"again); keep one replica, in the deploy region, or use an `AWS::DynamoDB::Table`")

    @staticmethod
    def _suggestion(template: Template, replicas: list[Any], regions: tuple[str, ...]) -> str:
        kept = next((r for r in replicas if _region_of(r) == _DEPLOY_REGION), None)
        kept = kept or next((r for r in replicas if _region_of(r) == regions[0]), None) or replicas[0]
        replica = {**kept, "Region": ref("AWS::Region")} if isinstance(kept, dict) else {"Region": ref("AWS::Region")}
        return template_lines(template, {"Replicas": [replica]})
