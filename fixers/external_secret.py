"""CFX201 external-secret: a dynamic reference to a secret the stack does not create, or creates but reads by name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from cfnfix import generated_secret as gs
from cfnfix.fixer import Fixer, LogicalIds
from cfnfix.generated_secret import SecretReference
from cfnfix.models import Applicability, Edit, Finding, Options, Path, SetValue
from cfnfix.rename import pascal_case
from cfnfix.template import Template

# JSON keys that hold the user a password belongs to
USER_KEY = re.compile(r"^(user(_?name)?|login)$", re.IGNORECASE)
# a secret id that is one variable: ``${Secret}``, ``${SecretArn}``, ``${Db.MasterUserSecret.SecretArn}``
_ONE_VARIABLE = re.compile(r"\$\{\s*([^!}\s][^}]*?)\s*\}")
_ANY_VARIABLE = re.compile(r"\$\{[^}]*\}")
_ARN_NAME = re.compile(r":secret:(.+)$")
_ARN_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")  # the random suffix Secrets Manager appends to a name in an ARN


@dataclass(frozen=True)
class _Plan:
    """What the generated secret holds: the generated key (None: the whole string) and its template."""

    key: str | None
    secret_string_template: Any
    note: str


class _NoFix(Exception):
    """Why a group of references cannot be given a generated secret."""


class ExternalSecret(Fixer):
    """## What it does
    Finds `{{resolve:secretsmanager:NAME...}}` dynamic references (in a plain string or
    a `Fn::Sub`, in any resource property) whose `NAME` is text: not `${Secret}` (a secret
    the template creates), `${Parameter}` or a variable of the Sub's own map (a secret
    the template is given). Two cases:

    - The template creates a secret with that `Name` (`Name: db-credentials`, or the same
      `!Sub` text): the reference is rewritten to `${Secret}`. A `Ref` to a secret gives
      its ARN, which a dynamic reference accepts, and makes the reader depend on the
      secret. A plain string becomes a `!Sub` (its other `${` escaped as `${!`).
    - The template does not create it: the stack only deploys where someone made the
      secret beforehand, by hand or in another stack. When the template itself sets the
      password that the secret holds (a property that sets a password at creation: an
      RDS, Aurora, DocumentDB or Redshift master password, an ElastiCache `AuthToken`, a
      directory or broker password, an OpenSearch master user, ...), the fix creates the
      secret here with `GenerateSecretString` and points every reference to `NAME` at
      `${Secret}`:
      - references that read a JSON key: the key the password property reads is the
        `GenerateStringKey`; a key another reference reads for the user name (`username`,
        `user`, `login`, or one read by a `MasterUsername`-like property) goes in the
        `SecretStringTemplate`, with the user the template names beside the password
        (`MasterUsername: admin`, or a `!Ref` to a parameter), else a name the engine
        accepts: `postgres` for RDS and Aurora PostgreSQL (which reserve `admin`),
        `admin` for MySQL, MariaDB, Oracle, SQL Server and Db2, `docdbadmin` for
        DocumentDB (which reserves `admin`), `awsuser` for Redshift, `dbadmin` when the
        engine cannot be read; the fix's note says which;
      - references that read the whole `SecretString`: a plain generated string.

      The length and characters are kept within what every service that takes the
      password accepts (the limits CFX001 uses: RDS MySQL 41, ElastiCache 16 to 128
      letters, digits and `!&#$^<>-`, ...). The secret is inserted after the first
      resource whose password it sets, exists when all its readers do (their shared
      `Condition`), gets that resource's `DeletionPolicy` and `UpdateReplacePolicy`
      (`Snapshot` written as `Retain`), and an RDS, DocumentDB or Redshift database gets
      a `SecretTargetAttachment`.

    The new secret has no `Name`: CloudFormation names it after the stack and the logical
    id. Keeping the name would make the stack fail wherever a secret of that name exists
    already (the one made by hand that the template relied on, another stack's, or the
    same stack deployed twice for two environments), the very failure this fixer removes;
    programs find the secret through the stack (`!Ref`, an Output). Its `Description`
    records the name it replaces.

    No fix is offered when the secret may hold something a program cannot choose: a
    value nothing in the template sets as a password (a GitHub token, a third-party API
    key, the password of a database the stack does not create, such as a DMS source or
    a cluster restored from a snapshot); a JSON key other than the password and the
    user name (`host`, `dbname`); a secret read both whole and by key; a version stage
    or id (a new secret has only `AWSCURRENT`); a name built from the Sub's own
    variables. A reference by name to a secret of the template is not rewritten when
    the secret has a `Condition` its reader does not share, or depends on its reader.
    A `${Variable}` in a plain string (a forgotten `!Sub`, which cfn-lint reports as
    E1029) is not read as a name.

    ## Why is this bad?
    A reference to a secret nothing creates is a deploy blocker: wherever the secret does
    not exist (a new account, a CI pipeline, another region) the stack fails with
    `Secrets Manager can't find the specified secret` and rolls back. A reference by name
    to a secret the template creates has no dependency: CloudFormation may create the
    reader first (in parallel with the secret), and the deployment fails the same way,
    or only sometimes.

    ## Example
    ```yaml
    Resources:
      Database:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: postgres
          DBInstanceClass: db.t3.micro
          AllocatedStorage: '20'
          MasterUsername: !Sub '{{resolve:secretsmanager:media-db-credentials-${Env}:SecretString:username}}'
          MasterUserPassword: !Sub '{{resolve:secretsmanager:media-db-credentials-${Env}:SecretString:password}}'
    ```

    Use instead:
    ```yaml
    Resources:
      Database:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: postgres
          DBInstanceClass: db.t3.micro
          AllocatedStorage: '20'
          MasterUsername: !Sub '{{resolve:secretsmanager:${MediaDbCredentialsSecret}:SecretString:username}}'
          MasterUserPassword: !Sub '{{resolve:secretsmanager:${MediaDbCredentialsSecret}:SecretString:password}}'
      MediaDbCredentialsSecret:
        Type: AWS::SecretsManager::Secret
        Properties:
          Description: !Sub 'Generated in place of the secret media-db-credentials-${Env}, which the
            template read by name'
          GenerateSecretString:
            SecretStringTemplate: '{"username": "postgres"}'
            GenerateStringKey: password
            PasswordLength: 32
            ExcludeCharacters: '"@/\\'
            RequireEachIncludedType: true
      MediaDbCredentialsSecretAttachment:
        Type: AWS::SecretsManager::SecretTargetAttachment
        Properties:
          SecretId: !Ref MediaDbCredentialsSecret
          TargetId: !Ref Database
          TargetType: AWS::RDS::DBInstance
    ```

    ## Fix safety
    Both fixes are unsafe. Pointing a reference at `${Secret}` adds a dependency (the
    reader waits for the secret), which is what the template meant; an update replaces
    nothing. Creating the secret changes what is deployed: the stack no longer reads the
    secret that existed outside it, so on an existing stack the next update sets the
    database's (or cache's, directory's) password to a new generated value and clients
    holding the old one lose access; programs that read the old secret by its name no
    longer see the stack's credentials and must read the new secret (its ARN is
    `!Ref Secret`). The user name may change too when the template did not name it.

    ## References
    - [Secrets Manager dynamic references](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html)
    - [AWS::SecretsManager::Secret GenerateSecretString](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-secretsmanager-secret-generatesecretstring.html)
    - [AWS::SecretsManager::SecretTargetAttachment](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secrettargetattachment.html)
    - [RDS master user name constraints](https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.Constraints)
    """

    code: ClassVar[str] = "CFX201"
    name: ClassVar[str] = "external-secret"
    summary: ClassVar[str] = "Dynamic reference to a secret the stack does not create, or creates but reads by name"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        references = gs.secret_references(template)
        if not references:
            return
        by_name: dict[Path, list[tuple[SecretReference, str]]] = {}
        external: dict[tuple[bool, str], list[SecretReference]] = {}
        for reference in references:
            if _given(template, reference) or (not reference.in_sub and "${" in reference.secret_id):
                continue  # given; or a `${Variable}` outside a Sub, a forgotten Sub (cfn-lint E1029)
            created = gs.secret_named(template, reference.secret_id, reference.in_sub)
            if created is not None:
                by_name.setdefault(reference.path, []).append((reference, created))
            else:
                key = (reference.in_sub and "${" in reference.secret_id, reference.secret_id)
                external.setdefault(key, []).append(reference)
        for path, named in by_name.items():
            yield self._by_name(template, path, named)
        ids = LogicalIds(template)
        for group in external.values():
            yield self._external(template, ids, group)

    # --- a secret of the template, read by its name ---------------------------------------
    def _by_name(self, template: Template, path: Path, named: list[tuple[SecretReference, str]]) -> Finding:
        reader = named[0][0].resource
        secrets = list(dict.fromkeys(secret for _reference, secret in named))
        shown = ", ".join(f"`{s}`" for s in secrets)
        message = (
            f"Resource `{reader}` reads the secret {shown} of this template by its name: nothing makes it "
            "wait for the secret, which may not exist yet when it is read"
        )
        reader_condition = template.get(("Resources", reader, "Condition"))
        for secret in secrets:
            condition = template.get(("Resources", secret, "Condition"))
            if condition is not None and condition != reader_condition:
                return self.finding(path, message, no_fix_reason=(
                    f"the secret `{secret}` exists only under the condition `{condition}`, which `{reader}` "
                    "does not share: a reference to it would fail when the condition is false"))
            if gs.reaches(template, secret, {reader}):
                return self.finding(path, message, no_fix_reason=(
                    f"the secret `{secret}` depends on `{reader}`: reading it through `${{{secret}}}` would "
                    "make a circular dependency"))
        edit = _rewrite(path, named)
        note = "reads the secret through `${" + "}`, `${".join(secrets) + "}` (its ARN), which adds the dependency"
        return self.finding(path, message, [edit], note=note)

    # --- a secret the template neither creates nor is given ---------------------------------
    def _external(self, template: Template, ids: LogicalIds, group: list[SecretReference]) -> Finding:
        first = group[0]
        name = first.secret_id
        readers = list(dict.fromkeys(r.resource for r in group))
        message = (
            f"`{{{{resolve:secretsmanager:{name}...}}}}` reads a secret that this template neither creates nor "
            f"takes as a parameter (read by {', '.join(f'`{r}`' for r in readers)}): the stack fails wherever "
            "it does not exist"
        )
        related = [r.path for r in group[1:]]
        choosers = [r for r in group if gs.password_property(template, r.resource, r.prop) is not None]
        try:
            plan = _plan(template, group, choosers)
        except _NoFix as reason:
            return self.finding(first.path, message, no_fix_reason=str(reason), related=related)

        secret_id = ids.new(_secret_base(name))
        setters = list(dict.fromkeys(r.resource for r in choosers if r.json_key == plan.key))
        limit = gs.combined_limit(gs.password_limit(template, resource) for resource in setters)
        properties = {
            "Description": _description(template, first),
            "GenerateSecretString": gs.generate_secret_string(
                limit, key=plan.key, secret_string_template=plan.secret_string_template),
        }
        edits: list[Edit] = [gs.secret_resource(template, secret_id, properties, serves=setters[0], users=readers,
                                                retained_with=setters)]
        target = next((s for s in setters if template.get(("Resources", s, "Type")) in gs.ATTACHABLE), None)
        if target is not None and plan.key is not None:
            edits.append(gs.attachment_resource(template, ids, secret_id, target))
        by_path: dict[Path, list[tuple[SecretReference, str]]] = {}
        for reference in group:
            by_path.setdefault(reference.path, []).append((reference, secret_id))
        edits.extend(_rewrite(path, named) for path, named in by_path.items())
        note = f"the secret is generated by {secret_id}, which has no Name (the former name may exist elsewhere)"
        if plan.note:
            note += f"; {plan.note}"
        return self.finding(first.path, message, edits, note=note, related=related)


def _given(template: Template, reference: SecretReference) -> bool:
    """Whether the secret id is one variable naming what the template creates or is given."""
    if not reference.in_sub:
        return False
    match = _ONE_VARIABLE.fullmatch(reference.secret_id.strip())
    if match is None:
        return False
    variable = match.group(1)
    root = variable.split(".", 1)[0]
    return (variable in reference.local_variables or root in template.parameters
            or root in template.resources)


def _plan(template: Template, group: list[SecretReference], choosers: list[SecretReference]) -> _Plan:
    """What the generated secret must hold for every reference of ``group``, or why nothing can."""
    versioned = next((r for r in group if r.version and r.version != "AWSCURRENT"), None)
    if versioned is not None:
        raise _NoFix(f"`{versioned.resource}` reads the version `{versioned.version}` of the secret, which a new "
                     "secret does not have")
    local = next((r for r in group if set(r.variables) & r.local_variables), None)
    if local is not None:
        raise _NoFix(f"the name is built from variables of the Sub's own map in `{local.resource}`, whose "
                     "values may name a secret made elsewhere")
    if not choosers:
        raise _NoFix(
            "nothing in the template sets the password it holds: it may be a value from outside the stack (a token, "
            "an API key, the password of a database the stack does not create) that a generated secret cannot "
            "replace; create the secret before deploying, or take its name as a parameter")
    whole = [r for r in group if r.json_key is None]
    keyed = [r for r in group if r.json_key is not None]
    if whole and keyed:
        raise _NoFix("the secret is read both whole and by JSON key, which no generated secret satisfies")
    if whole:
        return _Plan(None, None, "")
    keys = {r.json_key for r in choosers}
    if len(keys) != 1:
        raise _NoFix(f"passwords are set from several keys of it ({', '.join(sorted(map(str, keys)))})")
    (password_key,) = keys
    user_keys = set()
    for reference in keyed:
        key = reference.json_key
        if key == password_key:
            continue
        if USER_KEY.match(str(key)) or gs.user_property(template, reference.resource, reference.prop):
            user_keys.add(key)
        else:
            raise _NoFix(f"`{reference.resource}` reads the key `{key}`, which a generated secret cannot hold")
    if len(user_keys) > 1:
        raise _NoFix(f"user names are read from several keys ({', '.join(sorted(map(str, user_keys)))})")
    chooser = choosers[0]
    user = gs.username_value(template, chooser.resource, chooser.prop)
    if isinstance(user, str) and "{{resolve:" in user:
        user = None
    note = ""
    if user is None and user_keys:
        user = gs.default_username(template, chooser.resource)
        note = f"the user name `{user}` is one {_service(template, chooser.resource)} accepts"
    user_key = next(iter(user_keys), "username")
    return _Plan(str(password_key), _user_template(user, str(user_key)), note)


def _user_template(user: Any, key: str) -> Any:
    if user is None:
        return None
    template = gs.username_template(user)
    if key == "username" or template is None:
        return template
    if isinstance(template, dict):
        return {"Fn::Sub": template["Fn::Sub"].replace('"username"', '"' + key + '"', 1)}
    return template.replace('"username"', '"' + key + '"', 1)


def _service(template: Template, resource: str) -> str:
    resource_type = str(template.get(("Resources", resource, "Type")))
    engines = gs.possible_values(template, template.get(("Resources", resource, "Properties", "Engine")))
    if resource_type.startswith("AWS::RDS::") and engines:
        return "the engine " + " or ".join(engines)
    return resource_type


def _rewrite(path: Path, named: list[tuple[SecretReference, str]]) -> SetValue:
    """The string at ``path`` with each reference's secret id replaced by ``${Secret}``."""
    text = named[0][0].text
    in_sub = named[0][0].in_sub
    pieces: list[str] = []
    last = 0
    for reference, secret in sorted(named, key=lambda item: item[0].start):
        between = text[last:reference.start]
        pieces.append(between if in_sub else between.replace("${", "${!"))
        pieces.append("${" + secret + "}")
        last = reference.end
    tail = text[last:]
    pieces.append(tail if in_sub else tail.replace("${", "${!"))
    new_text = "".join(pieces)
    return SetValue(path=path, value=new_text if in_sub else {"Fn::Sub": new_text})


def _secret_base(name: str) -> str:
    """A logical id for the secret that replaces ``name``: its words in PascalCase, ending in Secret."""
    text = _ANY_VARIABLE.sub(" ", name)
    if text.startswith("arn:"):
        match = _ARN_NAME.search(text)
        text = _ARN_SUFFIX.sub("", match.group(1)) if match else ""
    base = pascal_case(text, "")
    if not base or not base[0].isalpha():
        base = "Generated" + base
    return base if base.endswith("Secret") else base + "Secret"


def _description(template: Template, reference: SecretReference) -> Any:
    """The new secret's description, naming the secret it replaces when that name can be written."""
    name = reference.secret_id
    text = f"Generated in place of the secret {name}, which the template read by name"
    if not reference.in_sub:
        return text
    variables = [v.split(".", 1)[0] for v in reference.variables]
    if not variables:
        return text
    if all(v in template.parameters or v.startswith("AWS::") for v in variables):
        return {"Fn::Sub": text}
    return "Generated in place of a secret the template read by name"
