"""CFX114 logical-id: a logical id that is not alphanumeric is renamed, with every reference to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from cfnfix import rename
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Finding, Options
from cfnfix.template import Template

_KINDS = {
    "Parameters": ("parameter", "Parameter"),
    "Resources": ("resource", "Resource"),
    "Outputs": ("output", "Output"),
    "Conditions": ("condition", "Condition"),
    "Mappings": ("mapping", "Mapping"),
}


class LogicalId(Fixer):
    """Checks for logical ids that CloudFormation refuses.

    ## What it does
    Finds a logical id of a resource, parameter, output, mapping or condition that is
    not alphanumeric (`prod-private-subnet-1`, `App_Role`, `my_db.instance`), and renames
    it to its PascalCase alphanumeric form: each run of other characters is dropped and
    the letter after it capitalised (`ProdPrivateSubnet1`, `AppRole`, `MyDbInstance`). A
    name another id already has (the five sections share one namespace), or another
    renamed id takes first, is numbered: `AppRole2`, `Subnet1V2`.

    Every reference is renamed with it: `Ref`; `Fn::GetAtt` in the list form and the
    dotted form (`!GetAtt a-b.Arn`; an id holding a dot is read as the longest id the
    dotted name starts with); `${a-b}` and `${a-b.Attr}` in `Fn::Sub` strings (not
    `${!Literal}` escapes, not the variables the Sub's own map defines); `DependsOn`; the
    `Condition` of a resource or an output, `Condition` inside `Conditions` and the
    condition of `Fn::If`; the map name of `Fn::FindInMap`; the
    `AWS::CloudFormation::Interface` metadata (`ParameterGroups[].Parameters`,
    `ParameterLabels` keys); `Fn::ValueOf` in `Rules`; the `Id` of SAM connectors; and the
    helper scripts' arguments in strings (`cfn-init --resource a-b`, `cfn-signal
    --resource a-b`, `-r a-b`, cfn-hup's `path=Resources.a-b.Metadata...`). Keys keep
    their place. Ids whose references share a node (one `Fn::Sub` string naming both) are
    renamed by one fix.

    Condition names may also hold `_` and `&`: CloudFormation accepts them there (cfn-lint's
    E8001 allows them), so `Is_Prod` is left alone while `is-prod` is renamed.

    The finding has no fix, with the reason, when the rename cannot be proven complete:

    - a macro (`Transform` other than SAM and `AWS::LanguageExtensions`), an
      `Fn::Transform` or a preprocessor's tags (Rain) rewrite the template first;
    - an `Fn::ForEach` loop builds names from its collection;
    - a name is computed where the id could be meant: a `Ref` or `Fn::GetAtt` of a
      function (`!Ref {Fn::Sub: ...}`, `!GetAtt [!Join [...], Arn]`), an `Fn::Sub` whose
      string is not literal, an `Fn::FindInMap` whose map name is not;
    - the template names something it does not define that starts with the id
      (`my-functionRole`: a resource SAM or a module derives from it, which would keep
      the old name);
    - a parameter and a resource share the id; the new name would be taken by a
      variable of an `Fn::Sub` map that also names the id;
    - a reference is inside a YAML anchor that an alias repeats (fix CFX112 first).

    cfn-lint reports these ids under E3001 (resources), E2001 (parameters), E6001
    (outputs), E7001 (mappings) and E8001 (conditions). The fixer answers E3001, whose
    every other message is about something else: an unknown resource attribute
    (`Additional properties are not allowed ('Count' was unexpected)`), a `Type` that is
    not a string or is missing, an attribute of the wrong type. Those are listed in
    `cfn_lint_exceptions` as every E3001 message that is not a key failing
    `'^[a-zA-Z0-9]+$'`.

    ## Why is this bad?
    CloudFormation refuses the whole template (`Template format error: Resource name
    prod-private-subnet-1 is non alphanumeric.`) before it creates anything. Generated
    templates write ids as names are written elsewhere (kebab-case, snake_case), and
    `Fn::Sub` cannot even name such an id (`${prod-private-subnet-1}` is not a valid
    variable).

    ## Example
    ```yaml
    Resources:
      prod-vpc:
        Type: AWS::EC2::VPC
        Properties:
          CidrBlock: 10.0.0.0/16
      prod-private-subnet-1:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref prod-vpc
          CidrBlock: 10.0.1.0/24
    Outputs:
      SubnetId:
        Value: !Sub '${prod-private-subnet-1}'
    ```

    Use instead:
    ```yaml
    Resources:
      ProdVpc:
        Type: AWS::EC2::VPC
        Properties:
          CidrBlock: 10.0.0.0/16
      ProdPrivateSubnet1:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref ProdVpc
          CidrBlock: 10.0.1.0/24
    Outputs:
      SubnetId:
        Value: !Sub '${ProdPrivateSubnet1}'
    ```

    ## Fix safety
    The fix is safe. A template with such an id has never been deployed, since
    CloudFormation refuses it whole: no stack holds a resource under the old id, so
    renaming it replaces nothing and changes no physical resource, and no deployment
    ever passed a parameter by the old name or read an output by it. The rename itself
    is complete: every place a template can name a logical id is renamed with it, and
    where a name is computed or derived in a way that cannot be followed the finding
    has no fix. Scripts or parent templates written against the template (a parameter
    file naming `env-name`, `!GetAtt Stack.Outputs.bucket_arn`) must use the new names;
    they could never have worked with the old ones.

    cfn-lint checks nothing of a resource whose id it rejects but the id: once renamed,
    the resource's body is checked, and defects the id hid (a misspelled property, a
    `DependsOn` a `Ref` already implies) are reported. They were in the template before
    the fix; run cfnfix again, or cfn-lint, to see them.

    ## References
    - [Resources: logical ID](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html)
    - [Parameters: logical ID](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html)
    - [cfn-init](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/cfn-init.html)
    - cfn-lint rules E3001 (basic resource check), E2001, E6001, E7001, E8001
    """

    code: ClassVar[str] = "CFX114"
    name: ClassVar[str] = "logical-id"
    summary: ClassVar[str] = "Logical id that is not alphanumeric"
    applicability: ClassVar[Applicability] = Applicability.SAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("E3001",)
    cfn_lint_exceptions: ClassVar[tuple[str, ...]] = (
        # E3001 also reports a resource's body (an unknown attribute, a Type that is missing or
        # not a string, an attribute of the wrong type): every message but the id's pattern
        r"^(?!.* does not match any of the regexes: '\^\[a-zA-Z0-9\]\+\$'$)",
    )

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        bad = [(section, name) for section, name in rename.definitions(template)
               if not rename.is_valid(section, name)]
        if not bad:
            return
        taken = set(template.logical_ids)
        renames: dict[tuple[str, str], str] = {}
        for section, name in bad:
            new = rename.free_name(rename.pascal_case(name, _KINDS[section][1]), taken)
            taken.add(new)
            renames[(section, name)] = new
        for (section, name), planned in rename.plan(template, renames).items():
            kind = _KINDS[section][0]
            refused = ", ".join(f"`{c}`" if c.isprintable() and c != " " else repr(c)
                                for c in sorted({c for c in name if not rename.is_valid(section, c)}))
            message = (f"The {kind} logical id `{name}` is not alphanumeric (CloudFormation refuses "
                       f"{refused or 'an empty id'}); rename it `{planned.new}`")
            if planned.reason:
                yield self.finding((section, name), message, related=planned.uses, no_fix_reason=planned.reason)
                continue
            yield self.finding((section, name), message, planned.edits, related=planned.uses,
                               note=planned.note(kind))
