"""CFX001 secret-parameter: a password parameter replaced by a generated Secrets Manager secret."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import Field

from cfnfix.config import SettingsModel
from cfnfix.fixer import Fixer, ref, sub
from cfnfix.models import Applicability, Delete, Edit, Finding, InsertKey, Options, Path, SetValue
from cfnfix.template import Reference, Template

# cfn-lint's W1011 keywords: a Ref to any parameter here is reported, whatever the parameter's name.
# "*" stands for a list index; Fn::If branches are looked through, every other function hides the Ref.
W1011_PROPERTIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "AWS::DirectoryService::MicrosoftAD": (("Password",),),
    "AWS::DirectoryService::SimpleAD": (("Password",),),
    "AWS::ElastiCache::ReplicationGroup": (("AuthToken",),),
    "AWS::IAM::User": (("LoginProfile", "Password"),),
    "AWS::KinesisFirehose::DeliveryStream": (("RedshiftDestinationConfiguration", "Password"),),
    "AWS::OpsWorks::App": (("AppSource", "Password"),),
    "AWS::OpsWorks::Stack": (("RdsDbInstances", "*", "DbPassword"), ("CustomCookbooksSource", "Password")),
    "AWS::RDS::DBCluster": (("MasterUserPassword",),),
    "AWS::RDS::DBInstance": (("MasterUserPassword",),),
    "AWS::Redshift::Cluster": (("MasterUserPassword",),),
}

# Property names that hold a password we may choose, for parameters that look secret (NoEcho or named so),
# with the sibling property that names the user, when there is one.
PASSWORD_KEYS: dict[str, tuple[str, ...]] = {
    "Password": ("Username", "UserName", "User"),
    "Passwords": (),
    "MasterUserPassword": ("MasterUsername",),
    "DbPassword": ("DbUser",),
    "AdminUserPassword": ("AdminUsername",),
    "AuthPassword": ("AuthUserName",),
    "AuthToken": (),
}

SECRET_NAME = re.compile(r"pass(word|wd)?|pwd|secret|token", re.IGNORECASE)

DEFAULT_LENGTH = 32
BASE_EXCLUDED = '"@/\\'


class SecretParameterSettings(SettingsModel):
    """``[tool.cfnfix.fixers.CFX001]``: how generated passwords are made."""

    #: the length asked for, within what the service and the parameter allow
    password_length: int = Field(DEFAULT_LENGTH, ge=8, le=4096)
    #: characters never generated, beyond what the service refuses
    exclude_characters: str = BASE_EXCLUDED


@dataclass(frozen=True)
class Limit:
    """A service's password rules: length bounds and characters it refuses beyond ``BASE_EXCLUDED``."""

    low: int = 1
    high: int = 4096
    excluded: str = ""


# Password limits by resource type, and for RDS DB instances by engine prefix (the first match wins).
# RDS: CreateDBInstance's MasterUserPassword constraints; a DB cluster (Aurora, Multi-AZ) takes 8 to 41.
RDS_INSTANCE_ENGINES: tuple[tuple[str, Limit], ...] = (
    ("aurora", Limit(8, 41)),
    ("mysql", Limit(8, 41)),
    ("mariadb", Limit(8, 41)),
    ("oracle", Limit(8, 30)),
    ("custom-oracle", Limit(8, 30)),
    ("sqlserver", Limit(8, 128)),
    ("custom-sqlserver", Limit(8, 128)),
    ("postgres", Limit(8, 128)),
    ("db2", Limit(8, 255)),
)
RDS_UNKNOWN_ENGINE = Limit(8, 30)  # the strictest of the table, when the engine cannot be read
TYPE_LIMITS: dict[str, Limit] = {
    "AWS::RDS::DBCluster": Limit(8, 41),
    "AWS::DocDB::DBCluster": Limit(8, 100),
    "AWS::Redshift::Cluster": Limit(8, 64, "'"),
    "AWS::RedshiftServerless::Namespace": Limit(8, 64, "'"),
    "AWS::ElastiCache::ReplicationGroup": Limit(16, 128),
    "AWS::ElastiCache::User": Limit(16, 128),
    "AWS::DirectoryService::MicrosoftAD": Limit(8, 64),
    "AWS::DirectoryService::SimpleAD": Limit(8, 64),
    "AWS::AmazonMQ::Broker": Limit(12, 250, ",:="),
}

# Resources a SecretTargetAttachment can point at (the attachment fills in host, port and engine).
ATTACHABLE = (
    "AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::DocDB::DBCluster", "AWS::Redshift::Cluster",
)
INTERFACE: Path = ("Metadata", "AWS::CloudFormation::Interface")
SECTION_NAMES = {
    "Outputs": "an Output",
    "Conditions": "a Condition",
    "Rules": "a Rule",
    "Metadata": "the template Metadata",
    "Parameters": "a Parameter",
    "Mappings": "a Mapping",
}


@dataclass
class _Use:
    """One place that reads the parameter: a Ref, or a ``${P}`` in a Fn::Sub string."""

    path: Path  # the Ref mapping, or the Fn::Sub string
    kind: str  # "Ref" or "Sub"
    resource: str | None  # logical id when inside a resource's Properties
    prop: tuple[str | int, ...] = ()  # the property path below Properties, intrinsics removed
    blocked: str | None = None  # why a dynamic reference cannot go here


@dataclass
class _Candidate:
    name: str
    uses: list[_Use] = field(default_factory=list)
    feeds: list[_Use] = field(default_factory=list)  # uses that land in a password property


class SecretParameter(Fixer):
    """## What it does
    Finds template parameters that carry a password into a resource: a parameter passed
    (`!Ref`) to a property cfn-lint's W1011 watches (RDS and Redshift master passwords,
    ElastiCache auth tokens, directory and IAM login passwords, ...), or a `NoEcho`
    parameter or one named like a password, secret or token that feeds any password
    property (a DMS endpoint's `Password`, a DocumentDB master password, ...).

    ## Why is this bad?
    A password parameter has no safe default, so every deployment needs a human or a
    pipeline secret to type it in (`Parameters: [DBPassword] must have values`); the value
    then sits in the stack's parameters and the deploy scripts. A secret generated by
    Secrets Manager needs no input, never appears in the template or the console, and can
    be rotated.

    ## Example
    ```yaml
    Parameters:
      DBPassword:
        Type: String
        NoEcho: true
        MaxLength: 41
    Resources:
      Database:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: mysql
          MasterUsername: admin
          MasterUserPassword: !Ref DBPassword
    ```

    Use instead:
    ```yaml
    Resources:
      Database:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: mysql
          MasterUsername: admin
          MasterUserPassword: !Sub '{{resolve:secretsmanager:${DBPasswordSecret}:SecretString:password}}'
      DBPasswordSecret:
        Type: AWS::SecretsManager::Secret
        Properties:
          Description: Generated value of the former DBPassword parameter
          GenerateSecretString:
            SecretStringTemplate: '{"username": "admin"}'
            GenerateStringKey: password
            PasswordLength: 32
            ExcludeCharacters: '"@/\\'
            RequireEachIncludedType: true
      DBPasswordSecretAttachment:
        Type: AWS::SecretsManager::SecretTargetAttachment
        Properties:
          SecretId: !Ref DBPasswordSecret
          TargetId: !Ref Database
          TargetType: AWS::RDS::DBInstance
    ```

    The fix writes one secret per parameter (named `<Parameter>Secret`, or the next free
    logical id), inserted after the resource that uses it, and rewrites every use: a `!Ref`
    becomes `!Sub '{{resolve:secretsmanager:${Secret}:SecretString:password}}'`, a `${P}` in
    a `!Sub` string becomes `{{resolve:secretsmanager:${Secret}:SecretString:password}}`.
    The parameter is removed, with its entries in the `AWS::CloudFormation::Interface`
    metadata (a group left without parameters goes too). The secret's JSON holds
    `password` and, when the using resource names its user (a literal, or a `!Ref` to a
    parameter, then through `!Sub`), `username`. The first RDS DB instance or cluster,
    DocumentDB cluster or Redshift cluster that uses the password gets a
    `SecretTargetAttachment`.

    The generated length is 32, kept within the parameter's `MinLength`/`MaxLength` (and a
    `{m,n}` bound of its `AllowedPattern`) and the service's limits: RDS MySQL and MariaDB
    41, Oracle 30, SQL Server and PostgreSQL 128, Db2 255, any RDS DB cluster 41 (an RDS
    instance of unknown engine: 30), DocumentDB 100, Redshift and Directory Service 64,
    ElastiCache auth tokens 16 to 128, Amazon MQ 12 to 250. `"`, `@`, `/` and `\\` are
    excluded (RDS refuses them), plus what the service refuses (Redshift `'`, Amazon MQ
    `,:=`) and, when the `AllowedPattern` is one character class (`^[...]*$`), every
    printable character outside it. Other patterns are not analysed.

    When the parameter is also read where a dynamic reference cannot go (an Output, a
    Condition, a Rule, template or resource Metadata, the `SecretString` of a secret), the
    finding has no fix: the template needs the value itself there.

    ## Fix safety
    The fix is unsafe: it removes a parameter, so deploy scripts that pass it fail
    (`Parameters: [DBPassword] do not exist in the template`), and it changes the password.
    On an existing stack the next update sets the database's master password to the new
    generated value; clients that held the old password lose access. When the password
    belongs to a system outside the stack (the source endpoint of an on-premises
    database, a directory trust), the generated value is only a placeholder: store the real
    one with `aws secretsmanager put-secret-value` and update the stack again. A parameter
    whose type is not `String` is reported without a fix.

    ## Options
    In `[tool.cfnfix.fixers.CFX001]`:
    - `password-length` (default `32`, 8 to 4096): the length asked for, kept within
      what the service and the parameter's `MinLength`/`MaxLength` allow.
    - `exclude-characters` (default `"@/\\`): characters never generated, beyond those
      the service refuses.

    ## References
    - [cfn-lint W1011](https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/rules.md)
    - [Security best practices: do not embed credentials](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security-best-practices.html#creds)
    - [AWS::SecretsManager::Secret GenerateSecretString](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-secretsmanager-secret-generatesecretstring.html)
    - [Secrets Manager dynamic references](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html)
    - [RDS master password constraints](https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html)
    """

    code: ClassVar[str] = "CFX001"
    name: ClassVar[str] = "secret-parameter"
    summary: ClassVar[str] = "Password parameter instead of a generated Secrets Manager secret"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE
    settings_model = SecretParameterSettings
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("W1011",)

    def find(self, template: Template, options: Options) -> Iterable[Finding]:
        candidates = [c for c in self._candidates(template) if c.feeds]
        if not candidates:
            return []
        fixable = [c for c in candidates if _blocker(template, c) is None]
        deletions = _plan_deletions(template, [c.name for c in fixable])
        taken = _logical_ids(template)
        findings = []
        for candidate in candidates:
            findings.append(self._finding(template, candidate, deletions.get(candidate.name, []), taken,
                                          self.settings(options, SecretParameterSettings)))
        return findings

    # --- detection -------------------------------------------------------------------------
    def _candidates(self, template: Template) -> Iterator[_Candidate]:
        for name, parameter in template.parameters.items():
            if not isinstance(parameter, dict):
                continue
            candidate = _Candidate(name, _uses(template, name))
            looks_secret = _truthy(parameter.get("NoEcho")) or bool(SECRET_NAME.search(name))
            for use in candidate.uses:
                if use.blocked is not None or use.resource is None:
                    continue
                resource_type = template.get(("Resources", use.resource, "Type"))
                w1011 = use.kind == "Ref" and _is_w1011(resource_type, use.path[3:])
                if w1011 or (looks_secret and _password_key(use.prop) is not None):
                    candidate.feeds.append(use)
            yield candidate

    def _finding(
        self, template: Template, candidate: _Candidate, deletions: list[Path], taken: set[str],
        settings: SecretParameterSettings,
    ) -> Finding:
        name = candidate.name
        first = candidate.feeds[0]
        where = ", ".join(sorted({f"{u.resource}.{_dotted(u.prop)}" for u in candidate.feeds}))
        message = (
            f"Parameter '{name}' supplies a password ({where}); generate it in a Secrets Manager "
            "secret and use a dynamic reference"
        )
        path: Path = ("Parameters", name)
        related = [use.path for use in candidate.feeds]
        blocker = _blocker(template, candidate)
        if blocker is not None:
            return self.finding(path, message, no_fix_reason=blocker, related=related)

        secret_id = _free_id(f"{name}Secret", taken)
        resources = template.resources
        target = next(
            (u.resource for u in candidate.feeds
             if u.resource and template.get(("Resources", u.resource, "Type")) in ATTACHABLE),
            None,
        )
        anchor = target or first.resource
        users = [u.resource for u in candidate.uses if u.resource]
        conditions = {resources.get(r, {}).get("Condition") for r in users}
        secret: dict[str, Any] = {"Type": "AWS::SecretsManager::Secret"}
        if len(conditions) == 1 and isinstance(next(iter(conditions)), str):
            secret["Condition"] = next(iter(conditions))
        secret["Properties"] = {
            "Description": _description(template, name),
            "GenerateSecretString": _generate(template, candidate, settings),
        }
        edits: list[Edit] = [InsertKey(path=("Resources",), key=secret_id, value=secret, after=anchor)]
        if target is not None:
            attachment: dict[str, Any] = {"Type": "AWS::SecretsManager::SecretTargetAttachment"}
            target_condition = resources[target].get("Condition")
            if isinstance(target_condition, str):
                attachment["Condition"] = target_condition
            attachment["Properties"] = {
                "SecretId": ref(secret_id),
                "TargetId": ref(target),
                "TargetType": resources[target]["Type"],
            }
            attachment_id = _free_id(f"{secret_id}Attachment", taken)
            edits.append(InsertKey(path=("Resources",), key=attachment_id, value=attachment, after=anchor))

        dynamic = "{{resolve:secretsmanager:${" + secret_id + "}:SecretString:password}}"
        seen: set[Path] = set()
        for use in candidate.uses:
            if use.path in seen:
                continue
            seen.add(use.path)
            if use.kind == "Ref":
                edits.append(SetValue(path=use.path, value=sub(dynamic)))
            else:
                text = template.get(use.path)
                pattern = re.compile(r"\$\{\s*" + re.escape(name) + r"\s*\}")
                edits.append(SetValue(path=use.path, value=pattern.sub(lambda _m: dynamic, text)))
        edits.extend(Delete(path=p) for p in deletions)
        note = (
            f"'{name}' is now generated by the secret {secret_id}; a password of a system outside "
            "the stack must be stored in it with put-secret-value"
        )
        return self.finding(path, message, edits, note=note, related=related)


# --- uses ---------------------------------------------------------------------------------------
def _uses(template: Template, name: str) -> list[_Use]:
    uses = []
    for reference in template.references_to(name):
        if reference.kind not in ("Ref", "Sub"):
            continue
        uses.append(_use(template, reference))
    return uses


def _use(template: Template, reference: Reference) -> _Use:
    path = reference.path
    if reference.kind == "Sub":
        arg = template.get((*path, "Fn::Sub"))
        path = (*path, "Fn::Sub") if isinstance(arg, str) else (*path, "Fn::Sub", 0)
    section = path[0]
    if section != "Resources":
        where = SECTION_NAMES.get(str(section), f"the {section} section")
        if len(path) > 1 and section in ("Outputs", "Conditions", "Rules", "Parameters", "Mappings"):
            where += f" ({path[1]})"
        return _Use(path, reference.kind, None, blocked=where)
    if len(path) < 3 or path[2] != "Properties":
        part = path[2] if len(path) > 2 else "definition"
        return _Use(path, reference.kind, None, blocked=f"the {part} of resource {path[1]}")
    resource = str(path[1])
    if "Fn::FindInMap" in path:
        return _Use(path, reference.kind, resource, blocked=f"a Fn::FindInMap key in resource {resource}")
    prop = _property_path(path[3:])
    resource_type = template.get(("Resources", resource, "Type"))
    if resource_type == "AWS::SecretsManager::Secret" and prop[:1] == ("SecretString",):
        return _Use(path, reference.kind, resource, prop, blocked=f"the SecretString of secret {resource}")
    return _Use(path, reference.kind, resource, prop)


def _property_path(parts: Path) -> tuple[str | int, ...]:
    """The property path less intrinsic function keys, their argument indexes and Sub variable names."""
    out: list[str | int] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        if isinstance(part, str) and (part.startswith("Fn::") or part == "Ref"):
            i += 1
            if i < len(parts) and isinstance(parts[i], int):
                if part == "Fn::Sub" and parts[i] == 1:
                    i += 1  # the variable's name in the Fn::Sub map
                i += 1
            continue
        out.append(part)
        i += 1
    return tuple(out)


def _is_w1011(resource_type: Any, parts: Path) -> bool:
    """Whether cfn-lint's W1011 sees a Ref at ``parts`` (below Properties): only Fn::If may wrap it."""
    if any(isinstance(p, str) and p.startswith("Fn::") and p != "Fn::If" for p in parts):
        return False
    prop = _property_path(parts)
    for pattern in W1011_PROPERTIES.get(str(resource_type), ()):
        if len(pattern) == len(prop) and all(
            (p == "*" and isinstance(q, int)) or p == q for p, q in zip(pattern, prop, strict=True)
        ):
            return True
    return False


def _password_key(prop: tuple[str | int, ...]) -> str | None:
    keys = [p for p in prop if isinstance(p, str)]
    return keys[-1] if keys and keys[-1] in PASSWORD_KEYS else None


def _blocker(template: Template, candidate: _Candidate) -> str | None:
    places = sorted({u.blocked for u in candidate.uses if u.blocked is not None})
    if places:
        return (
            f"'{candidate.name}' is also read in {', '.join(places)}, where a dynamic reference is "
            "not allowed; remove that use first"
        )
    declared = template.parameters.get(candidate.name, {}).get("Type", "String")
    if declared != "String":
        return f"'{candidate.name}' has type {declared}, not String; a generated secret cannot replace it"
    return None


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _dotted(prop: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in prop)


# --- the secret ---------------------------------------------------------------------------------
def _description(template: Template, name: str) -> str:
    described = template.parameters[name].get("Description")
    if isinstance(described, str) and described.strip():
        return described.strip()
    return f"Generated value of the former {name} parameter"


def _generate(template: Template, candidate: _Candidate, settings: SecretParameterSettings) -> dict[str, Any]:
    parameter = template.parameters[candidate.name]
    low, high = 1, 4096
    excluded = settings.exclude_characters
    for use in candidate.feeds:
        limit = _limit(template, str(use.resource))
        low, high = max(low, limit.low), min(high, limit.high)
        excluded += limit.excluded
    low = max(low, _int(parameter.get("MinLength"), low))
    high = min(high, _int(parameter.get("MaxLength"), high))
    pattern = parameter.get("AllowedPattern")
    flags: dict[str, bool] = {}
    if isinstance(pattern, str):
        forbidden, bounds = _pattern_limits(pattern)
        if bounds is not None:
            low, high = max(low, bounds[0]), min(high, bounds[1])
        for flag, chars in (
            ("ExcludeLowercase", string.ascii_lowercase),
            ("ExcludeUppercase", string.ascii_uppercase),
            ("ExcludeNumbers", string.digits),
            ("ExcludePunctuation", string.punctuation),
        ):
            if set(chars) <= forbidden:
                flags[flag] = True
                forbidden -= set(chars)
        excluded += "".join(sorted(forbidden))
    length = min(max(settings.password_length, low), high)
    result: dict[str, Any] = {}
    username = _username(template, candidate)
    if isinstance(username, str):
        result["SecretStringTemplate"] = json.dumps({"username": username})
    elif username is not None:
        result["SecretStringTemplate"] = username
    else:
        result["SecretStringTemplate"] = "{}"
    result["GenerateStringKey"] = "password"
    result["PasswordLength"] = length
    if flags.get("ExcludePunctuation"):
        excluded = "".join(c for c in excluded if c not in string.punctuation)
    if excluded:
        result["ExcludeCharacters"] = "".join(dict.fromkeys(excluded))
    result.update(flags)
    result["RequireEachIncludedType"] = True
    return result


def _limit(template: Template, resource: str) -> Limit:
    resource_type = template.get(("Resources", resource, "Type"))
    if resource_type != "AWS::RDS::DBInstance":
        return TYPE_LIMITS.get(str(resource_type), Limit())
    engines = _possible_values(template, template.get(("Resources", resource, "Properties", "Engine")))
    limits = [_engine_limit(e) for e in engines] if engines else [RDS_UNKNOWN_ENGINE]
    return Limit(max(x.low for x in limits), min(x.high for x in limits))


def _engine_limit(engine: str) -> Limit:
    for prefix, limit in RDS_INSTANCE_ENGINES:
        if engine.lower().startswith(prefix):
            return limit
    return RDS_UNKNOWN_ENGINE


def _possible_values(template: Template, value: Any) -> list[str]:
    """A literal, or what a Ref'd parameter may hold (its AllowedValues, else its Default)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and set(value) == {"Ref"}:
        parameter = template.parameters.get(str(value["Ref"]))
        if isinstance(parameter, dict):
            allowed = parameter.get("AllowedValues")
            if isinstance(allowed, list) and all(isinstance(a, str) for a in allowed):
                return list(allowed)
            if isinstance(parameter.get("Default"), str):
                return [parameter["Default"]]
    return []


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


_CLASS_PATTERN = re.compile(r"^\^?(\[(?:\\.|[^\]\\])+\])(\*|\+|\{(\d+),(\d+)\})\$?$")


def _pattern_limits(pattern: str) -> tuple[set[str], tuple[int, int] | None]:
    """Printable characters a one-class pattern (``^[...]*$``) refuses, and its ``{m,n}`` bounds."""
    match = _CLASS_PATTERN.match(pattern)
    if match is None:
        return set(), None
    try:
        klass = re.compile(match.group(1))
    except re.error:
        return set(), None
    forbidden = {chr(c) for c in range(33, 127) if not klass.fullmatch(chr(c))}
    bounds = (int(match.group(3)), int(match.group(4))) if match.group(3) else None
    return forbidden, bounds


def _username(template: Template, candidate: _Candidate) -> Any:
    """The user the password belongs to: a literal, a Fn::Sub of a parameter, or None."""
    for use in candidate.feeds:
        key = _password_key(use.prop)
        if key is None:
            continue
        parent = template.get(("Resources", str(use.resource), "Properties", *use.prop[:-1]))
        if not isinstance(parent, dict):
            continue
        for user_key in PASSWORD_KEYS[key]:
            value = _unless_novalue(parent.get(user_key))
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict) and set(value) == {"Ref"}:
                target = template.parameters.get(str(value["Ref"]))
                if isinstance(target, dict) and target.get("Type", "String") == "String":
                    return sub(json.dumps({"username": "${" + str(value["Ref"]) + "}"}))
    return None


def _unless_novalue(value: Any) -> Any:
    """The one real branch of ``!If [C, X, !Ref AWS::NoValue]`` (either order), else ``value``."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        arg = value["Fn::If"]
        if isinstance(arg, list) and len(arg) == 3:
            branches = [b for b in arg[1:] if b != {"Ref": "AWS::NoValue"}]
            if len(branches) == 1:
                return branches[0]
    return value


# --- names and the interface metadata -----------------------------------------------------------
def _logical_ids(template: Template) -> set[str]:
    taken: set[str] = set()
    for section in ("Parameters", "Resources", "Outputs", "Conditions", "Mappings"):
        taken.update(template.section(section))
    return taken


def _free_id(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    taken.add(name)
    return name


def _plan_deletions(template: Template, names: list[str]) -> dict[str, list[Path]]:
    """Delete edits per parameter: the parameter and its interface entries, emptied containers folded.

    All fixable parameters are planned together so that a container every one of them empties
    (a parameter group, ParameterLabels, the Parameters section) goes as a whole; that deletion
    belongs to the first parameter with an entry in it.
    """
    leaves: dict[Path, str] = {}
    for name in names:
        leaves[("Parameters", name)] = name
        groups = template.get((*INTERFACE, "ParameterGroups"))
        if isinstance(groups, list):
            for i, group in enumerate(groups):
                listed = group.get("Parameters") if isinstance(group, dict) else None
                if isinstance(listed, list):
                    for j, item in enumerate(listed):
                        if item == name:
                            item_path: Path = (*INTERFACE, "ParameterGroups", i, "Parameters", j)
                            leaves[item_path] = name
        labels = template.get((*INTERFACE, "ParameterLabels"))
        if isinstance(labels, dict) and name in labels:
            label_path: Path = (*INTERFACE, "ParameterLabels", name)
            leaves[label_path] = name

    def gone(path: Path) -> bool:
        if path in leaves:
            return True
        value = template.get(path)
        if len(path) == 4 and path[:3] == (*INTERFACE, "ParameterGroups") and isinstance(value, dict):
            return gone((*path, "Parameters"))  # a group without parameters goes
        if isinstance(value, dict) and value:
            return all(gone((*path, k)) for k in value)
        if isinstance(value, list) and value:
            return all(gone((*path, i)) for i in range(len(value)))
        return False

    def top(path: Path) -> Path:
        best = path
        for n in range(len(path) - 1, 0, -1):
            if gone(path[:n]):
                best = path[:n]
        return best

    plan: dict[str, list[Path]] = {}
    placed: set[Path] = set()
    for leaf in sorted(leaves, key=lambda p: names.index(leaves[p])):
        path = top(leaf)
        if path not in placed:
            placed.add(path)
            plan.setdefault(leaves[leaf], []).append(path)
    return plan
