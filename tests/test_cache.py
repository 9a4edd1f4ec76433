"""The cache: a hit gives exactly what a miss gives; a changed byte or option misses; a broken
entry is ignored and written again; nothing is cached outside a project unless asked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import CORPUS, GOLDEN, run_cli

TREE = CORPUS if CORPUS.is_dir() else GOLDEN


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(TREE, project / "templates")
    for path in project.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    (project / ".git").mkdir()  # a project root, as a checkout has
    return project


def _entries(project: Path) -> list[Path]:
    return sorted((project / ".cfnfix_cache").rglob("*.json"))


def test_a_hit_gives_what_a_miss_gives(tmp_path: Path) -> None:
    project = _project(tmp_path)
    for command in (("check",), ("check", "--format", "json"), ("fix", "--unsafe-fixes")):
        cold = run_cli(*command, "templates", cwd=project)
        entries = _entries(project)
        warm = run_cli(*command, "templates", cwd=project)
        assert entries and _entries(project) == entries, command  # served from the cache, nothing new written
        uncached = run_cli(*command, "--no-cache", "templates", cwd=project)
        assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)
        assert (uncached.returncode, uncached.stdout, uncached.stderr) == (cold.returncode, cold.stdout, cold.stderr)
    assert (project / ".cfnfix_cache" / ".gitignore").read_text().splitlines()[-1] == "*"
    applied = run_cli("fix", "--apply", "--unsafe-fixes", "templates", cwd=project)  # its result came from the cache
    fresh = _project(tmp_path / "fresh")
    direct = run_cli("fix", "--apply", "--unsafe-fixes", "--no-cache", "templates", cwd=fresh)
    assert (applied.returncode, applied.stderr) == (direct.returncode, direct.stderr)
    for path in (project / "templates").rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (fresh / path.relative_to(project)).read_bytes(), path


def test_a_changed_byte_or_option_misses_and_a_broken_entry_is_rewritten(tmp_path: Path) -> None:
    project = _project(tmp_path)
    template = next(p for p in sorted((project / "templates").rglob("*.yaml")) if "Resources" in p.read_text())
    before = run_cli("check", str(template.relative_to(project)), cwd=project)
    (entry,) = _entries(project)
    template.write_text(template.read_text() + "# one more line\n")
    after = run_cli("check", str(template.relative_to(project)), cwd=project)
    assert len(_entries(project)) == 2 and after.returncode == before.returncode
    run_cli("check", "--select", "CFX002", str(template.relative_to(project)), cwd=project)
    assert len(_entries(project)) == 3
    newest = max(_entries(project), key=lambda p: p.stat().st_mtime_ns)
    newest.write_text('{"key": "broken')
    again = run_cli("check", "--select", "CFX002", str(template.relative_to(project)), cwd=project)
    assert again.returncode in (0, 1) and "Traceback" not in again.stderr
    assert json.loads(newest.read_text())["key"] == newest.stem  # written again, whole
    assert entry.exists()


def test_nothing_is_cached_outside_a_project_or_with_no_cache(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("Resources:\n  T:\n    Type: AWS::SNS::Topic\n")
    run_cli("check", "t.yaml", cwd=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.yaml"]
    run_cli("check", "--cache-dir", "here", "t.yaml", cwd=tmp_path)
    assert len(list((tmp_path / "here").rglob("*.json"))) == 1
    (tmp_path / ".git").mkdir()
    run_cli("check", "--no-cache", "t.yaml", cwd=tmp_path)
    assert not (tmp_path / ".cfnfix_cache").exists()


def test_a_file_named_another_way_is_reported_under_that_name(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "t.yaml").write_text("Resources:\n  T:\n    Type: AWS::SNS::Topic\n")
    first = run_cli("check", "t.yaml", cwd=tmp_path)
    second = run_cli("check", "./t.yaml", cwd=tmp_path)
    assert first.stdout.startswith("t.yaml:1:1: CFX005") and second.stdout.startswith("./t.yaml:1:1: CFX005")


def test_the_key_holds_cfnfix_its_fixers_and_cfn_lint(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from importlib.metadata import version

    from cfnfix import cache
    from cfnfix.models import Options

    environment = json.loads(cache._environment())
    assert environment["cfn-lint"] == version("cfn-lint") and environment["cfnfix"] == version("cfnfix")
    assert ["CFX002", "cfnfix_fixers.export_name", "ExportName", f"cfnfix {version('cfnfix')}"] in \
        environment["fixers"]  # a plugin's fixers name their own distribution and version
    store = cache.Cache(Path("unused"))
    key = store.key("t.yaml", b"Resources: {}\n", Options(), False)
    assert environment["schemas"].endswith(json.loads(
        (Path(environment["schemas"].split(" ")[0]) / "version.json").read_text())["schema_date"])
    for changed in ("cfn-lint", "fixers", "schemas"):
        other = dict(environment, **{changed: "another"})
        monkeypatch.setattr(cache, "_environment", lambda other=other: json.dumps(other, sort_keys=True))
        assert store.key("t.yaml", b"Resources: {}\n", Options(), False) != key, changed


def test_runs_at_once_never_corrupt_it(tmp_path: Path) -> None:
    import subprocess
    import sys

    project = _project(tmp_path)
    command = [sys.executable, "-m", "cfnfix", "check", "--jobs", "2", "templates"]
    runs = [subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(3)]
    outputs = set()
    for run in runs:
        stdout, stderr = run.communicate()  # reads before it waits: a run whose output fills the pipe blocks
        outputs.add((run.returncode, stdout, stderr))
    assert len(outputs) == 1  # the same answer whichever run wrote which entry
    for entry in _entries(project):
        assert json.loads(entry.read_text())["key"] == entry.stem, entry
    assert not [p for p in (project / ".cfnfix_cache").rglob("*") if p.is_file() and p.suffix not in (".json", "")
                and p.name != ".gitignore"]  # no temporary file left
    again = run_cli("check", "templates", cwd=project)
    assert (again.returncode, again.stdout, again.stderr) == next(iter(outputs))


def test_the_profile_and_an_opt_in_selection_are_part_of_the_key(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "t.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B:\n"
                                     "    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n"
                                     "    UpdateReplacePolicy: Retain\n")
    plain = run_cli("check", "t.yaml", cwd=tmp_path)
    assert (plain.returncode, plain.stdout) == (0, "")
    profiled = run_cli("check", "--profile", "ci", "t.yaml", cwd=tmp_path)  # not the plain run's entry
    assert profiled.returncode == 1 and "CFX206" in profiled.stdout
    named = run_cli("check", "--select", "CFX207", "t.yaml", cwd=tmp_path)
    assert named.returncode == 1 and "CFX207" in named.stdout
    assert len(list((tmp_path / ".cfnfix_cache").rglob("*.json"))) == 3
    assert run_cli("check", "t.yaml", cwd=tmp_path).stdout == ""  # each served from its own entry
    assert run_cli("check", "--profile", "ci", "t.yaml", cwd=tmp_path).stdout == profiled.stdout
    assert len(list((tmp_path / ".cfnfix_cache").rglob("*.json"))) == 3
