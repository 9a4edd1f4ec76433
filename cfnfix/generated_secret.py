"""Secrets Manager secrets that fixes generate in place of a value the template cannot give.

What every fixer that creates a secret shares: the services' password rules (lengths and
refused characters) and a ``GenerateSecretString`` kept within them; the dynamic reference
that reads the secret; the secret resource itself, placed after the resource it serves,
existing when its users do, and kept when the database it serves is kept; the
``SecretTargetAttachment`` that writes a database's connection details into its secret; a
parameter's uses and the removal of a password parameter with its interface metadata; and
the template's ``{{resolve:secretsmanager:...}}`` references and the secrets it creates by name.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from cfnfix import unused
from cfnfix.fixer import LogicalIds, new_resource, ref
from cfnfix.models import InsertKey, Path
from cfnfix.sub_text import names_of
from cfnfix.template import Reference, Template, intrinsic_function, sub_variables

SECRET_TYPE = "AWS::SecretsManager::Secret"
ATTACHMENT_TYPE = "AWS::SecretsManager::SecretTargetAttachment"
DEFAULT_LENGTH = 32
#: characters never generated: RDS refuses ``"``, ``@`` and ``/``; a backslash breaks the JSON of scripts
BASE_EXCLUDED = '"@/\\'
#: ElastiCache AUTH tokens and user passwords take letters, digits and ``!&#$^<>-`` only
ELASTICACHE_EXCLUDED = "".join(c for c in string.punctuation if c not in "!&#$^<>-")

#: parameters whose name says they hold a secret value
SECRET_NAME = re.compile(r"pass(word|wd)?|pwd|secret|token", re.IGNORECASE)


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
    "AWS::DocDBElastic::Cluster": Limit(8, 100),
    "AWS::Redshift::Cluster": Limit(8, 64, "'"),
    "AWS::RedshiftServerless::Namespace": Limit(8, 64, "'"),
    "AWS::ElastiCache::ReplicationGroup": Limit(16, 128, ELASTICACHE_EXCLUDED),
    "AWS::ElastiCache::User": Limit(16, 128, ELASTICACHE_EXCLUDED),
    "AWS::DirectoryService::MicrosoftAD": Limit(8, 64),
    "AWS::DirectoryService::SimpleAD": Limit(8, 64),
    "AWS::AmazonMQ::Broker": Limit(12, 250, ",:="),
}

#: properties that set the password of the resource they belong to, when it is created: whatever
#: the template gives is the password ("*" stands for a list index), with the sibling that names its user
PASSWORD_PROPERTIES: dict[str, tuple[tuple[tuple[str, ...], str | None], ...]] = {
    "AWS::RDS::DBInstance": ((("MasterUserPassword",), "MasterUsername"),),
    "AWS::RDS::DBCluster": ((("MasterUserPassword",), "MasterUsername"),),
    "AWS::DocDB::DBCluster": ((("MasterUserPassword",), "MasterUsername"),),
    "AWS::DocDBElastic::Cluster": ((("AdminUserPassword",), "AdminUserName"),),
    "AWS::Redshift::Cluster": ((("MasterUserPassword",), "MasterUsername"),),
    "AWS::RedshiftServerless::Namespace": ((("AdminUserPassword",), "AdminUsername"),),
    "AWS::ElastiCache::ReplicationGroup": ((("AuthToken",), None),),
    "AWS::ElastiCache::User": ((("Passwords", "*"), None),),
    "AWS::DirectoryService::MicrosoftAD": ((("Password",), None),),
    "AWS::DirectoryService::SimpleAD": ((("Password",), None),),
    "AWS::AmazonMQ::Broker": ((("Users", "*", "Password"), "Username"),),
    "AWS::IAM::User": ((("LoginProfile", "Password"), None),),
    "AWS::OpenSearchService::Domain": (
        (("AdvancedSecurityOptions", "MasterUserOptions", "MasterUserPassword"), "MasterUserName"),),
    "AWS::Elasticsearch::Domain": (
        (("AdvancedSecurityOptions", "MasterUserOptions", "MasterUserPassword"), "MasterUserName"),),
}

# Resources a SecretTargetAttachment can point at; it writes these keys of the secret's JSON.
ATTACHABLE = (
    "AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::DocDB::DBCluster", "AWS::Redshift::Cluster",
)
ATTACHMENT_KEYS = frozenset({"host", "port", "engine", "dbInstanceIdentifier", "dbClusterIdentifier"})

# A master user name each service accepts (RDS PostgreSQL and DocumentDB reserve `admin`).
USERNAMES_BY_ENGINE: tuple[tuple[str, str], ...] = (
    ("aurora-postgresql", "postgres"),
    ("postgres", "postgres"),
    ("aurora", "admin"),
    ("mysql", "admin"),
    ("mariadb", "admin"),
    ("oracle", "admin"),
    ("custom-oracle", "admin"),
    ("sqlserver", "admin"),
    ("custom-sqlserver", "admin"),
    ("db2", "admin"),
)
USERNAMES_BY_TYPE: dict[str, str] = {
    "AWS::DocDB::DBCluster": "docdbadmin",
    "AWS::DocDBElastic::Cluster": "docdbadmin",
    "AWS::Redshift::Cluster": "awsuser",
    "AWS::RedshiftServerless::Namespace": "admin",
    "AWS::AmazonMQ::Broker": "admin",
    "AWS::OpenSearchService::Domain": "admin",
    "AWS::Elasticsearch::Domain": "admin",
}
DEFAULT_USERNAME = "dbadmin"  # no engine's reserved word, within every engine's length

_DELETION = "DeletionPolicy"
_REPLACE = "UpdateReplacePolicy"
# how much each policy keeps, to choose between the policies of several resources
_KEEPS = {"Delete": 0, "RetainExceptOnCreate": 1, "Retain": 2}
INTERFACE: Path = ("Metadata", "AWS::CloudFormation::Interface")
_SECTION_NAMES = {
    "Outputs": "an Output",
    "Conditions": "a Condition",
    "Rules": "a Rule",
    "Metadata": "the template Metadata",
    "Parameters": "a Parameter",
    "Mappings": "a Mapping",
}


# --- passwords ----------------------------------------------------------------------------------
def looks_secret(name: str, parameter: Any) -> bool:
    """Whether a parameter holds a secret value: ``NoEcho``, or named like a password, secret or token."""
    no_echo = isinstance(parameter, dict) and _truthy(parameter.get("NoEcho"))
    return no_echo or bool(SECRET_NAME.search(name))


def possible_values(template: Template, value: Any) -> list[str]:
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


def password_limit(template: Template, resource: str) -> Limit:
    """The password rules of the service behind ``resource`` (an RDS instance's by its engine)."""
    resource_type = template.get(("Resources", resource, "Type"))
    if resource_type != "AWS::RDS::DBInstance":
        return TYPE_LIMITS.get(str(resource_type), Limit())
    engines = possible_values(template, template.get(("Resources", resource, "Properties", "Engine")))
    limits = [_engine_limit(e) for e in engines] if engines else [RDS_UNKNOWN_ENGINE]
    return Limit(max(x.low for x in limits), min(x.high for x in limits))


def _engine_limit(engine: str) -> Limit:
    for prefix, limit in RDS_INSTANCE_ENGINES:
        if engine.lower().startswith(prefix):
            return limit
    return RDS_UNKNOWN_ENGINE


def combined_limit(limits: Iterable[Limit]) -> Limit:
    """What satisfies every one of ``limits``: the tightest bounds, every refused character."""
    low, high, excluded = 1, 4096, ""
    for limit in limits:
        low, high, excluded = max(low, limit.low), min(high, limit.high), excluded + limit.excluded
    return Limit(low, high, excluded)


def parameter_limit(parameter: Any) -> Limit:
    """A String parameter's ``MinLength`` and ``MaxLength`` as a limit."""
    if not isinstance(parameter, dict):
        return Limit()
    return Limit(_int(parameter.get("MinLength"), 1), _int(parameter.get("MaxLength"), 4096))


def default_username(template: Template, resource: str) -> str:
    """A master user name the service behind ``resource`` accepts (for every engine it may run)."""
    resource_type = str(template.get(("Resources", resource, "Type")))
    if resource_type in USERNAMES_BY_TYPE:
        return USERNAMES_BY_TYPE[resource_type]
    if resource_type not in ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
        return DEFAULT_USERNAME
    engines = possible_values(template, template.get(("Resources", resource, "Properties", "Engine")))
    names = {_engine_username(engine) for engine in engines}
    return names.pop() if len(names) == 1 else DEFAULT_USERNAME


def _engine_username(engine: str) -> str:
    for prefix, name in USERNAMES_BY_ENGINE:
        if engine.lower().startswith(prefix):
            return name
    return DEFAULT_USERNAME


def generate_secret_string(
    limit: Limit,
    *,
    length: int = DEFAULT_LENGTH,
    exclude: str = BASE_EXCLUDED,
    allowed_pattern: Any = None,
    secret_string_template: Any = None,
    key: str | None = "password",
) -> dict[str, Any]:
    """A ``GenerateSecretString`` whose value ``limit`` allows: ``length`` kept within its bounds,
    ``exclude`` and the characters it refuses excluded, and, when ``allowed_pattern`` is one
    character class (``^[...]*$``), every printable character outside it. With a ``key`` the
    secret is JSON (``secret_string_template``, default ``{}``, plus the generated ``key``);
    without one it is the generated string itself."""
    low, high = limit.low, limit.high
    excluded = exclude + limit.excluded
    flags: dict[str, bool] = {}
    if isinstance(allowed_pattern, str):
        forbidden, bounds = _pattern_limits(allowed_pattern)
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
    result: dict[str, Any] = {}
    if key is not None:
        result["SecretStringTemplate"] = "{}" if secret_string_template is None else secret_string_template
        result["GenerateStringKey"] = key
    result["PasswordLength"] = min(max(length, low), high)
    if flags.get("ExcludePunctuation"):
        excluded = "".join(c for c in excluded if c not in string.punctuation)
    if excluded:
        result["ExcludeCharacters"] = "".join(dict.fromkeys(excluded))
    result.update(flags)
    result["RequireEachIncludedType"] = True
    return result


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


def dynamic_reference(secret_id: str, key: str | None = "password") -> str:
    """The ``Fn::Sub`` text that reads the secret ``secret_id`` (a JSON key of it, or all of it)."""
    if key is None:
        return "{{resolve:secretsmanager:${" + secret_id + "}}}"
    return "{{resolve:secretsmanager:${" + secret_id + "}:SecretString:" + key + "}}"


# --- the resources ------------------------------------------------------------------------------
def retention(template: Template, resources: Iterable[str]) -> dict[str, Any]:
    """The ``DeletionPolicy`` and ``UpdateReplacePolicy`` of a secret that holds the password of
    ``resources``: theirs (the most keeping one when they differ), ``Snapshot`` written as
    ``Retain`` (a secret cannot be snapshotted), so that a kept database keeps its password.
    A lone policy that keeps anything gets its pair (cfn-lint W3011)."""
    found: dict[str, list[Any]] = {_DELETION: [], _REPLACE: []}
    for name in dict.fromkeys(resources):
        resource = template.resources.get(name)
        if not isinstance(resource, dict):
            continue
        for attribute in (_DELETION, _REPLACE):
            if attribute in resource:
                value = _secret_policy(resource[attribute], attribute)
                if value is not None:
                    found[attribute].append(value)
    chosen = {attribute: _most_keeping(values) for attribute, values in found.items() if values}
    if len(chosen) == 1:
        (have, value), = chosen.items()
        other = _REPLACE if have == _DELETION else _DELETION
        paired = _secret_policy(value, other)
        if paired is not None and paired != "Delete":
            chosen[other] = paired
    return {attribute: chosen[attribute] for attribute in (_DELETION, _REPLACE) if attribute in chosen}


def _secret_policy(value: Any, attribute: str) -> Any:
    """``value`` of a database's policy as a secret's ``attribute``; None when it is not valid there."""
    if isinstance(value, str):
        if value == "Snapshot" or (value == "RetainExceptOnCreate" and attribute == _REPLACE):
            return "Retain"
        return value if value in _KEEPS else None
    if intrinsic_function(value) == "Fn::If":
        arg = value["Fn::If"]
        if isinstance(arg, list) and len(arg) == 3:
            branches = [_secret_policy(branch, attribute) for branch in arg[1:]]
            if None not in branches:
                return {"Fn::If": [arg[0], *branches]}
        return None
    return "Retain"  # a value computed at deploy time may keep the database: keep its password too


def _most_keeping(values: list[Any]) -> Any:
    if all(value == values[0] for value in values):
        return values[0]
    return max(values, key=lambda value: _KEEPS.get(value, 2) if isinstance(value, str) else 2)


def secret_resource(
    template: Template,
    logical_id: str,
    properties: dict[str, Any],
    *,
    serves: str,
    users: Sequence[str] = (),
    retained_with: Iterable[str] = (),
) -> InsertKey:
    """The edit that adds a secret after the resource it ``serves``, with the retention of the
    resources whose password it holds (``retained_with``). With ``users`` (the resources that
    will read it), it exists exactly when they all do: their shared ``Condition``, or none."""
    edit = new_resource(template, logical_id, SECRET_TYPE, properties, serves=serves,
                        attributes=retention(template, retained_with))
    if not users:
        return edit
    conditions = [template.get(("Resources", user, "Condition")) for user in users]
    condition = conditions[0] if all(c == conditions[0] for c in conditions) else None
    value = {"Type": SECRET_TYPE}
    if isinstance(condition, str):
        value["Condition"] = condition
    value.update((k, v) for k, v in edit.value.items() if k not in ("Type", "Condition"))
    return edit.model_copy(update={"value": value})


def attachment_resource(template: Template, ids: LogicalIds, secret_id: str, target: str) -> InsertKey:
    """The ``SecretTargetAttachment`` that writes the database ``target``'s connection details
    (host, port, engine, identifier) into the secret ``secret_id``."""
    return new_resource(template, ids.new(f"{secret_id}Attachment"), ATTACHMENT_TYPE, {
        "SecretId": ref(secret_id),
        "TargetId": ref(target),
        "TargetType": template.resources[target]["Type"],
    }, serves=target)


def attached_secrets(template: Template) -> frozenset[str]:
    """The secrets of the template that a ``SecretTargetAttachment`` already points at (by Ref)."""
    found = set()
    for _name, attachment in template.resources_of_type(ATTACHMENT_TYPE):
        properties = attachment.get("Properties")
        secret = properties.get("SecretId") if isinstance(properties, dict) else None
        if isinstance(secret, dict) and isinstance(secret.get("Ref"), str):
            found.add(secret["Ref"])
    return frozenset(found)


# --- users of a password -------------------------------------------------------------------------
def username_value(template: Template, resource: str, password_path: Sequence[str | int]) -> Any:
    """The user whose password is at ``password_path`` (below Properties): a literal name, a Ref to
    a String parameter, or None when the template does not say."""
    for pattern, user_key in PASSWORD_PROPERTIES.get(str(template.get(("Resources", resource, "Type"))), ()):
        if user_key is not None and _matches(pattern, tuple(password_path)):
            parent = template.get(("Resources", resource, "Properties", *password_path[:-1]))
            if isinstance(parent, dict):
                return plain_user(template, parent.get(user_key))
    return None


def plain_user(template: Template, value: Any) -> Any:
    """A user name property's value when it is a literal or a Ref to a String parameter (either
    branch of ``!If [C, X, !Ref AWS::NoValue]``), else None."""
    value = unless_novalue(value)
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict) and set(value) == {"Ref"}:
        target = template.parameters.get(str(value["Ref"]))
        if isinstance(target, dict) and target.get("Type", "String") == "String":
            return value
    return None


def username_template(user: Any, extra: dict[str, Any] | None = None) -> Any:
    """A ``SecretStringTemplate`` holding ``username`` (a literal, or a Ref as ``Fn::Sub``) and ``extra``."""
    if isinstance(user, dict) and set(user) == {"Ref"}:
        body = {"username": "${" + str(user["Ref"]) + "}", **(extra or {})}
        return {"Fn::Sub": json.dumps(body)}
    if isinstance(user, str):
        return json.dumps({"username": user, **(extra or {})})
    return json.dumps(extra) if extra else None


def password_property(template: Template, resource: str, prop: Sequence[str | int]) -> tuple[str | int, ...] | None:
    """``prop`` (a property path below Properties, intrinsic functions left out) when it sets the
    password of ``resource`` at creation (:data:`PASSWORD_PROPERTIES`), else None."""
    resource_type = str(template.get(("Resources", resource, "Type")))
    for pattern, _user in PASSWORD_PROPERTIES.get(resource_type, ()):
        if _matches(pattern, tuple(prop)):
            return tuple(prop)
    return None


def user_property(template: Template, resource: str, prop: Sequence[str | int]) -> bool:
    """Whether ``prop`` names the user of a password property of ``resource``."""
    resource_type = str(template.get(("Resources", resource, "Type")))
    for pattern, user_key in PASSWORD_PROPERTIES.get(resource_type, ()):
        if user_key is not None and _matches((*pattern[:-1], user_key), tuple(prop)):
            return True
    return False


def _matches(pattern: tuple[str, ...], prop: tuple[str | int, ...]) -> bool:
    return len(pattern) == len(prop) and all(
        (p == "*" and isinstance(q, int)) or p == q for p, q in zip(pattern, prop, strict=True))


def unless_novalue(value: Any) -> Any:
    """The one real branch of ``!If [C, X, !Ref AWS::NoValue]`` (either order), else ``value``."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        arg = value["Fn::If"]
        if isinstance(arg, list) and len(arg) == 3:
            branches = [b for b in arg[1:] if b != {"Ref": "AWS::NoValue"}]
            if len(branches) == 1:
                return branches[0]
    return value


# --- a parameter's uses and its removal ---------------------------------------------------------
@dataclass
class ParameterUse:
    """One place that reads a parameter: a Ref, or a ``${P}`` in a Fn::Sub string."""

    path: Path  # the Ref mapping, or the Fn::Sub string
    kind: str  # "Ref" or "Sub"
    resource: str | None  # logical id when inside a resource's Properties
    prop: tuple[str | int, ...] = ()  # the property path below Properties, intrinsics removed
    blocked: str | None = None  # why a dynamic reference cannot go here


def parameter_uses(template: Template, name: str) -> list[ParameterUse]:
    """Every Ref and ``${name}`` of the parameter, each with the property it feeds or why a
    dynamic reference cannot replace it there (an Output, a Condition, Metadata, a Fn::FindInMap
    key, the ``SecretString`` of a secret)."""
    return [_use(template, r) for r in template.references_to(name) if r.kind in ("Ref", "Sub")]


def _use(template: Template, reference: Reference) -> ParameterUse:
    path = reference.path
    if reference.kind == "Sub":
        arg = template.get((*path, "Fn::Sub"))
        path = (*path, "Fn::Sub") if isinstance(arg, str) else (*path, "Fn::Sub", 0)
    section = path[0]
    if section != "Resources":
        where = _SECTION_NAMES.get(str(section), f"the {section} section")
        if len(path) > 1 and section in ("Outputs", "Conditions", "Rules", "Parameters", "Mappings"):
            where += f" ({path[1]})"
        return ParameterUse(path, reference.kind, None, blocked=where)
    if len(path) < 3 or path[2] != "Properties":
        part = path[2] if len(path) > 2 else "definition"
        return ParameterUse(path, reference.kind, None, blocked=f"the {part} of resource {path[1]}")
    resource = str(path[1])
    if "Fn::FindInMap" in path:
        return ParameterUse(path, reference.kind, resource, blocked=f"a Fn::FindInMap key in resource {resource}")
    prop = property_path(path[3:])
    resource_type = template.get(("Resources", resource, "Type"))
    if resource_type == SECRET_TYPE and prop[:1] == ("SecretString",):
        return ParameterUse(path, reference.kind, resource, prop, blocked=f"the SecretString of secret {resource}")
    return ParameterUse(path, reference.kind, resource, prop)


def property_path(parts: Path) -> tuple[str | int, ...]:
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


def replace_variable(text: str, name: str, replacement: str) -> str:
    """A Fn::Sub string with every ``${name}`` (spaces allowed inside) replaced by ``replacement``."""
    pattern = re.compile(r"\$\{\s*" + re.escape(name) + r"\s*\}")
    return pattern.sub(lambda _m: replacement, text)


def parameter_removals(template: Template, names: Sequence[str]) -> dict[str, list[Path]]:
    """The deletions that remove the parameters ``names`` with their interface metadata, per parameter.

    All of them are planned together, so that a node they empty together (a parameter group,
    the labels, the Parameters section) goes as a whole; that deletion belongs to the first
    parameter (in ``names`` order) with an entry in it.
    """
    leaves: dict[str, list[Path]] = {name: _leaves(template, name) for name in names}
    plan: dict[str, list[Path]] = {name: [] for name in names}
    for path in unused.parameter_removal(template, set(names)):
        owner = next((n for n in names if any(leaf[: len(path)] == path for leaf in leaves[n])), names[0])
        plan[owner].append(path)
    return plan


def _leaves(template: Template, name: str) -> list[Path]:
    found: list[Path] = [("Parameters", name)]
    groups = template.get((*INTERFACE, "ParameterGroups"))
    for i, group in enumerate(groups if isinstance(groups, list) else []):
        listed = group.get("Parameters") if isinstance(group, dict) else None
        for j, item in enumerate(listed if isinstance(listed, list) else []):
            if item == name:
                found.append((*INTERFACE, "ParameterGroups", i, "Parameters", j))
    labels = template.get((*INTERFACE, "ParameterLabels"))
    if isinstance(labels, dict) and name in labels:
        found.append((*INTERFACE, "ParameterLabels", name))
    return found


# --- dynamic references to Secrets Manager -------------------------------------------------------
_REFERENCE = re.compile(r"\{\{resolve:secretsmanager:((?:\$\{[^}]*\}|[^}$]|\$(?!\{))*)\}\}")
_MARKER = "resolve:secretsmanager:"
# the field that ends the secret id: ``:SecretString``, then ``:key:stage:version`` or nothing
_SECRET_STRING = re.compile(r":SecretString(?=:|$)")


@dataclass(frozen=True)
class SecretReference:
    """One ``{{resolve:secretsmanager:...}}`` in a string of a resource's properties."""

    path: Path  # the string: a plain value, or the text of a Fn::Sub
    text: str
    in_sub: bool  # the string is a Fn::Sub text, where ``${...}`` are variables
    start: int  # the secret id's span in ``text``
    end: int
    secret_id: str
    json_key: str | None  # None: the whole SecretString
    version: str  # the version stage and id, ":"-joined ('' when absent)
    local_variables: frozenset[str] = frozenset()  # the Sub's own variables (its map's keys)

    @property
    def resource(self) -> str:
        return str(self.path[1])

    @property
    def prop(self) -> tuple[str | int, ...]:
        """The property path (below Properties) the reference sits in, intrinsic functions left out."""
        return property_path(self.path[3:])

    @property
    def variables(self) -> list[str]:
        """The Sub variables the secret id holds (none outside a Fn::Sub)."""
        return sub_variables(self.secret_id) if self.in_sub else []


def secret_references(template: Template) -> list[SecretReference]:
    """Every Secrets Manager dynamic reference in the template's resource properties, in order
    (found once per template version)."""
    return template.memo("generated-secret:references", lambda: list(_find_references(template)))


def _find_references(template: Template) -> Iterator[SecretReference]:
    if template.text and _MARKER not in template.text:
        return
    for path, value in template.walk():
        if not isinstance(value, str) or _MARKER not in value:
            continue
        if len(path) < 4 or path[0] != "Resources" or path[2] != "Properties":
            continue
        in_sub = path[-1] == "Fn::Sub" or path[-2:] == ("Fn::Sub", 0)
        local: frozenset[str] = frozenset()
        if path[-2:] == ("Fn::Sub", 0):
            variables = template.get((*path[:-1], 1))
            local = frozenset(variables) if isinstance(variables, dict) else frozenset()
        for match in _REFERENCE.finditer(value):
            body = match.group(1)
            secret_id, key, version = body, None, ""
            cut = _SECRET_STRING.search(body)
            if cut is not None:
                secret_id = body[: cut.start()]
                parts = body[cut.end() + 1:].split(":") if cut.end() < len(body) else []
                key = parts[0] if parts and parts[0] else None
                version = ":".join(p for p in parts[1:] if p)
            yield SecretReference(path, value, in_sub, match.start(1), match.start(1) + len(secret_id),
                                  secret_id, key, version, local)


def secret_named(template: Template, secret_id: str, in_sub: bool) -> str | None:
    """The logical id of the secret this template creates whose ``Name`` is ``secret_id`` (Fn::Sub
    text when ``in_sub``, else a literal), or None."""

    def build() -> dict[str, str]:
        found: dict[str, str] = {}
        for logical_id, name in names_of(template, SECRET_TYPE, "Name"):
            if name is not None and name != "${" + logical_id + "}":
                found.setdefault(name, logical_id)
        return found

    names = template.memo("generated-secret:names", build)
    return names.get(secret_id if in_sub else secret_id.replace("${", "${!")) if names else None


def secrets_read_by_name(template: Template, text: str, in_sub: bool) -> list[str]:
    """The secrets of this template that ``text`` (a Fn::Sub text when ``in_sub``) reads through a
    dynamic reference by their ``Name`` rather than by ``${Secret}``."""
    if _MARKER not in text:
        return []
    found = []
    for match in _REFERENCE.finditer(text):
        body = match.group(1)
        cut = _SECRET_STRING.search(body)
        secret = secret_named(template, body[: cut.start()] if cut else body, in_sub)
        if secret is not None:
            found.append(secret)
    return list(dict.fromkeys(found))


def reaches(template: Template, start: str, goals: set[str]) -> bool:
    """Whether the resource ``start`` depends, directly or not, on one of ``goals`` (or is one)."""
    return start in goals or not goals.isdisjoint(template.depends_on(start))


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
