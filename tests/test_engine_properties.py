"""Property tests of the editing engine on generated templates of many styles.

- an edit changes only the lines of the node it edits, and the data exactly as it says;
- a file with nothing to fix comes out byte-identical; fixing twice changes nothing;
- the printed diff, applied with ``patch``, gives exactly what ``--apply`` writes.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cfnfix
from cfnfix.edits import apply_edits
from cfnfix.loader import Source, load_template
from cfnfix.models import AppendItem, Delete, Edit, InsertKey, SetValue
from cfnfix.render import detect_style
from cfnfix.splice import SpliceError, splice
from tests.conftest import run_cli

SCALARS = st.one_of(
    st.sampled_from(["abc", "yes", "No", "False", "10", "0.5", "a: b", "#x", "it's", "${AWS::Region}", "é", ""]),
    st.integers(min_value=-5, max_value=99999),
    st.booleans(),
    st.text(alphabet="abcXYZ-_ .:/", min_size=1, max_size=12),
)
SHORT_INTRINSICS = st.sampled_from(["!Ref R0", "!GetAtt R0.Arn", "!Sub 'x-${AWS::Region}'", "!Sub ${AWS::StackName}"])


@dataclass
class Layout:
    indent: int
    offset: int
    quote: str
    crlf: bool
    bom: bool
    final_newline: bool
    comments: bool


def _scalar_text(value: Any, quote: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "False"
    if isinstance(value, int):
        return str(value)
    if quote == '"':
        return json.dumps(value, ensure_ascii=False)
    return "'" + value.replace("'", "''") + "'"


@st.composite
def yaml_templates(draw: st.DrawFn) -> str:
    """A small template in a drawn layout, with comments, tags, flow and block styles."""
    layout = Layout(
        indent=draw(st.sampled_from([2, 4])), offset=draw(st.sampled_from([0, 2])),
        quote=draw(st.sampled_from(["'", '"'])), crlf=draw(st.booleans()), bom=draw(st.booleans()),
        final_newline=draw(st.booleans()), comments=draw(st.booleans()),
    )
    pad = " " * layout.indent
    lines: list[str] = []
    if layout.comments:
        lines.append("# a template  ")
    if draw(st.booleans()):
        lines.append("AWSTemplateFormatVersion: '2010-09-09'")
    lines.append("Description: " + _scalar_text(draw(st.text(alphabet="abc d", min_size=1, max_size=8)), layout.quote))
    lines.append("Resources:")
    for number in range(draw(st.integers(min_value=1, max_value=3))):
        lines.append(f"{pad}R{number}:")
        if layout.comments and draw(st.booleans()):
            lines.append(f"{pad * 2}# about R{number}")
        lines.append(f"{pad * 2}Type: AWS::SNS::Topic" + ("  # the type" if layout.comments else ""))
        lines.append(f"{pad * 2}Properties:")
        for index in range(draw(st.integers(min_value=1, max_value=4))):
            kind = draw(st.sampled_from(["scalar", "tag", "flow", "block", "map", "literal"]))
            key = f"{pad * 3}P{index}:"
            if kind == "scalar":
                lines.append(f"{key} {_scalar_text(draw(SCALARS), layout.quote)}")
            elif kind == "tag":
                lines.append(f"{key} {draw(SHORT_INTRINSICS)}")
            elif kind == "flow":
                items = draw(st.lists(st.sampled_from(["a", "'b'", "1", "!Ref R0"]), min_size=0, max_size=3))
                lines.append(f"{key} [{', '.join(items)}]")
            elif kind == "block":
                lines.append(key)
                dash = pad * 3 + " " * layout.offset
                for item in draw(st.lists(SCALARS, min_size=1, max_size=3)):
                    lines.append(f"{dash}- {_scalar_text(item, layout.quote)}")
            elif kind == "map":
                lines.append(key)
                lines.append(f"{pad * 4}Key: {_scalar_text(draw(SCALARS), layout.quote)}")
                lines.append(f"{pad * 4}Other: !Ref AWS::Region")
            else:
                lines.append(f"{key} |")
                lines.append(f"{pad * 4}line one")
                lines.append(f"{pad * 4}line two")
    if draw(st.booleans()):
        lines.append("Outputs:")
        lines.append(f"{pad}Out:")
        lines.append(f"{pad * 2}Value: !Ref R0")
        export = draw(st.sampled_from(["null", "empty", "comment", "named"]))
        if export == "null":
            lines.append(f"{pad * 2}Export:")
        elif export == "empty":
            lines.append(f"{pad * 2}Export: {{}}")
        elif export == "comment":
            lines.append(f"{pad * 2}Export:")
            lines.append(f"{pad * 3}# no name yet")
        else:
            lines.append(f"{pad * 2}Export:")
            lines.append(f"{pad * 3}Name: !Sub '${{AWS::StackName}}-Out'")
    newline = "\r\n" if layout.crlf else "\n"
    text = newline.join(lines) + (newline if layout.final_newline else "")
    return ("\ufeff" if layout.bom else "") + text


def _leaf_paths(data: Any) -> list[tuple[Any, ...]]:
    paths = []
    for name, resource in data["Resources"].items():
        for key, value in resource["Properties"].items():
            paths.append(("Resources", name, "Properties", key))
            if isinstance(value, dict) and "Key" in value:
                paths.append(("Resources", name, "Properties", key, "Key"))
            if isinstance(value, list) and value:
                paths.append(("Resources", name, "Properties", key, len(value) - 1))
    return paths


def _model(text: str, editing: bool = True) -> tuple[Source, Any]:
    """The editing model (ruamel.yaml's) or the fast one (libyaml's), which places edits in a text
    with no anchor."""
    source = Source(text.lstrip("\ufeff"), text.startswith("\ufeff"), "yaml")
    template = load_template(source, "t.yaml", editing=editing)
    assert template is not None
    return source, template


@st.composite
def edits_for(draw: st.DrawFn, data: Any) -> Edit:
    path = draw(st.sampled_from(_leaf_paths(data)))
    value = draw(st.one_of(SCALARS, st.sampled_from([{"Ref": "R0"}, {"Fn::Sub": "${AWS::StackName}-x"},
                                                     {"Fn::GetAtt": ["R0", "Arn"]}, {"A": [1, "two"]}])))
    target = data
    for part in path[:-1]:
        target = target[part]
    choice = draw(st.sampled_from(["set", "delete", "insert", "append"]))
    if choice == "insert":
        return InsertKey(path=path[:4][:3], key="NewKey", value=value, after=str(path[3]))
    if choice == "append" and isinstance(target.get(path[-1]) if isinstance(target, dict) else None, list):
        return AppendItem(path=path, value=value)
    if choice == "delete":
        return Delete(path=path)
    return SetValue(path=path, value=value)


def _lines_touched(before: str, after: str) -> tuple[int, int]:
    """Count of lines equal at the start and at the end of both texts."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return head, len(old) - tail


@pytest.mark.parametrize("editing", [True, False], ids=["ruamel-model", "fast-model"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_an_edit_changes_only_its_own_lines(editing: bool, data: st.DataObject) -> None:
    text = data.draw(yaml_templates())
    if not editing and "&" in text:
        return  # the pipeline places edits in such a text with ruamel.yaml's model
    source, template = _model(text, editing)
    edit = data.draw(edits_for(template.data))
    style = detect_style(template.root, source.text, "yaml")
    try:
        new_text = splice(source.text, template.root, style, [edit])
    except SpliceError:
        # the one refusal allowed: a new line after a block scalar that ends the file
        # without a newline would change that scalar's value
        assert not source.text.endswith("\n") and re.search(r": [|>]\r?\n(?:[ ]+\S.*\n?)+$", source.text)
        return
    fixed = load_template(Source(new_text, source.bom, "yaml"), "t.yaml")
    assert fixed is not None
    assert fixed.data == apply_edits(template.data, [edit])
    if new_text == source.text:
        return
    first_changed, last_changed = _lines_touched(source.text, new_text)
    node_path = edit.path if not isinstance(edit, InsertKey) else (*edit.path, edit.after)
    owner = template.node_at(node_path)
    key_line = template.mark(node_path)[0] - 1
    end_line = owner.end_mark.line
    assert first_changed >= key_line - 1, (source.text, new_text)
    assert last_changed <= end_line + 2, (source.text, new_text)
    assert ("\r\n" in new_text) == ("\r\n" in source.text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_templates())
def test_fix_then_fix_changes_nothing(text: str) -> None:
    options = cfnfix.Options(unsafe_fixes=True)
    first = cfnfix.fix(text, "t.yaml", options)
    assert first.error is None
    second = cfnfix.fix(first.fixed, "t.yaml", options)
    assert second.fixed == first.fixed
    assert not any(f.fixable(True) for f in second.findings)
    if not first.findings:
        assert first.fixed == text
    assert first.fixed.startswith("\ufeff") == text.startswith("\ufeff")
    assert first.fixed.endswith(("\n",)) == text.endswith("\n")


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs patch(1)")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(yaml_templates())
def test_patching_the_diff_equals_the_fixed_text(tmp_path: Path, text: str) -> None:
    result = cfnfix.fix(text, "dir/t.yaml", cfnfix.Options(unsafe_fixes=True))
    work = tmp_path / "w"
    shutil.rmtree(work, ignore_errors=True)
    (work / "dir").mkdir(parents=True)
    (work / "dir" / "t.yaml").write_bytes(text.encode("utf-8"))
    if result.diff:
        subprocess.run(["patch", "-p1", "-s", "--binary"], input=result.diff.encode("utf-8"), cwd=work,
                       check=True)
    assert (work / "dir" / "t.yaml").read_bytes() == result.fixed.encode("utf-8")


def test_cli_diff_applied_with_patch_equals_apply(tmp_path: Path) -> None:
    texts = {
        "a.yaml": "Resources:\n  T:\n    Type: AWS::SNS::Topic\nOutputs:\n  O:\n    Value: !Ref T\n    Export:\n",
        "crlf.yaml": "# c\r\nResources:\r\n  T:\r\n    Type: AWS::SNS::Topic\r\n",
        "b.json": '{\n  "Resources": {"T": {"Type": "AWS::SNS::Topic"}},\n  "Outputs": {"O": {"Value": "x", '
                  '"Export": {}}}\n}',
        "bom.yaml": "\ufeffResources:\n  T:\n    Type: AWS::SNS::Topic",
        "clean.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  T:\n    Type: AWS::SNS::Topic\n",
    }
    for name in ("dry", "applied"):
        for file, text in texts.items():
            (tmp_path / name / "t").mkdir(parents=True, exist_ok=True)
            (tmp_path / name / "t" / file).write_bytes(text.encode("utf-8"))
    dry = run_cli("fix", "t", cwd=tmp_path / "dry")
    assert dry.returncode == 1, dry.stderr
    assert all((tmp_path / "dry" / "t" / f).read_bytes() == t.encode() for f, t in texts.items())
    subprocess.run(["patch", "-p1", "-s", "--binary"], input=dry.stdout.encode("utf-8"), cwd=tmp_path / "dry",
                   check=True)
    applied = run_cli("fix", "--apply", "t", cwd=tmp_path / "applied")
    assert applied.returncode == 0, applied.stderr
    for file in texts:
        assert (tmp_path / "dry" / "t" / file).read_bytes() == (tmp_path / "applied" / "t" / file).read_bytes()
    assert (tmp_path / "applied" / "t" / "clean.yaml").read_bytes() == texts["clean.yaml"].encode()
    assert run_cli("fix", "t", cwd=tmp_path / "applied").returncode == 0
