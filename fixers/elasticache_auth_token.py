"""CFX202 elasticache-auth-token: a Redis or Valkey replication group with TLS and no AUTH token gets one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from cfnfix import generated_secret as gs
from cfnfix.fixer import Fixer, LogicalIds, sub
from cfnfix.models import Applicability, Finding, InsertKey, Options, Path
from cfnfix.template import Template

GROUP_TYPE = "AWS::ElastiCache::ReplicationGroup"
# engines whose replication groups take an AUTH token (a replication group runs no other engine)
AUTH_ENGINES = ("redis", "valkey")
# properties that make a group authenticate otherwise: role-based access control, or a global
# datastore whose primary group holds the token
OTHER_AUTHENTICATION = ("UserGroupIds", "GlobalReplicationGroupId")


class ElastiCacheAuthToken(Fixer):
    """## What it does
    Finds an `AWS::ElastiCache::ReplicationGroup` running Redis OSS or Valkey with
    `TransitEncryptionEnabled: true` and no `AuthToken`, and gives it one: a new
    `AWS::SecretsManager::Secret` generates the token, and the group reads it with
    `AuthToken: !Sub '{{resolve:secretsmanager:${Secret}}}'`.

    The secret (named `<Group>AuthTokenSecret`, or the next free logical id) is inserted
    after the group, with its `Condition`, and kept when the group is: it gets the
    group's `DeletionPolicy` and `UpdateReplacePolicy`, `Snapshot` written as `Retain`
    (a secret cannot be snapshotted). The token is 32 characters (ElastiCache takes 16 to
    128) of letters, digits and `!&#$^<>-`, the only other characters ElastiCache allows
    in a token (no `@`, `"`, `/` or space).

    A group that authenticates otherwise is left alone: one with `UserGroupIds`
    (role-based access control, which replaces the token) and one that joins a global
    datastore (`GlobalReplicationGroupId`: the primary group holds the token). A group
    whose `TransitEncryptionEnabled` is not a literal true (a `!Ref`, an `!If`) is not
    reported, nor one whose `Engine` is a literal other than `redis` or `valkey`.

    ## Why is this bad?
    Encryption in transit protects the traffic, not the door: without an AUTH token (or
    RBAC users), any client that can reach the port through the security group can read,
    overwrite or flush every key. A token is only possible when transit encryption is on,
    so a group that has TLS and no token has skipped the one step left; generated
    templates often write `TransitEncryptionEnabled: true` and stop there.

    ## Example
    ```yaml
    Resources:
      Cache:
        Type: AWS::ElastiCache::ReplicationGroup
        Properties:
          ReplicationGroupDescription: Sessions
          Engine: redis
          CacheNodeType: cache.t3.micro
          NumCacheClusters: 2
          TransitEncryptionEnabled: true
    ```

    Use instead:
    ```yaml
    Resources:
      Cache:
        Type: AWS::ElastiCache::ReplicationGroup
        Properties:
          ReplicationGroupDescription: Sessions
          Engine: redis
          CacheNodeType: cache.t3.micro
          NumCacheClusters: 2
          TransitEncryptionEnabled: true
          AuthToken: !Sub '{{resolve:secretsmanager:${CacheAuthTokenSecret}}}'
      CacheAuthTokenSecret:
        Type: AWS::SecretsManager::Secret
        Properties:
          Description: AUTH token of the replication group Cache
          GenerateSecretString:
            PasswordLength: 32
            ExcludeCharacters: '"@/\\%''()*+,.:;=?[]_`{|}~'
            RequireEachIncludedType: true
    ```

    ## Fix safety
    The fix is unsafe: it changes how clients connect. Once the group has a token, a
    client must send it (`AUTH`, or the password of its Redis client library) or its
    commands are refused; applications must read the secret (grant them
    `secretsmanager:GetSecretValue` on it) before the change reaches them. On an
    existing stack the update sets the token on the running group, which ElastiCache
    applies as a token rotation; no data is lost, but clients without the token stop
    working.

    ## References
    - [Authenticating with the Valkey and Redis OSS AUTH command](https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html)
    - [AWS::ElastiCache::ReplicationGroup AuthToken](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticache-replicationgroup.html#cfn-elasticache-replicationgroup-authtoken)
    - [Secrets Manager dynamic references](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html)
    """

    code: ClassVar[str] = "CFX202"
    name: ClassVar[str] = "elasticache-auth-token"
    summary: ClassVar[str] = "Redis or Valkey replication group encrypted in transit without an AUTH token"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        groups = list(template.resources_of_type(GROUP_TYPE))
        if not groups:
            return
        ids = LogicalIds(template)
        for name, group in groups:
            properties = group.get("Properties")
            if isinstance(properties, dict) and _lacks_token(properties):
                yield self._finding(template, ids, name, properties)

    def _finding(self, template: Template, ids: LogicalIds, name: str, properties: dict[str, Any]) -> Finding:
        path: Path = ("Resources", name, "Properties", "TransitEncryptionEnabled")
        message = (
            f"Replication group `{name}` encrypts in transit but has no `AuthToken`: any client that "
            "reaches it can run every command"
        )
        secret_id = ids.new(f"{name}AuthTokenSecret")
        secret = gs.secret_resource(template, secret_id, {
            "Description": f"AUTH token of the replication group {name}",
            "GenerateSecretString": gs.generate_secret_string(gs.password_limit(template, name), key=None),
        }, serves=name, retained_with=[name])
        token = InsertKey(path=("Resources", name, "Properties"), key="AuthToken",
                          value=sub(gs.dynamic_reference(secret_id, None)), after="TransitEncryptionEnabled")
        note = (
            f"the token is generated in the secret {secret_id}; clients must send it (AUTH) and need "
            "secretsmanager:GetSecretValue on the secret to read it"
        )
        return self.finding(path, message, [token, secret], note=note)


def _lacks_token(properties: dict[str, Any]) -> bool:
    transit = properties.get("TransitEncryptionEnabled")
    if transit is not True and not (isinstance(transit, str) and transit.lower() == "true"):
        return False
    if "AuthToken" in properties or any(key in properties for key in OTHER_AUTHENTICATION):
        return False
    engine = properties.get("Engine", "redis")
    return not isinstance(engine, str) or engine.lower() in AUTH_ENGINES
