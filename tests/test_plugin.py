"""A third-party fixer pack, built and installed with cfnfix into a fresh virtual environment.

cfnfix is installed from this checkout as a user installs it (``pip install``, no editable
mode) and the plugin from a package made here; then ``cfnfix rules`` lists the plugin's
fixer, ``cfnfix fix`` applies it, and the plugin's own tests run ``cfnfix.testing``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

FIXER = '''\
"""ACME001 bucket-versioning: an S3 bucket without versioning gets it."""

from typing import ClassVar, Literal

from cfnfix.config import SettingsModel
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, InsertKey, SetValue


class Settings(SettingsModel):
    status: Literal["Enabled", "Suspended"] = "Enabled"


class BucketVersioning(Fixer):
    """## What it does
    Gives an S3 bucket with no `VersioningConfiguration` one.

    ## Why is this bad?
    Objects overwritten or deleted by mistake cannot be recovered.

    ## Example
    `Properties: {}` becomes `Properties: {VersioningConfiguration: {Status: Enabled}}`.

    ## Fix safety
    Unsafe: versioning keeps old object versions, which are billed.
    """

    code: ClassVar[str] = "ACME001"
    name: ClassVar[str] = "bucket-versioning"
    summary: ClassVar[str] = "S3 bucket without versioning"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE
    settings_model = Settings
    help_uri: ClassVar[str] = "https://acme.example/cfnfix/ACME001"

    def find(self, template, options):
        status = self.settings(options, Settings).status
        for name, bucket in template.resources_of_type("AWS::S3::Bucket"):
            properties = bucket.get("Properties")
            value = {"Status": status}
            if isinstance(properties, dict):
                if "VersioningConfiguration" in properties:
                    continue
                edit = InsertKey(path=("Resources", name, "Properties"), key="VersioningConfiguration", value=value)
            elif properties is None and "Properties" not in bucket:
                edit = InsertKey(path=("Resources", name), key="Properties", value={"VersioningConfiguration": value})
            else:
                continue
            yield self.finding(("Resources", name), f"Bucket `{name}` has no versioning", [edit])
'''
INPUT = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Logs:  # audit logs\n    Type: AWS::S3::Bucket\n" \
        "    Properties:\n      ObjectLockEnabled: false\n"
EXPECTED = INPUT + "      VersioningConfiguration:\n        Status: Enabled\n"


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False, timeout=900)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("plugin")
    plugin = base / "acme-cfnfix"
    (plugin / "acme_cfnfix").mkdir(parents=True)
    (plugin / "acme_cfnfix" / "__init__.py").write_text("")
    (plugin / "acme_cfnfix" / "bucket_versioning.py").write_text(FIXER)
    (plugin / "pyproject.toml").write_text(textwrap.dedent("""\
        [build-system]
        requires = ["setuptools>=77"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "acme-cfnfix"
        version = "1.0.0"
        dependencies = ["cfnfix"]

        [project.entry-points."cfnfix.fixers"]
        ACME001 = "acme_cfnfix.bucket_versioning:BucketVersioning"
        """))
    case = plugin / "tests" / "golden" / "ACME001" / "versioning_added"
    case.mkdir(parents=True)
    (case / "input.yaml").write_text(INPUT)
    (case / "expected.yaml").write_text(EXPECTED)
    (plugin / "tests" / "test_golden.py").write_text(textwrap.dedent("""\
        import pytest

        from cfnfix.testing import check_golden_case, golden_cases

        CASES = golden_cases("tests/golden")


        def test_there_are_cases():
            assert CASES


        @pytest.mark.parametrize("case", CASES, ids=str)
        def test_golden(case):
            check_golden_case(case)
        """))
    env = base / "venv"
    assert _run(sys.executable, "-m", "venv", env).returncode == 0
    pip = env / "bin" / "pip"
    installed = _run(pip, "install", "--quiet", str(ROOT), str(plugin), "pytest")
    assert installed.returncode == 0, installed.stderr
    return env


def test_the_plugin_is_listed_applied_and_tested(venv: Path, tmp_path: Path) -> None:
    cfnfix = venv / "bin" / "cfnfix"
    rules = _run(cfnfix, "rules")
    assert rules.returncode == 0, rules.stderr
    assert any(line.startswith("ACME001  bucket-versioning") for line in rules.stdout.splitlines()), rules.stdout
    assert "CFX002" in rules.stdout
    template = tmp_path / "t.yaml"
    template.write_text(INPUT)
    assert "ACME001 [unsafe] Bucket `Logs` has no versioning" in _run(cfnfix, "check", template).stdout
    assert _run(cfnfix, "fix", "--apply", "--unsafe-fixes", template).returncode == 0
    assert template.read_text() == EXPECTED
    (tmp_path / ".cfnfix.toml").write_text("[fixers.ACME001]\nstatus = 'Suspended'\n")
    template.write_text(INPUT)
    assert _run(cfnfix, "fix", "--apply", "--unsafe-fixes", template).returncode == 0
    assert "Status: Suspended" in template.read_text()
    template.write_text(INPUT)
    sarif = json.loads(_run(cfnfix, "check", "--format", "sarif", template).stdout)
    rules = {rule["id"]: rule for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["ACME001"]["helpUri"] == "https://acme.example/cfnfix/ACME001"
    assert "## Fix safety" in rules["ACME001"]["help"]["markdown"]
    plugin = next(venv.parent.glob("acme-cfnfix"))
    tested = _run(venv / "bin" / "python", "-m", "pytest", "-q", "tests", cwd=plugin)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "2 passed" in tested.stdout
    broken = plugin / "tests" / "golden" / "ACME001" / "versioning_added" / "expected.yaml"
    broken.write_text(EXPECTED.replace("Enabled", "Suspended"))
    failed = _run(venv / "bin" / "python", "-m", "pytest", "-q", "tests", cwd=plugin)
    assert failed.returncode == 1 and "the output differs from expected.yaml" in failed.stdout


def test_the_built_in_fixers_install_under_a_name_of_their_own(venv: Path, tmp_path: Path) -> None:
    python = venv / "bin" / "python"
    assert _run(python, "-c", "import cfnfix_fixers.export_name", cwd=tmp_path).returncode == 0
    imported = _run(python, "-c", "import fixers", cwd=tmp_path)
    assert imported.returncode == 1, "a generic top-level 'fixers' package was installed"
