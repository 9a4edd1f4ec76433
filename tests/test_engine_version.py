"""Unit tests of CFX106 engine-version: what ``find`` reports and the edits it proposes."""

from __future__ import annotations

import textwrap

import yaml

from cfnfix.models import Applicability, Finding, Options, SetValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.engine_version import EngineVersion, _engines


def find(text: str) -> list[Finding]:
    node = yaml.compose(textwrap.dedent(text), Loader=yaml.CSafeLoader)
    return list(EngineVersion().find(Template(to_data(node), node, "yaml", "t.yaml"), Options()))


def cluster(engine: str, version: str) -> str:
    return f"""\
    Resources:
      Db:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: {engine}
          EngineVersion: {version}
    """


def test_metadata() -> None:
    fixer = EngineVersion()
    assert (fixer.code, fixer.name, fixer.applicability) == ("CFX106", "engine-version", Applicability.UNSAFE)
    assert set(fixer.cfn_lint_rules) == {"E3690", "E3691", "W3690", "W3691"}


def test_seed_aurora_postgresql_15_4_moves_within_major_15() -> None:
    (finding,) = find(cluster("aurora-postgresql", "'15.4'"))
    assert finding.fix is not None
    (edit,) = finding.fix.edits
    assert isinstance(edit, SetValue) and edit.value.startswith("15.")
    assert edit.value in _engines("aws_rds_dbcluster").usable("aurora-postgresql")


def test_usable_version_is_not_reported() -> None:
    usable = _engines("aws_rds_dbcluster").usable("aurora-postgresql")
    assert find(cluster("aurora-postgresql", f"'{usable[-1]}'")) == []


def test_unknown_engine_without_fix() -> None:
    (finding,) = find(cluster("aurora", "'5.6.10a'"))
    assert finding.path[-1] == "Engine" and finding.fix is None


def test_major_without_usable_version_has_no_fix() -> None:
    (finding,) = find(cluster("postgres", "'9.6.22'"))
    assert finding.fix is None and "major" in (finding.no_fix_reason or "")


def test_parameter_default_feeding_engine_version() -> None:
    findings = find(textwrap.dedent("""\
    Parameters:
      Ver:
        Type: String
        Default: '15.4'
    """) + textwrap.dedent(cluster("aurora-postgresql", "!Ref Ver")))
    (finding,) = findings
    assert finding.path == ("Parameters", "Ver", "Default")
    assert finding.related == (("Resources", "Db", "Properties", "EngineVersion"),)
    assert finding.fix is not None
