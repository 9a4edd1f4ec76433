"""Configuration files as a team uses them: real trees in temporary directories, the installed CLI.

The closest file above a template wins (``extend`` inherits), the command line overrides
files, ``--config`` and ``--isolated`` replace the search, a bad file is one line and exit 2
with nothing written, and ``cfnfix.options_for`` resolves exactly as the CLI does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cfnfix
from cfnfix.config import ConfigError
from tests.conftest import run_cli

NO_NAME = "Resources:\n  T:\n    Type: AWS::SNS::Topic\nOutputs:\n  O:\n    Value: !Ref T\n    Export:\n"
ROLE = ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      RoleName: fixed-name\n      AssumeRolePolicyDocument: {}\n")
ZONES = ("AWSTemplateFormatVersion: '2010-09-09'\nMappings:\n  Zones:\n    us-east-1:\n"
         "      AZs: [us-east-1a, us-east-1b]\nResources:\n  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n"
         "      VpcId: vpc-1\n      CidrBlock: 10.0.0.0/24\n"
         "      AvailabilityZone: !Select [0, !FindInMap [Zones, !Ref 'AWS::Region', AZs]]\n")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _codes(stdout: str) -> list[tuple[str, str]]:
    """(file, code) of each ``check`` line."""
    return [(line.split(":")[0], line.split(": ")[1].split()[0]) for line in stdout.splitlines()]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A repository: pyproject.toml at the top, a nested .cfnfix.toml extending it, a legacy folder."""
    _write(tmp_path / "pyproject.toml", """\
[project]
name = "infra"

[tool.cfnfix]
ignore = ["CFX005"]
regions = ["us-east-1", "eu-west-1"]
extend-exclude = ["templates/legacy/"]

[tool.cfnfix.per-file-ignores]
"*-dev.yaml" = ["CFX002"]

[tool.cfnfix.fixers.CFX001]
password-length = 40
""")
    _write(tmp_path / "templates" / "app" / ".cfnfix.toml", """\
extend = "../../pyproject.toml"
unsafe-fixes = true
extend-safe-fixes = ["CFX004"]

[fixers.CFX101]
target = "newest"
""")
    for name in ("templates/a.yaml", "templates/a-dev.yaml", "templates/legacy/old.yaml", "templates/app/b.yaml"):
        _write(tmp_path / name, NO_NAME)
    _write(tmp_path / "templates" / "app" / "role.yaml", ROLE)
    return tmp_path


def test_the_closest_file_wins_and_extend_inherits(tree: Path) -> None:
    done = run_cli("check", ".", cwd=tree)
    assert done.returncode == 1, done.stderr
    assert _codes(done.stdout) == [
        ("./templates/a.yaml", "CFX002"),  # CFX005 ignored; a-dev.yaml's CFX002 ignored; legacy/ excluded
        ("./templates/app/b.yaml", "CFX002"),  # the nested file extends the top one: CFX005 ignored here too
        ("./templates/app/role.yaml", "CFX004"),
    ]
    assert "CFX004 [*]" in done.stdout  # extend-safe-fixes made it safe in templates/app only
    assert run_cli("check", "templates/legacy/old.yaml", cwd=tree).returncode == 1  # named: not excluded


def test_the_command_line_overrides_files(tree: Path) -> None:
    done = run_cli("check", "--ignore", "CFX002", "--select", "CFX002,CFX005", ".", cwd=tree)
    assert {code for _file, code in _codes(done.stdout)} == {"CFX005"}
    role = tree / "templates" / "app" / "role.yaml"
    assert run_cli("fix", "--apply", "--no-unsafe-fixes", "--select", "CFX004", str(role), cwd=tree).returncode == 0
    assert "RoleName" not in role.read_text()  # still safe there, so --no-unsafe-fixes does not hold it back


def test_isolated_and_config_replace_the_search(tree: Path) -> None:
    isolated = run_cli("check", "--isolated", "templates/a-dev.yaml", cwd=tree)
    assert {code for _file, code in _codes(isolated.stdout)} == {"CFX002", "CFX005"}
    _write(tree / "other.toml", 'select = ["CFX005"]\n')
    chosen = run_cli("check", "--config", "other.toml", ".", cwd=tree)
    assert {code for _file, code in _codes(chosen.stdout)} == {"CFX005"}
    assert "./templates/legacy/old.yaml" in chosen.stdout  # that file excludes nothing
    missing = run_cli("check", "--config", "nope.toml", ".", cwd=tree)
    assert (missing.returncode, missing.stderr) == (2, "cfnfix: --config: no such file: nope.toml\n")


def test_fixer_settings_reach_the_fixers(tree: Path) -> None:
    text = ("Parameters:\n  DBPassword:\n    Type: String\n    NoEcho: true\nResources:\n  DB:\n"
            "    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: mysql\n      DBInstanceClass: db.t3.micro\n"
            "      AllocatedStorage: '20'\n      MasterUsername: admin\n      MasterUserPassword: !Ref DBPassword\n")
    path = _write(tree / "templates" / "db.yaml", text)
    assert run_cli("fix", "--apply", "--unsafe-fixes", "templates/db.yaml", cwd=tree).returncode == 0
    assert "PasswordLength: 40\n" in path.read_text()


def test_cfnfix_config_shows_the_resolved_settings_and_their_files(tree: Path) -> None:
    done = run_cli("config", "templates/app/b.yaml", cwd=tree)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:3] == ["# settings for templates/app/b.yaml", "# from pyproject.toml [tool.cfnfix]",
                         "# from templates/app/.cfnfix.toml"]
    for line in ('ignore = ["CFX005"]', "unsafe-fixes = true", 'extend-safe-fixes = ["CFX004"]',
                 'regions = ["us-east-1", "eu-west-1"]', "password-length = 40", 'runtime-target = "newest"',
                 'exclude = ["templates/legacy/"]  # relative to .',
                 'per-file-ignores."*-dev.yaml" = ["CFX002"]  # relative to .'):
        assert line in lines, line
    top = run_cli("config", "templates/a.yaml", cwd=tree).stdout
    assert "unsafe-fixes = false" in top and 'runtime-target = "oldest-supported"' in top  # the default
    assert run_cli("config", "--regions", "ap-south-1", ".", cwd=tree).stdout.count('regions = ["ap-south-1"]') == 1


BAD = [
    ("pyproject.toml", "[tool.cfnfix]\nselct = ['CFX002']\n",
     "pyproject.toml: tool.cfnfix.selct: unknown key (did you mean 'select'?)"),
    (".cfnfix.toml", "unsafe-fixes = 'maybe'\n", ".cfnfix.toml: unsafe-fixes: Input should be a valid boolean"),
    (".cfnfix.toml", "select = ['CFX999']\n", ".cfnfix.toml: select: unknown fixer code or name: CFX999"),
    ("cfnfix.toml", "[per-file-ignores]\n'*.json' = ['nope']\n",
     "cfnfix.toml: per-file-ignores.'*.json': unknown fixer code or name: nope"),
    (".cfnfix.toml", "[fixers.CFX-001]\n",
     ".cfnfix.toml: fixers.CFX-001: unknown fixer code (did you mean 'CFX001'?)"),
    (".cfnfix.toml", "[fixers.CFX002]\n", ".cfnfix.toml: fixers.CFX002: CFX002 has no settings"),
    (".cfnfix.toml", "[fixers.CFX001]\npassword-lenght = 30\n",
     ".cfnfix.toml: fixers.CFX001.password-lenght: unknown key (did you mean 'password-length'?)"),
    (".cfnfix.toml", "[fixers.CFX001]\npassword-length = 3\n",
     ".cfnfix.toml: fixers.CFX001.password-length: Input should be greater than or equal to 8"),
    (".cfnfix.toml", "[fixers.CFX101]\nruntime-target = 'latest'\n",
     ".cfnfix.toml: fixers.CFX101.runtime-target: Input should be 'oldest-supported' or 'newest'"),
    (".cfnfix.toml", "[fixers.CFX101]\ntarget = 'latest'\n",
     ".cfnfix.toml: fixers.CFX101.target: Input should be 'oldest-supported' or 'newest'"),
    (".cfnfix.toml", "[fixers.CFX101]\nruntime-target = 'newest'\ntarget = 'newest'\n",
     ".cfnfix.toml: fixers.CFX101.target: unknown key (did you mean 'runtime-target'?)"),
    (".cfnfix.toml", "extend = 'base.toml'\n", ".cfnfix.toml: extend: no such file: base.toml"),
    (".cfnfix.toml", "extend = '.cfnfix.toml'\n", ".cfnfix.toml: extend: .cfnfix.toml is already extended (a loop)"),
    (".cfnfix.toml", "max-size = 'huge'\n", ".cfnfix.toml: max-size: not a size: 'huge'"),
    (".cfnfix.toml", "select = [\n", ".cfnfix.toml: invalid TOML: "),
]


@pytest.mark.parametrize(("name", "text", "error"), BAD, ids=[b[2].split(": ", 1)[1][:40] for b in BAD])
def test_a_bad_configuration_is_one_line_and_exit_2_with_nothing_written(tmp_path: Path, name: str, text: str,
                                                                        error: str) -> None:
    _write(tmp_path / name, text)
    template = _write(tmp_path / "t.yaml", NO_NAME)
    done = run_cli("fix", "--apply", ".", cwd=tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith(error), done.stderr
    assert template.read_text() == NO_NAME
    with pytest.raises(ConfigError):
        cfnfix.options_for(str(template))


def test_a_pyproject_without_a_cfnfix_table_is_passed_over(tmp_path: Path) -> None:
    _write(tmp_path / ".cfnfix.toml", "ignore = ['CFX005']\n")
    _write(tmp_path / "sub" / "pyproject.toml", "[project]\nname = 'x'\n")
    _write(tmp_path / "sub" / "t.yaml", NO_NAME)
    assert {code for _f, code in _codes(run_cli("check", "sub", cwd=tmp_path).stdout)} == {"CFX002"}


def test_regions_come_from_the_command_line_the_files_cfnlintrc_then_the_template(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.yaml", ZONES)
    assert run_cli("check", "t.yaml", cwd=tmp_path).returncode == 0  # us-east-1 is in the map
    with_metadata = ZONES.replace("Mappings:", "Metadata:\n  cfn-lint:\n    config:\n      regions: [eu-north-1]\n"
                                  "Mappings:")
    path.write_text(with_metadata)
    assert "eu-north-1" in run_cli("check", "t.yaml", cwd=tmp_path).stdout
    _write(tmp_path / ".cfnlintrc", "regions: [ap-south-1]\n")
    assert "ap-south-1" in run_cli("check", "t.yaml", cwd=tmp_path).stdout
    _write(tmp_path / ".cfnfix.toml", "regions = ['sa-east-1']\n")
    assert "sa-east-1" in run_cli("check", "t.yaml", cwd=tmp_path).stdout
    assert "eu-west-3" in run_cli("check", "--regions", "eu-west-3", "t.yaml", cwd=tmp_path).stdout


def test_extend_unsafe_fixes_holds_a_safe_fix_back(tmp_path: Path) -> None:
    _write(tmp_path / ".cfnfix.toml", "extend-unsafe-fixes = ['export-name']\n")
    path = _write(tmp_path / "t.yaml", NO_NAME)
    assert "CFX002 [unsafe]" in run_cli("check", "t.yaml", cwd=tmp_path).stdout
    assert run_cli("fix", "--apply", "t.yaml", cwd=tmp_path).returncode == 1
    assert "Name:" not in path.read_text()
    assert run_cli("fix", "--apply", "--unsafe-fixes", "t.yaml", cwd=tmp_path).returncode == 0
    assert "Name:" in path.read_text()


def test_the_library_resolves_as_the_cli_does(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    options = cfnfix.options_for("templates/app/role.yaml")
    assert (options.ignore, options.unsafe_fixes, options.extend_safe_fixes) == (("CFX005",), True, ("CFX004",))
    assert options.fixer_settings == {"CFX001": {"password-length": 40}, "CFX101": {"target": "newest"}}
    assert cfnfix.options_for("templates/a-dev.yaml").ignore == ("CFX005", "CFX002")
    assert cfnfix.options_for("templates/a.yaml", select=("CFX002",)).select == ("CFX002",)
    assert cfnfix.options_for("templates/a.yaml", isolated=True) == cfnfix.Options()
    result = cfnfix.fix(ROLE, "role.yaml", options)
    assert [f.code for f in result.applied] == ["CFX004"]
    assert json.loads(cfnfix.Options().model_dump_json())["regions"] == []


def test_the_readme_example_is_a_valid_configuration(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    example = readme.split("## Configuration", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    _write(tmp_path / "pyproject.toml", example)
    _write(tmp_path / "templates" / "dev-a.yaml", NO_NAME)
    done = run_cli("config", "templates/dev-a.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert 'ignore = ["template-version", "CFX002"]' in done.stdout
    assert "password-length = 40" in done.stdout
