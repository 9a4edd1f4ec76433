"""CFX213 secret-string-interpolation: a secret whose SecretString embeds a password parameter or its database's
attributes generates its password instead, and a SecretTargetAttachment writes the connection details."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cfnfix import generated_secret as gs
from cfnfix.fixer import Fixer, LogicalIds, sub
from cfnfix.models import Applicability, Delete, Edit, Finding, InsertKey, Options, Path, RenameKey, SetValue
from cfnfix.sub_text import sub_text
from cfnfix.template import Template, intrinsic_function

# a JSON key that holds a password
PASSWORD_KEY = re.compile(r"(pass(word|wd)?|pwd)$", re.IGNORECASE)
_VARIABLE = re.compile(r"\$\{\s*([^!}\s][^}]*?)\s*\}")
# stand-ins for Sub variables while the SecretString is read as JSON (private-use characters)
_OPEN, _CLOSE = "\ue000", "\ue001"
_TOKEN = re.compile(_OPEN + r"(\d+)" + _CLOSE)


class _NoFix(Exception):
    """Why the secret cannot generate its value."""


@dataclass
class _Secret:
    """What one secret's SecretString interpolates, and the fix when there is one."""

    name: str
    parameters: list[str] = field(default_factory=list)  # secret-looking parameters it embeds
    cycles: list[str] = field(default_factory=list)  # resources it embeds that read the secret
    password_parameter: str | None = None  # the parameter the fix replaces (removed with its metadata)
    edits: list[Edit] = field(default_factory=list)
    note: str = ""
    reason: str | None = None


class SecretStringInterpolation(Fixer):
    """## What it does
    Finds an `AWS::SecretsManager::Secret` whose `SecretString` interpolates (through
    `!Sub`, `!Join`, `!Ref` or `!GetAtt`) a parameter that holds a secret (`NoEcho`, or
    named like a password, secret or token), or an attribute of a resource that itself
    reads the secret (the database whose endpoint the secret records, while the
    database takes its password from the secret: a circular dependency). The fix
    replaces `SecretString` with `GenerateSecretString`:

    - the JSON key that held the password parameter (or, in a cycle, the key named like
      a password) becomes the `GenerateStringKey`, generated within the limits of every
      service that takes the password and of the parameter's `MinLength`, `MaxLength`
      and `AllowedPattern`, as CFX001 does;
    - the keys the database's `SecretTargetAttachment` writes (`host`, `port`, `engine`,
      `dbInstanceIdentifier`, `dbClusterIdentifier`) are dropped when they read the
      database: the attachment, added when the secret has none, fills them once the
      database exists, so the secret no longer depends on it;
    - every other key stays, in the `SecretStringTemplate` (a `!Sub` when it still reads
      a parameter, such as `"username": "${DBUsername}"`);
    - every other use of the password parameter becomes
      `{{resolve:secretsmanager:${Secret}:SecretString:<key>}}` (a database's
      `MasterUserPassword: !Ref DBPassword` included), and the parameter is removed with
      its `AWS::CloudFormation::Interface` entries, as CFX001 removes one; a password
      written in the `SecretString` itself is replaced the same way where a resource
      repeats it.

    A database (RDS instance or cluster, DocumentDB or Redshift cluster) whose password
    comes from the secret or the parameter gets the attachment.

    No fix is offered when the value must come from outside: when nothing in the
    template sets a password with it (an API key of a third-party service, the password
    of an existing account in a directory), a generated value would simply be wrong:
    keep the value out of the template by creating the secret without `SecretString`
    and storing it with `aws secretsmanager put-secret-value`. Nor when the
    `SecretString` is not a JSON object of known text, embeds two secret parameters,
    or keeps a key that reads a resource reading the secret under a name the attachment
    does not write (`"endpoint": "${Db.Endpoint.Address}"`); nor when the parameter is
    also read where a dynamic reference cannot go (an Output, a Condition, another
    secret's `SecretString`).

    ## Why is this bad?
    A password in a parameter has no safe default, so every deployment needs a person
    or a pipeline secret to type it (`Parameters: [DBPassword] must have values`), and
    the value sits in the stack's parameters and the deploy scripts. A secret that
    records its database's endpoint while the database reads the secret's password is
    a cycle: CloudFormation rejects the template (`Circular dependency between
    resources`). Both come from writing the whole credential JSON by hand, which is
    what `GenerateSecretString` and `SecretTargetAttachment` do for you.

    ## Example
    ```yaml
    Parameters:
      DBUsername:
        Type: String
        Default: admin
      DBPassword:
        Type: String
        NoEcho: true
    Resources:
      DBSecret:
        Type: AWS::SecretsManager::Secret
        Properties:
          SecretString: !Sub |
            {"username": "${DBUsername}", "password": "${DBPassword}",
             "host": "${Database.Endpoint.Address}", "port": 3306}
      Database:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: mysql
          MasterUsername: !Ref DBUsername
          MasterUserPassword: !Ref DBPassword
    ```

    Use instead:
    ```yaml
    Parameters:
      DBUsername:
        Type: String
        Default: admin
    Resources:
      DBSecret:
        Type: AWS::SecretsManager::Secret
        Properties:
          GenerateSecretString:
            SecretStringTemplate: !Sub '{"username": "${DBUsername}", "port": 3306}'
            GenerateStringKey: password
            PasswordLength: 32
            ExcludeCharacters: '"@/\\'
            RequireEachIncludedType: true
      DBSecretAttachment:
        Type: AWS::SecretsManager::SecretTargetAttachment
        Properties:
          SecretId: !Ref DBSecret
          TargetId: !Ref Database
          TargetType: AWS::RDS::DBInstance
      Database:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: mysql
          MasterUsername: !Ref DBUsername
          MasterUserPassword: !Sub '{{resolve:secretsmanager:${DBSecret}:SecretString:password}}'
    ```

    ## Fix safety
    The fix is unsafe: it removes a parameter, so deploy scripts that pass it fail
    (`Parameters: [DBPassword] do not exist in the template`), and it changes the
    password: on an existing stack the next update stores a new generated value in the
    secret and sets it as the database's master password, and clients that held the
    old one lose access. The secret's JSON changes shape only where the attachment
    writes it: `host`, `port` and `engine` are the database's real values, written once
    it exists (and `port` becomes a number).

    ## References
    - [AWS::SecretsManager::Secret GenerateSecretString](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-secretsmanager-secret-generatesecretstring.html)
    - [AWS::SecretsManager::SecretTargetAttachment](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secrettargetattachment.html)
    - [JSON structure of database credential secrets](https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html)
    - [Security best practices: do not embed credentials](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security-best-practices.html#creds)
    """

    code: ClassVar[str] = "CFX213"
    name: ClassVar[str] = "secret-string-interpolation"
    summary: ClassVar[str] = "Secret whose SecretString embeds a password parameter or reads its own database"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        found = []
        for name, secret in template.resources_of_type(gs.SECRET_TYPE):
            properties = secret.get("Properties")
            if isinstance(properties, dict) and "SecretString" in properties:
                analysed = _analyse(template, name, properties)
                if analysed is not None:
                    found.append(analysed)
        if not found:
            return
        ids = LogicalIds(template)
        for analysed in found:
            if analysed.reason is None:
                try:
                    _plan_fix(template, analysed, ids)
                except _NoFix as reason:
                    analysed.reason = str(reason)
        removed = [a.password_parameter for a in found if a.reason is None and a.password_parameter]
        removals = gs.parameter_removals(template, removed) if removed else {}
        for analysed in found:
            yield self._finding(analysed, removals)

    def _finding(self, analysed: _Secret, removals: dict[str, list[Path]]) -> Finding:
        name = analysed.name
        path: Path = ("Resources", name, "Properties", "SecretString")
        parts = []
        if analysed.parameters:
            shown = ", ".join(f"`{p}`" for p in analysed.parameters)
            parts.append(f"the parameter {shown}, so the secret value passes through the stack's parameters")
        if analysed.cycles:
            shown = ", ".join(f"`{r}`" for r in analysed.cycles)
            parts.append(f"{shown}, which reads the secret: a circular dependency")
        message = f"Secret `{name}` builds its `SecretString` from " + "; and from ".join(parts)
        if analysed.reason is not None:
            return self.finding(path, message, no_fix_reason=analysed.reason)
        edits = list(analysed.edits)
        if analysed.password_parameter:
            edits.extend(Delete(path=p) for p in removals.get(analysed.password_parameter, []))
        return self.finding(path, message, edits, note=analysed.note)


# --- detection ----------------------------------------------------------------------------------
def _analyse(template: Template, name: str, properties: dict[str, Any]) -> _Secret | None:
    """What the SecretString interpolates; None when it holds no secret parameter and makes no cycle."""
    parameters: list[str] = []
    resources: list[str] = []
    for target in _interpolated(template, ("Resources", name, "Properties", "SecretString")):
        root = target.split(".", 1)[0]
        if root in template.parameters and gs.looks_secret(root, template.parameters[root]):
            parameters.append(root)
        elif root in template.resources and root != name:
            resources.append(root)
    cycles = [r for r in dict.fromkeys(resources) if gs.reaches(template, r, {name})]
    parameters = list(dict.fromkeys(parameters))
    if not parameters and not cycles:
        return None
    return _Secret(name, parameters, cycles)


def _interpolated(template: Template, start: Path) -> Iterator[str]:
    """The parameters, resources and attributes (``R.Attr``) a value refers to."""
    for _path, value in template.walk(start):
        function = intrinsic_function(value)
        if function == "Ref" and isinstance(value["Ref"], str):
            yield value["Ref"]
        elif function == "Fn::GetAtt" and isinstance(value["Fn::GetAtt"], list) and value["Fn::GetAtt"]:
            yield ".".join(str(p) for p in value["Fn::GetAtt"][:2])
        elif function == "Fn::Sub":
            arg = value["Fn::Sub"]
            text = arg if isinstance(arg, str) else arg[0] if isinstance(arg, list) and arg else None
            local = arg[1] if isinstance(arg, list) and len(arg) > 1 and isinstance(arg[1], dict) else {}
            if isinstance(text, str):
                yield from (v for v in (m.group(1) for m in _VARIABLE.finditer(text)) if v not in local)


# --- the fix ------------------------------------------------------------------------------------
def _plan_fix(template: Template, analysed: _Secret, ids: LogicalIds) -> None:
    """Fill ``analysed`` with the fix's edits, or raise _NoFix."""
    name = analysed.name
    properties = template.resources[name]["Properties"]
    if "GenerateSecretString" in properties:
        raise _NoFix("the secret also has `GenerateSecretString`; CloudFormation takes only one of the two")
    if len(analysed.parameters) > 1:
        raise _NoFix(f"it embeds several secret parameters ({', '.join(analysed.parameters)}); a secret generates "
                     "one value")
    text = sub_text(properties["SecretString"])
    if text is None:
        raise _NoFix("its `SecretString` is built with functions whose text cannot be known")
    parameter = analysed.parameters[0] if analysed.parameters else None
    whole = parameter is not None and _VARIABLE.fullmatch(text.strip()) is not None
    found = None if whole else _split(text, parameter)
    key = found.key if found else None
    literal = found.literal if found else None
    if parameter is not None:
        definition = template.parameters[parameter]
        if not isinstance(definition, dict):
            raise _NoFix(f"`{parameter}` is not a parameter definition (a mapping)")
        declared = definition.get("Type", "String")
        if declared != "String":
            raise _NoFix(f"`{parameter}` has type {declared}, not String; a generated secret cannot replace it")

    uses = [u for u in gs.parameter_uses(template, parameter) if u.resource != name] if parameter else []
    repeats = _literal_repeats(template, literal) if literal is not None else []
    setters = [str(u.resource) for u in uses
               if u.blocked is None and gs.password_property(template, str(u.resource), u.prop)]
    setters += [r for r, _path in repeats]
    setters += [r.resource for r in gs.secret_references(template)
                if r.in_sub and r.secret_id.strip() in ("${" + name + "}",) and r.json_key == key
                and gs.password_property(template, r.resource, r.prop)]
    setters = list(dict.fromkeys(setters))
    if not setters:
        what = f"`{parameter}`" if parameter else "the password"
        raise _NoFix(
            f"nothing in the template sets a password with {what}: it is a value from outside the stack (an API key "
            "of another service, the password of an existing account), which a generated value would not replace; "
            "keep it out of the template by creating the secret without `SecretString` and storing the value with "
            "`aws secretsmanager put-secret-value`")
    blocked = sorted({u.blocked for u in uses if u.blocked is not None})
    if blocked:
        raise _NoFix(f"`{parameter}` is also read in {', '.join(blocked)}, where a dynamic reference is not allowed")
    own = gs.parameter_uses(template, parameter) if parameter else []
    inside = [u for u in own if u.resource == name and u.prop[:1] != ("SecretString",)]
    if inside:
        raise _NoFix(f"`{parameter}` is also read elsewhere in the secret `{name}` itself")

    condition = template.get(("Resources", name, "Condition"))
    if condition is not None:
        future = {str(u.resource) for u in uses} | {r for r, _path in repeats}
        unshared = sorted(r for r in future if template.get(("Resources", r, "Condition")) != condition)
        if unshared:
            raise _NoFix(f"the secret exists only under the condition `{condition}`, which `{unshared[0]}` (that "
                         "would read it) does not share")
    readers = {r for r, deps in template.dependencies().items() if name in deps}
    readers |= {str(u.resource) for u in uses} | {r for r, _path in repeats}
    database = next((r for r in setters if template.get(("Resources", r, "Type")) in gs.ATTACHABLE), None)
    kept = _without_cycles(template, found, readers | {name}, database) if found else {}
    limit = gs.combined_limit([*(gs.password_limit(template, r) for r in setters),
                               gs.parameter_limit(template.parameters.get(parameter) if parameter else None)])
    definition = template.parameters.get(parameter) if parameter else None
    allowed = definition.get("AllowedPattern") if isinstance(definition, dict) else None
    generate = gs.generate_secret_string(
        limit, allowed_pattern=allowed, key=key,
        secret_string_template=_template_text(kept, found.variables) if found and kept else None)

    edits = _replace_secret_string(name, properties, generate)
    dynamic = gs.dynamic_reference(name, key)
    seen: set[Path] = set()
    for use in uses:
        if use.path not in seen:
            seen.add(use.path)
            if use.kind == "Ref":
                edits.append(SetValue(path=use.path, value=sub(dynamic)))
            else:
                text = gs.replace_variable(template.get(use.path), str(parameter), dynamic)
                edits.append(SetValue(path=use.path, value=text))
    edits.extend(SetValue(path=path, value=sub(dynamic)) for _resource, path in repeats)
    edits.extend(_retention(template, name, setters))
    # a SecretTargetAttachment writes JSON keys: a secret that is one plain string gets none
    attached = database is not None and key is not None and name not in gs.attached_secrets(template)
    if database is not None and attached:
        edits.append(gs.attachment_resource(template, ids, name, database))
    analysed.edits = edits
    analysed.password_parameter = parameter
    notes = [f"`{name}` now generates its {f'`{key}`' if key else 'value'}"]
    if any(isinstance(e, InsertKey) and e.key == "DeletionPolicy" for e in edits):
        notes.append(f"it is kept as {', '.join(f'`{s}`' for s in setters)} is")
    if parameter:
        notes.append(f"the parameter `{parameter}` is removed, its uses read the secret")
    if attached:
        notes.append(f"a SecretTargetAttachment writes the connection details of `{database}`")
    analysed.note = "; ".join(notes)


def _retention(template: Template, name: str, setters: list[str]) -> list[Edit]:
    """The policies of the resources whose password the secret now generates, for a secret with none of
    its own: a database kept after the stack keeps the only copy of its password."""
    secret = template.resources[name]
    if "DeletionPolicy" in secret or "UpdateReplacePolicy" in secret:
        return []
    anchor = "Condition" if "Condition" in secret else "Type"
    return [InsertKey(path=("Resources", name), key=attribute, value=value, after=anchor)
            for attribute, value in gs.retention(template, setters).items()]


def _replace_secret_string(name: str, properties: dict[str, Any], generate: dict[str, Any]) -> list[Edit]:
    """The edits that put ``GenerateSecretString`` where ``SecretString`` was."""
    path: Path = ("Resources", name, "Properties")
    keys = list(properties)
    if keys == ["SecretString"]:
        return [SetValue(path=path, value={"GenerateSecretString": generate})]
    # the key renamed and its value set in place: a delete and an insert beside it may overlap in JSON text
    return [SetValue(path=(*path, "SecretString"), value=generate),
            RenameKey(path=(*path, "SecretString"), new_key="GenerateSecretString")]


def _tokenize(text: str) -> tuple[str, list[tuple[str, bool]]]:
    """JSON text with each Sub variable replaced by a token, and each token's (variable, outside a string)."""
    out: list[str] = []
    variables: list[tuple[str, bool]] = []
    in_string = escaped = False
    position = 0
    while position < len(text):
        char = text[position]
        match = _VARIABLE.match(text, position) if char == "$" else None
        if match is not None:
            token = f"{_OPEN}{len(variables)}{_CLOSE}"
            variables.append((match.group(1), not in_string))
            out.append(token if in_string else f'"{token}"')
            position = match.end()
            continue
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        out.append(char)
        position += 1
    return "".join(out), variables


@dataclass
class _Json:
    """The SecretString read as a JSON object: the generated key, the other keys (variables as tokens)."""

    key: str
    kept: dict[str, Any]
    variables: list[tuple[str, bool]]  # each token's variable, and whether it stood outside a JSON string
    literal: str | None  # the password, when the SecretString writes it as text

    def targets(self, value: Any) -> set[str]:
        """The parameters and resources the variables in ``value`` name."""
        text = json.dumps(value, ensure_ascii=False)
        return {self.variables[int(m.group(1))][0].split(".", 1)[0] for m in _TOKEN.finditer(text)}


def _split(text: str, parameter: str | None) -> _Json:
    """The SecretString's JSON: which key holds the password, and the other keys."""
    tokenized, variables = _tokenize(text)
    try:
        data = json.loads(tokenized)
    except ValueError:
        raise _NoFix("its `SecretString` is not JSON, so the key that holds the password cannot be told") from None
    if not isinstance(data, dict):
        raise _NoFix("its `SecretString` is not a JSON object")
    names = {f"{_OPEN}{i}{_CLOSE}": variable for i, (variable, _raw) in enumerate(variables)}
    password_keys = []
    literal = None
    for json_key, value in data.items():
        if parameter is not None and isinstance(value, str) and names.get(value) == parameter:
            password_keys.append(json_key)
        elif (parameter is None and PASSWORD_KEY.search(json_key) and isinstance(value, str)
              and not _TOKEN.search(value)):
            password_keys.append(json_key)
            literal = value
    if len(password_keys) != 1:
        what = f"`${{{parameter}}}` alone" if parameter else "a password written as text"
        raise _NoFix(f"no single key of its JSON holds {what}, so the key to generate cannot be told")
    (key,) = password_keys
    found = _Json(key, {k: v for k, v in data.items() if k != key}, variables, literal)
    if parameter is not None and parameter in found.targets(found.kept):
        raise _NoFix(f"`{parameter}` is also part of another key of its JSON")
    return found


def _without_cycles(template: Template, found: _Json, readers: set[str], database: str | None) -> dict[str, Any]:
    """The keys to keep: all but those the attachment writes from ``database``; raises when another key
    reads a resource that (after the fix) reads the secret."""
    result = {}
    for json_key, value in found.kept.items():
        targets = found.targets(value)
        looping = sorted(r for r in targets if r in template.resources and gs.reaches(template, r, readers))
        if not looping:
            result[json_key] = value
        elif looping != [database] or json_key not in gs.ATTACHMENT_KEYS:
            raise _NoFix(f"its key `{json_key}` reads `{looping[0]}`, which reads the secret; the attachment does not "
                         "write that key, so the circular dependency would stay")
    return result


def _template_text(kept: dict[str, Any], variables: list[tuple[str, bool]]) -> Any:
    """The SecretStringTemplate of the kept keys: JSON text, a Fn::Sub when it still reads variables."""
    text = json.dumps(kept, ensure_ascii=False)
    for index, (variable, raw) in enumerate(variables):
        token = f"{_OPEN}{index}{_CLOSE}"
        if raw:
            text = text.replace(f'"{token}"', "${" + variable + "}")
        text = text.replace(token, "${" + variable + "}")
    if _VARIABLE.search(text):
        return {"Fn::Sub": text}
    return text.replace("${!", "${")


def _literal_repeats(template: Template, literal: str) -> list[tuple[str, Path]]:
    """The password properties whose value is the literal password."""
    found = []
    for resource_type, patterns in gs.PASSWORD_PROPERTIES.items():
        for name, resource in template.resources_of_type(resource_type):
            properties = resource.get("Properties")
            if not isinstance(properties, dict):
                continue
            for pattern, _user in patterns:
                for prop_path, value in _at(properties, pattern, ()):
                    if value == literal:
                        found.append((name, ("Resources", name, "Properties", *prop_path)))
    return found


def _at(
    value: Any, pattern: tuple[str, ...], prefix: tuple[str | int, ...],
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if not pattern:
        yield prefix, value
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*" and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _at(item, rest, (*prefix, index))
    elif isinstance(value, dict) and head in value:
        yield from _at(value[head], rest, (*prefix, head))
