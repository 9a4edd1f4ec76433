"""CFX215 s3-bucket-name: a static or invalid ``BucketName`` removed, literal uses of the name rewritten."""

from __future__ import annotations

import functools
import ipaddress
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cfnfix import cfnlint_data
from cfnfix.fixer import Fixer, get_att, ref, sub
from cfnfix.literals import (
    Expression,
    Named,
    Use,
    at_property,
    distinctive,
    dotted,
    embedded_use,
    implied_depends_on,
    in_tags_or_names,
    is_opaque,
    left_unused,
    names_in,
    rewrites,
)
from cfnfix.models import Applicability, Delete, Edit, Finding, Options, Path, SetValue
from cfnfix.template import Template

BUCKET_TYPE = "AWS::S3::Bucket"
NAME_FORMAT = "AWS::S3::Bucket.Name"  # cfn-lint's format of properties that take a bucket name
MAX_LENGTH = 63
STACK_NAME_LENGTH = 128

# properties that take a bucket NAME (a Ref of the bucket gives exactly that) and whose cfn-lint
# schema does not say so with its format; "*" is any list index
NAME_PROPERTIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "AWS::S3::BucketPolicy": (("Bucket",),),
    "AWS::S3::AccessPoint": (("Bucket",),),
    "AWS::S3::Bucket": (("LoggingConfiguration", "DestinationBucketName"),),
    "AWS::ElasticLoadBalancing::LoadBalancer": (("AccessLoggingPolicy", "S3BucketName"),),
    "AWS::CodePipeline::Pipeline": (
        ("ArtifactStore", "Location"), ("ArtifactStores", "*", "ArtifactStore", "Location"),
    ),
    "AWS::CodeBuild::Project": (("Artifacts", "Location"), ("SecondaryArtifacts", "*", "Location")),
    "AWS::ElasticBeanstalk::ApplicationVersion": (("SourceBundle", "S3Bucket"),),
    "AWS::Lambda::LayerVersion": (("Content", "S3Bucket"),),
    "AWS::SSM::Association": (("OutputLocation", "S3Location", "OutputS3BucketName"),),
}
# what grants S3 the right to notify a function, topic or queue
NOTIFICATION_PERMISSIONS = ("AWS::Lambda::Permission", "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy")
# names that AWS services or their managed policies find buckets by: a generated name breaks them
REQUIRED_PREFIXES = {
    "aws-waf-logs-": "AWS WAF logs only to buckets named `aws-waf-logs-...`",
    "aws-glue-": "the `AWSGlueServiceRole` managed policy grants access to `aws-glue-*` buckets only",
    "aws-athena-query-results-": "the `AmazonAthenaFullAccess` managed policy grants access to "
    "`aws-athena-query-results-*` buckets only",
    "elasticbeanstalk-": "Elastic Beanstalk finds its bucket by the name `elasticbeanstalk-<region>-<account>`",
}
_CDK_ASSETS = re.compile(r"cdk-[a-z0-9]+-assets-")
_SAGEMAKER = re.compile("sagemaker", re.IGNORECASE)
# what S3 reserves (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)
RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# pseudo parameters whose value is the same for every stack of one account and region
_SHARED_PSEUDO = {"AWS::AccountId": "123456789012", "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
_PER_STACK = ("AWS::StackName", "AWS::StackId")

_S3_ARN = re.compile(r"arn:(?:aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|\$\{AWS::Partition\}):s3:::")
_URL_SUFFIX = re.compile(r"amazonaws\.com(?:\.cn)?|\$\{AWS::URLSuffix\}")
# a ``${}`` variable (not a ``${!Literal}``) or an opaque part of a folded text, kept by ``split``
_VARIABLE_OR_OPAQUE = re.compile(r"(\$\{[^!}][^}]*\}|\x00[^\x00]*\x00)")
_NOT_ALLOWED = re.compile(r"[^a-z0-9.-]")
# where a bucket name stands in a longer string: after an S3 ARN's `:::`, `s3://` or a path-style
# endpoint, or before `.s3.` / `.s3-` (a virtual-hosted or website endpoint)
_SEGMENT = r"((?:\$\{[^}]*\}|[^/\s\"',;:])*)"
_S3_CONTEXT = re.compile(
    r"(?:arn:(?:\$\{[^}]*\}|[^:/\s$])*:s3:::|s3://"
    r"|\bs3[.-](?:[^/\s\"',;]*\.)?(?:amazonaws\.com(?:\.cn)?|\$\{AWS::URLSuffix\})/)"
    + _SEGMENT + r"|((?:\$\{[^}]*\}|[A-Za-z0-9_.*?-])+?)\.s3[.-]"
)


@dataclass
class _Plan:
    """A bucket's fix before what it leaves unused is known: the name removed, the uses rewritten."""

    logical_id: str
    path: Path
    message: str
    edits: list[Edit]
    rewritten: dict[str, int] = field(default_factory=dict)  # how many uses became each value

    @property
    def gone(self) -> list[Path]:
        """The paths whose values the fix removes or replaces."""
        return [e.path for e in self.edits]

    @property
    def written(self) -> list[Any]:
        return [e.value for e in self.edits if isinstance(e, SetValue)]

    def gone_values(self, template: Template) -> list[Any]:
        return [template.get(p) for p in self.gone]

    def note(self) -> str:
        notes = ["`BucketName` removed: CloudFormation names the bucket (the bucket is replaced)"]
        notes.extend(f"{count} literal use(s) now `{shown}`" for shown, count in self.rewritten.items())
        return "; ".join(notes)


def _nested(edits: list[Edit]) -> bool:
    """Whether two of ``edits`` touch one node, or one inside the other (sorted, a path lies right
    before the paths inside it)."""
    keys = sorted(tuple((isinstance(p, str), p) for p in e.touches()) for e in edits)
    return any(b[: len(a)] == a for a, b in itertools.pairwise(keys))


@dataclass
class _Verdict:
    """What is wrong with a bucket's name: why it is static, what makes it invalid, and whether
    the name must stay."""

    static: str = ""
    problems: list[str] = field(default_factory=list)
    certain: bool = False  # invalid whatever the deployment
    required: str = ""


def violations(name: str) -> list[str]:
    """The S3 naming rules a (fully known) bucket name breaks, as short phrases."""
    found: list[str] = []
    if len(name) > MAX_LENGTH:
        found.append(f"it has {len(name)} characters (at most {MAX_LENGTH})")
    elif len(name) < 3:
        found.append("it has fewer than 3 characters")
    found.extend(_characters(name))
    if not (name[:1].isalnum() and name[-1:].isalnum()):
        found.append("it does not begin and end with a letter or digit")
    found.extend(_adjacent(name))
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name):
        try:
            ipaddress.IPv4Address(name)
            found.append("it is formatted as an IP address")
        except ValueError:
            pass
    found.extend(f"it begins with `{p}`, which S3 reserves" for p in RESERVED_PREFIXES if name.startswith(p))
    found.extend(f"it ends with `{s}`, which S3 reserves" for s in RESERVED_SUFFIXES if name.endswith(s))
    return found


def _characters(literal: str) -> list[str]:
    bad = sorted(set(_NOT_ALLOWED.findall(literal)))
    if not bad:
        return []
    capitals = [c for c in bad if c.isupper()]
    others = [c for c in bad if not c.isupper()]
    named = []
    if capitals:
        named.append("capital letters (" + ", ".join(f"`{c}`" for c in capitals) + ")")
    if others:
        named.append(", ".join("`" + (c if c.strip() else repr(c)) + "`" for c in others))
    return ["it holds " + " and ".join(named) + " (S3 allows lowercase letters, digits, `.` and `-`)"]


def _adjacent(literal: str) -> list[str]:
    return [f"it holds `{pair}`" for pair in ("..", ".-", "-.") if pair in literal]


class S3BucketName(Fixer):
    """Checks for S3 buckets with a static or invalid `BucketName`.

    ## What it does
    Finds an `AWS::S3::Bucket` whose `BucketName` is static or can be invalid,
    and removes the property, so that CloudFormation names the bucket
    (`<stack>-<logicalid>-<random>`, in lowercase).

    A name is **static** when nothing in it differs from one stack to the next:
    a literal, a `!Sub` or `!Join` of literals, parameters (`${EnvironmentSuffix}`),
    mappings and the pseudo parameters `AWS::AccountId`, `AWS::Region`,
    `AWS::Partition` and `AWS::URLSuffix`. Two stacks from the template in one
    account and region, with the same parameters (a retried deployment, a
    feature-branch stack, a test pipeline), collide. A name that holds
    `${AWS::StackName}`, `${AWS::StackId}` (as in `!Select [2, !Split ['/', !Ref AWS::StackId]]`)
    or a resource of the template is unique per stack, and not static.

    A name **can be invalid** when it breaks S3's naming rules: 3 to 63
    characters; lowercase letters, digits, `.` and `-` only; a letter or digit
    first and last; no `..`, `.-` or `-.`; not an IP address; none of the
    reserved prefixes (`xn--`, `sthree-`, `amzn-s3-demo-`) and suffixes
    (`-s3alias`, `--ol-s3`, `.mrap`, `--x-s3`, `--table-s3`). What the template
    writes out is checked as it stands (capitals or `_` in a literal, a name
    longer than 63 characters); `${AWS::StackName}` may hold capitals and up to
    128 characters (`MyStack-data` is refused); `${AWS::StackId}` is an ARN; and a
    name made of parameters is checked with their defaults (as cfn-lint's W1031
    does) and with the longest region name for `${AWS::Region}`.

    The template's other uses of the name are rewritten, so that they follow the
    bucket to its generated name. A use is found in literal strings, `Fn::Sub`
    (its variables substituted) and `Fn::Join` alike, and compared with the
    `BucketName` written the same way:
    - the bucket's ARN (`arn:aws:s3:::name`, `arn:${AWS::Partition}:s3:::name`)
      becomes `!GetAtt Bucket.Arn`, and an ARN below it (`arn:aws:s3:::name/*`,
      `arn:aws:s3:::name/logs/${AWS::AccountId}/*`) becomes
      `!Sub '${Bucket.Arn}/*'`, the rest kept;
    - `s3://name/key` becomes `!Sub 's3://${Bucket}/key'`; `name.s3.amazonaws.com`
      becomes `!GetAtt Bucket.DomainName` and `name.s3.${AWS::Region}.amazonaws.com`
      `!GetAtt Bucket.RegionalDomainName`;
    - the bare name in a property that takes a bucket name (cfn-lint's schemas
      mark them, as `S3BucketName` of `AWS::CloudTrail::Trail` and `Code.S3Bucket`
      of `AWS::Lambda::Function`; also `Bucket` of `AWS::S3::BucketPolicy`,
      `ArtifactStore.Location` of `AWS::CodePipeline::Pipeline`, ...) becomes
      `!Ref Bucket`; so it does anywhere in `Properties` or an Output's `Value`
      when the name has at least six characters of its own besides `${}`
      variables or holds `${AWS::StackName}`, but not in tags or in a property
      whose key ends in `Name` and not in `BucketName` (another resource named
      after the same pattern).

    There is no fix, and the finding says why, when the name is chosen by a
    function (`Fn::FindInMap`, `Fn::If`: where its values are used cannot all be
    found), when the exact name is used elsewhere but too short to tell whether
    it stands for the bucket, or when a use cannot be rewritten:
    the name inside a longer string (a script's `aws s3 cp s3://name/...`, a
    policy written as a JSON string, a website endpoint), a wildcard that
    matches the name (`arn:aws:s3:::media-*`), a use in an exported Output, in
    `Parameters`, `Mappings`, `Conditions` or `Rules` (no `!GetAtt` there), in
    the bucket itself or in a resource the bucket depends on (the reference
    would be circular), in the `AWS::Lambda::Permission`, `AWS::SNS::TopicPolicy`
    or `AWS::SQS::QueuePolicy` that lets the bucket notify a destination of its
    `NotificationConfiguration` (S3 checks it when it creates the bucket, so it
    must exist first, with or without a `DependsOn`; a static name is how a
    template breaks that cycle), or in a resource or Output without the bucket's
    `Condition`. `Description` fields and the top-level `Metadata` are not uses.
    Parameters, mappings and conditions that only the name used are removed
    with it (parameters from the `AWS::CloudFormation::Interface` metadata too);
    when the names of several buckets share such a parameter, the first
    bucket's fix removes all of those names with it.

    Names that are chosen on purpose are left alone: a name that is one
    parameter's value (`!Ref BucketName`: whoever deploys names the bucket),
    a name that may be `AWS::NoValue` (`!If [HasName, !Ref Name, !Ref AWS::NoValue]`),
    and names that AWS services or their managed policies find buckets by:
    `aws-waf-logs-...` (AWS WAF's log destinations), `aws-glue-...` and
    `aws-athena-query-results-...` (the `AWSGlueServiceRole` and
    `AmazonAthenaFullAccess` policies), names holding `sagemaker`
    (`AmazonSageMakerFullAccess`), `elasticbeanstalk-...`, the CDK bootstrap
    bucket (`cdk-<qualifier>-assets-...`), and a website bucket
    (`WebsiteConfiguration`) whose name holds a dot: Route 53 serves such a
    bucket only under its host name. Such a name is reported only when it can
    be invalid, without a fix.

    ## Why is this bad?
    Bucket names are global across every AWS account. A static name fails the
    second stack created from the template (`... already exists`), in the same
    account or any other, and a bucket retained by `DeletionPolicy: Retain`
    blocks the name for every later deployment. A name that breaks S3's rules
    fails the deployment outright, and one built from `${AWS::StackName}` fails
    as soon as a stack name holds a capital letter.

    ## Example
    ```yaml
    ArtifactBucket:
      Type: AWS::S3::Bucket
      Properties:
        BucketName: !Sub 'media-pipeline-artifacts-${EnvironmentSuffix}-${AWS::AccountId}'
    ArtifactBucketPolicy:
      Type: AWS::S3::BucketPolicy
      Properties:
        Bucket: !Sub 'media-pipeline-artifacts-${EnvironmentSuffix}-${AWS::AccountId}'
        PolicyDocument:
          Statement:
            - Effect: Deny
              Principal: '*'
              Action: s3:*
              Resource: !Sub 'arn:aws:s3:::media-pipeline-artifacts-${EnvironmentSuffix}-${AWS::AccountId}/*'
              Condition:
                Bool:
                  aws:SecureTransport: false
    ```

    Use instead:
    ```yaml
    ArtifactBucket:
      Type: AWS::S3::Bucket
    ArtifactBucketPolicy:
      Type: AWS::S3::BucketPolicy
      Properties:
        Bucket: !Ref ArtifactBucket
        PolicyDocument:
          Statement:
            - Effect: Deny
              Principal: '*'
              Action: s3:*
              Resource: !Sub '${ArtifactBucket.Arn}/*'
              Condition:
                Bool:
                  aws:SecureTransport: false
    ```

    ## Fix safety
    The fix is unsafe: on an existing stack the bucket is replaced by a new,
    empty one with another name; the objects stay in the old bucket (which
    CloudFormation cannot delete while it holds any), and whatever outside the
    template knows the old name (other stacks, exports that give `!Ref Bucket`,
    code, CI configuration, bucket policies in other accounts) stops matching.
    Inside the template every use that can be found is rewritten, or there is
    no fix. An ARN is taken to name this bucket whatever its partition. A
    parameter that only the name used is removed, so a deployment that still
    passes it with `create-stack --parameters` is refused until it stops.

    ## References
    - [AWS::S3::Bucket BucketName](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html#cfn-s3-bucket-bucketname)
    - [General purpose bucket naming rules](https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)
    - [Name type](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html)
    - cfn-lint E1161, E3031, E3033 and W1031 (invalid names written out or from parameter defaults)
    """

    code: ClassVar[str] = "CFX215"
    name: ClassVar[str] = "s3-bucket-name"
    summary: ClassVar[str] = "S3 bucket with a static or invalid BucketName"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ()

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        found: list[Finding | _Plan] = []
        for logical_id, resource in template.resources_of_type(BUCKET_TYPE):
            properties = resource.get("Properties")
            if not isinstance(properties, dict) or properties.get("BucketName") in (None, ""):
                continue
            bucket = Named(template, logical_id, "BucketName", "bucket")
            verdict = self._verdict(template, bucket, properties, options.target_regions)
            if verdict is None:
                continue
            message = self._message(logical_id, verdict)
            if verdict.required:
                found.append(self.finding(bucket.path, message,
                                          no_fix_reason=f"the name must stay: {verdict.required}"))
                continue
            found.append(self._plan(template, bucket, message, properties))
        plans = [p for p in found if isinstance(p, _Plan)]
        fixes = self._with_unused(template, plans) if plans else {}
        for item in found:
            yield fixes[item.logical_id] if isinstance(item, _Plan) else item

    # --- the name ---------------------------------------------------------------------
    def _verdict(self, template: Template, bucket: Named, properties: dict[str, Any],
                 regions: tuple[str, ...]) -> _Verdict | None:
        """What is wrong with the bucket's name, or None when nothing is (or it is chosen on purpose)."""
        text = bucket.text
        targets = {name for _how, name in names_in(bucket.value)}
        if "AWS::NoValue" in targets:
            return None  # an optional name: CloudFormation names the bucket unless one is given
        variable = re.fullmatch(r"\$\{([^}.!]+)\}", text)
        if variable is not None and variable.group(1) in template.parameters:
            return None  # whoever deploys the stack names the bucket
        verdict = _Verdict()
        if not any(t in _PER_STACK or t in template.resources for t in targets):
            shared = [t for t in ("AWS::AccountId", "AWS::Region") if t in targets]
            apart = {"AWS::AccountId": "accounts", "AWS::Region": "regions"}
            verdict.static = "bucket names are global, so a second stack from this template collides with it"
            if shared:
                verdict.static += (
                    " (" + " and ".join(f"`${{{t}}}`" for t in shared)
                    + (" tells " if len(shared) == 1 else " tell ")
                    + " and ".join(apart[t] for t in shared) + " apart, not stacks)"
                )
        verdict.problems, verdict.certain = self._problems(template, text, regions)
        verdict.required = self._required(text, properties)
        if verdict.required and not verdict.problems:
            return None
        if not verdict.static and not verdict.problems:
            return None
        return verdict

    @staticmethod
    def _required(text: str, properties: dict[str, Any]) -> str:
        """Why a service needs the bucket under this name, or ''."""
        for prefix, why in REQUIRED_PREFIXES.items():
            if text.startswith(prefix):
                return why
        if _CDK_ASSETS.match(text):
            return "the CDK finds its bootstrap bucket by the name `cdk-<qualifier>-assets-<account>-<region>`"
        if _SAGEMAKER.search(text):
            return "the `AmazonSageMakerFullAccess` managed policy grants access to buckets named `*sagemaker*` only"
        if "WebsiteConfiguration" in properties and "." in _VARIABLE_OR_OPAQUE.sub("", text):
            return "a website bucket served under a host name (a Route 53 alias) must be named after that host"
        return ""

    def _problems(self, template: Template, text: str, regions: tuple[str, ...]) -> tuple[list[str], bool]:
        """The naming rules the name breaks for sure (True), or may break (False) in one of ``regions``
        with the parameters' defaults."""
        parts = _VARIABLE_OR_OPAQUE.split(text)
        literals = [p.replace("${!", "${") for p in parts[0::2]]
        atoms = parts[1::2]
        if not atoms:
            return violations(literals[0]), True
        certain = _characters("".join(literals))
        for literal in literals:
            certain.extend(p for p in _adjacent(literal) if p not in certain)
        first, last = literals[0], literals[-1]
        if (first and not first[0].isalnum()) or (last and not last[-1].isalnum()):
            certain.append("it does not begin and end with a letter or digit")
        certain.extend(f"it begins with `{p}`, which S3 reserves" for p in RESERVED_PREFIXES
                       if literals[0].startswith(p))
        certain.extend(f"it ends with `{s}`, which S3 reserves" for s in RESERVED_SUFFIXES
                       if literals[-1].endswith(s))
        variables = [a[2:-1] for a in atoms if a.startswith("${")]
        if "AWS::StackId" in variables:
            certain.append("`${AWS::StackId}` is an ARN, with `:` and `/`")
        shortest_region = min(map(len, cfnlint_data.regions()))
        least = sum(map(len, literals)) + sum(len(_SHARED_PSEUDO.get(v, "")) for v in variables) \
            + shortest_region * variables.count("AWS::Region")
        if least > MAX_LENGTH:
            certain.append(f"it has at least {least} characters (at most {MAX_LENGTH})")
        if certain:
            return certain, True
        possible: list[str] = []
        if "AWS::StackName" in variables:
            possible.append(f"`${{AWS::StackName}}` may hold capital letters and up to {STACK_NAME_LENGTH} characters")
            return possible, False
        region = max(regions, key=len)
        resolved, defaults = self._resolved(template, parts, region)
        if resolved is not None:
            found = violations(resolved)
            if found:
                given = [f"with the default of {', '.join(defaults)}"] if defaults else []
                given += [f"in `{region}`"] if "AWS::Region" in variables else []
                possible.append(f"{' '.join(given) or 'deployed'}, it is `{resolved}`: " + "; ".join(found))
        return possible, False

    @staticmethod
    def _resolved(template: Template, parts: list[str], region: str) -> tuple[str | None, list[str]]:
        """The name with every variable given a value (parameters their defaults, ``AWS::Region``
        ``region``), and the parameters whose defaults were used; None when one has none."""
        defaults: list[str] = []
        values: list[str] = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                values.append(part.replace("${!", "${"))
                continue
            name = part[2:-1] if part.startswith("${") else ""
            parameter = template.parameters.get(name)
            if name in _SHARED_PSEUDO:
                values.append(_SHARED_PSEUDO[name])
            elif name == "AWS::Region":
                values.append(region)
            elif isinstance(parameter, dict) and isinstance(parameter.get("Default"), (str, int, float)) \
                    and not isinstance(parameter.get("Default"), bool) \
                    and not str(parameter.get("Type", "String")).startswith(("List", "CommaDelimitedList")):
                values.append(str(parameter["Default"]))
                defaults.append(f"`{name}` (`{parameter['Default']}`)")
            else:
                return None, []
        return "".join(values), defaults

    @staticmethod
    def _message(logical_id: str, verdict: _Verdict) -> str:
        invalid = "is invalid" if verdict.certain else "can be invalid"
        if verdict.static and verdict.problems:
            head = f"S3 bucket `{logical_id}` has a static `BucketName` that {invalid}: "
            return head + "; ".join(verdict.problems) + f"; and {verdict.static}"
        if verdict.problems:
            return f"S3 bucket `{logical_id}` has a `BucketName` that {invalid}: " + "; ".join(verdict.problems)
        return f"S3 bucket `{logical_id}` has a static `BucketName`: {verdict.static}"

    # --- the fix ----------------------------------------------------------------------
    def _plan(self, template: Template, bucket: Named, message: str, properties: dict[str, Any]) -> Finding | _Plan:
        """The bucket's fix before what it leaves unused is known, or the finding without a fix."""
        logical_id, path = bucket.logical_id, bucket.path
        if is_opaque(bucket.text):
            return self.finding(path, message, no_fix_reason="the name is chosen by a function (`Fn::FindInMap`, "
                                "`Fn::If`, ...), so its uses in the template cannot all be found")
        removed: Path = path if len(properties) > 1 else path[:-1]
        plan = _Plan(logical_id, path, message, [Delete(path=removed)])
        blockers: list[str] = []

        def other_bucket_name(use_path: Path) -> bool:  # equal to this one's by design: no use of it
            return len(use_path) == 4 and use_path[2:] == ("Properties", "BucketName") \
                and template.get((*use_path[:2], "Type")) == BUCKET_TYPE

        classify = functools.partial(self._classify, template, bucket)
        destinations = {name for _how, name in names_in(properties.get("NotificationConfiguration"))}
        for use_path, _kind, value, why in rewrites(bucket, classify, other_bucket_name):
            why = why or self._grants_notification(template, use_path, destinations)
            if why is not None:
                blockers.append(f"{dotted(use_path)} ({why})")
                continue
            plan.edits.append(SetValue(path=use_path, value=value))
            shown = self._shown(logical_id, value)
            plan.rewritten[shown] = plan.rewritten.get(shown, 0) + 1
        if blockers:
            return self.finding(path, message, no_fix_reason="the bucket's name is used where it cannot be "
                                "rewritten: " + "; ".join(blockers))
        plan.edits.extend(implied_depends_on(template, logical_id, plan.edits))
        return plan

    @staticmethod
    def _grants_notification(template: Template, path: Path, destinations: set[str]) -> str | None:
        """Why a use in the permission that lets the bucket notify one of its ``destinations`` cannot
        refer to the bucket: S3 checks that permission when it creates the bucket (so it must come
        first, even when nothing says ``DependsOn``), and a reference would make it come after."""
        if not destinations or path[0] != "Resources":
            return None
        resource = template.resources.get(str(path[1]))
        if not isinstance(resource, dict) or resource.get("Type") not in NOTIFICATION_PERMISSIONS:
            return None
        granted = {name for _how, name in names_in(resource.get("Properties"))} & destinations
        if not granted:
            return None
        return f"it lets the bucket notify `{sorted(granted)[0]}`, which S3 checks when it creates the bucket"

    def _with_unused(self, template: Template, plans: list[_Plan]) -> dict[str, Finding]:
        """Each planned fix as a finding, with the removal of the parameters, mappings and conditions
        it leaves unused.

        When the names of several buckets share what goes (each fix alone leaves it in use by the
        other names, all of them together unused), the first bucket's fix takes all of those names
        away with it, and each other bucket's fix only its own name: every fix overlaps the first,
        so the pipeline applies either the first (and the others find nothing left to fix) or the
        others, after which the first bucket's name alone uses it, and its fix removes it."""
        unused = left_unused(template, [g for p in plans for g in p.gone], [w for p in plans for w in p.written])
        involved = [p for p in plans if unused and any(name in unused for value in p.gone_values(template)
                                                      for _how, name in names_in(value))]
        joined = {p.logical_id for p in involved}
        fixes = {p.logical_id: self.finding(p.path, p.message, p.edits, note=p.note()) for p in plans
                 if p.logical_id not in joined}
        if not involved:
            return fixes
        first, *others = involved
        removal, why_kept = unused.removal(template)
        edits = [e for p in involved for e in p.edits] + [Delete(path=path) for path in removal]
        if not why_kept and _nested(edits):
            why_kept = f"{unused.shown()} would be left unused, and the fixes of " \
                + ", ".join(f"`{p.logical_id}`" for p in involved) + " cannot be made together"
        if why_kept:
            fixes.update((p.logical_id, self.finding(p.path, p.message, no_fix_reason=why_kept)) for p in involved)
            return fixes
        notes = [first.note(), "removed what only the name used: " + ", ".join(f"`{dotted(p)}`" for p in removal)]
        if others:
            notes.append("made together with the fixes of " + ", ".join(f"`{p.logical_id}`" for p in others)
                         + ", whose names use it as well")
        fixes[first.logical_id] = self.finding(first.path, first.message, edits, note="; ".join(notes))
        for plan in others:
            fixes[plan.logical_id] = self.finding(
                plan.path, plan.message, plan.edits,
                note=f"{plan.note()}; the fix of `{first.logical_id}` removes the rest of what the name uses",
            )
        return fixes

    @staticmethod
    def _shown(logical_id: str, value: Any) -> str:
        """A replacement value as the fix's note shows it."""
        if value == ref(logical_id):
            return f"!Ref {logical_id}"
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            return f"!GetAtt {logical_id}.{value['Fn::GetAtt'][1]}"
        return f"!Sub '{value['Fn::Sub']}'" if isinstance(value, dict) and "Fn::Sub" in value else str(value)

    # --- its uses ---------------------------------------------------------------------
    def _classify(self, template: Template, bucket: Named, expression: Expression) -> tuple[Use, Any] | None:
        """The kind of use ``expression`` makes of the bucket's name, and the value it becomes."""
        path, text, name, logical_id = expression.path, expression.text, bucket.text, bucket.logical_id
        if text == name:
            if self._takes_bucket_name(template, path):
                return "name", ref(logical_id)
            keys = [p for p in path if isinstance(p, str)]
            if in_tags_or_names(path) and not ("Tags" not in keys and keys[-1].endswith("BucketName")):
                return None  # a tag or another resource's name, equal to the bucket's by design
            if distinctive(name) or any(v in name for v in _PER_STACK):
                return "name", ref(logical_id)
            return "ambiguous", None
        if text.startswith(("arn:", "s3://")) or ".s3." in text:
            found = self._whole_form(text, name, logical_id)
            if found is not None:
                return found
        segments = [m.group(1) if m.group(1) is not None else m.group(2) for m in _S3_CONTEXT.finditer(text)]
        kind = embedded_use(text, segments, name)
        return (kind, expression.value) if kind is not None else None

    @staticmethod
    def _whole_form(text: str, name: str, logical_id: str) -> tuple[Use, Any] | None:
        """The bucket's ARN, an ARN or ``s3://`` URL below it, or its domain name, as the value it becomes."""
        arn = _S3_ARN.match(text)
        start = arn.end() if arn is not None else len("s3://") if text.startswith("s3://") else None
        if start is not None and text.startswith(name, start):
            rest = text[start + len(name):]
            if rest and not rest.startswith("/"):
                return None
            if is_opaque(rest):
                return "partial", None
            if arn is not None:
                return "arn", sub(f"${{{logical_id}.Arn}}{rest}") if rest else get_att(logical_id, "Arn")
            return "arn", sub(f"s3://${{{logical_id}}}{rest}")
        if text.startswith(name + ".s3."):
            host = text[len(name) + len(".s3."):]
            if _URL_SUFFIX.fullmatch(host):
                return "arn", get_att(logical_id, "DomainName")
            if host.startswith("${AWS::Region}.") and _URL_SUFFIX.fullmatch(host[len("${AWS::Region}."):]):
                return "arn", get_att(logical_id, "RegionalDomainName")
        return None

    @staticmethod
    def _takes_bucket_name(template: Template, path: Path) -> bool:
        """Whether ``path`` is a resource property that takes a bucket name."""
        if at_property(template, path, NAME_PROPERTIES):
            return True
        if len(path) < 4 or path[0] != "Resources" or path[2] != "Properties":
            return False
        resource_type = template.get(("Resources", path[1], "Type"))
        if not isinstance(resource_type, str):
            return False
        schema = cfnlint_data.property_schema(resource_type, path[3:])
        return schema is not None and schema.get("format") == NAME_FORMAT
