"""Unit tests of CFX202 elasticache-auth-token: which replication groups are reported, and the token's secret."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from cfnfix.models import Finding, InsertKey, Options
from cfnfix.template import Template, to_data
from cfnfix_fixers.elasticache_auth_token import ElastiCacheAuthToken

GROUP = """
Resources:
  Cache:
    Type: AWS::ElastiCache::ReplicationGroup
    Properties:
      ReplicationGroupDescription: cache
      CacheNodeType: cache.t3.micro
      NumCacheClusters: 1
"""


def find(extra: str) -> list[Finding]:
    text = GROUP + textwrap.indent(textwrap.dedent(extra), " " * 6)
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    return list(ElastiCacheAuthToken().find(Template(to_data(node), node, "yaml", "t.yaml"), Options()))


@pytest.mark.parametrize("extra", [
    "TransitEncryptionEnabled: true\n",
    "TransitEncryptionEnabled: 'True'\nEngine: Valkey\n",
    "TransitEncryptionEnabled: true\nEngine: !Ref CacheEngine\n",  # a replication group runs Redis or Valkey
])
def test_reported(extra: str) -> None:
    (finding,) = find(extra)
    assert finding.path == ("Resources", "Cache", "Properties", "TransitEncryptionEnabled")
    assert finding.fix is not None
    token, secret = finding.fix.edits
    assert isinstance(token, InsertKey) and token.key == "AuthToken" and token.after == "TransitEncryptionEnabled"
    assert token.value == {"Fn::Sub": "{{resolve:secretsmanager:${CacheAuthTokenSecret}}}"}
    assert isinstance(secret, InsertKey) and secret.key == "CacheAuthTokenSecret"
    generated = secret.value["Properties"]["GenerateSecretString"]
    assert generated["PasswordLength"] == 32 and "GenerateStringKey" not in generated


@pytest.mark.parametrize("extra", [
    "TransitEncryptionEnabled: false\n",
    "TransitEncryptionEnabled: !Ref Tls\n",
    "AuthToken: '{{resolve:secretsmanager:token}}'\nTransitEncryptionEnabled: true\n",
    "TransitEncryptionEnabled: true\nUserGroupIds: [!Ref Users]\n",  # RBAC replaces the token
    "TransitEncryptionEnabled: true\nGlobalReplicationGroupId: global-cache\n",  # the primary holds it
    "TransitEncryptionEnabled: true\nEngine: memcached\n",
])
def test_not_reported(extra: str) -> None:
    assert find(extra) == []
