"""Hostile and odd input: no traceback, no hang, no damaged or half-written file, no leaked secret.

Each test reproduces a case met by fuzzing and fault runs: deep nesting, alias bombs and
loops, duplicate keys, control characters, special files, symlinks, file names with
newlines, failed writes, killed runs and NoEcho defaults.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

import cfnfix
from cfnfix.config import Resolver
from cfnfix.fixer import Fixer
from cfnfix.loader import Source, TemplateError, decode, load_template
from cfnfix.models import Applicability, Finding, Options
from cfnfix.pipeline import process
from cfnfix.registry import fixers_for
from tests.conftest import run_cli

HEAD = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n"
#: a safe fix (CFX002) is due
FIXABLE = HEAD + "Outputs:\n  O:\n    Value: !Ref Q\n    Export:\n"
FIXED_LINE = "      Name: !Sub '${AWS::StackName}-O'\n"


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def _error_lines(stderr: str, name: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(name + ":")]


def _assert_no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1, 2)


# --- 1. no traceback, ever -------------------------------------------------------------------------


def _deep_yaml(levels: int) -> str:
    return HEAD + "Metadata:\n  X: " + "[" * levels + "]" * levels + "\n"


def _deep_json(levels: int) -> str:
    return ('{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}},\n "Metadata": {"X": ' + "[" * levels + "]" * levels
            + "}}\n")


@pytest.mark.parametrize("levels", [101, 500, 900, 5000])
def test_deep_nesting_is_one_error_with_its_line(tmp_path: Path, levels: int) -> None:
    _write(tmp_path / "d.yaml", _deep_yaml(levels))
    _write(tmp_path / "d.json", _deep_json(levels))
    _write(tmp_path / "good.yaml", FIXABLE)
    done = run_cli("fix", "--apply", "--unsafe-fixes", "d.yaml", "d.json", "good.yaml", cwd=tmp_path)
    _assert_no_traceback(done)
    assert done.returncode == 2
    assert _error_lines(done.stderr, "d.yaml") == ["d.yaml:6:104: nesting deeper than 100 levels"] or (
        levels > 1000 and _error_lines(done.stderr, "d.yaml")[0].startswith("d.yaml:6:"))
    assert _error_lines(done.stderr, "d.json")[0].startswith("d.json:2:")
    assert "nesting deeper than 100 levels" in _error_lines(done.stderr, "d.json")[0]
    assert (tmp_path / "good.yaml").read_text().endswith(FIXED_LINE)


def test_nesting_at_the_limit_is_a_template() -> None:
    text = HEAD + "Metadata:\n  X: " + "[" * 98 + "]" * 98 + "\n"  # the root, Metadata, X: 100 levels
    assert cfnfix.check(text, "ok.yaml") == []
    with pytest.raises(TemplateError, match="nesting deeper than 100 levels"):
        cfnfix.check(HEAD + "Metadata:\n  X: " + "[" * 99 + "]" * 99 + "\n", "deep.yaml")


def test_recursive_alias_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path / "r.yaml", "Resources: {a: &a [*a]}\n")
    _write(tmp_path / "s.yaml", HEAD + "Metadata:\n  M: &m\n    Inner:\n      - *m\n")
    done = run_cli("check", "r.yaml", "s.yaml", cwd=tmp_path)
    _assert_no_traceback(done)
    assert done.returncode == 2
    assert _error_lines(done.stderr, "r.yaml") == ["r.yaml:1: recursive alias (an alias inside the node it names)"]
    assert _error_lines(done.stderr, "s.yaml") == ["s.yaml:8: recursive alias (an alias inside the node it names)"]


def test_a_file_name_with_a_newline_is_escaped_and_the_diff_applies(tmp_path: Path) -> None:
    weird = "new\nline.yaml"
    _write(tmp_path / "t" / weird, FIXABLE)
    _write(tmp_path / "t" / "bad\nname.yaml", "Resources:\n  A: [\n")
    done = run_cli("fix", "t", cwd=tmp_path)
    _assert_no_traceback(done)
    assert done.returncode == 2
    assert done.stdout.startswith('--- "a/t/new\\nline.yaml"\n+++ "b/t/new\\nline.yaml"\n@@')
    assert "t/bad\\nname.yaml:3: invalid YAML" in done.stderr.splitlines()[-1]
    assert "Would fix 1 finding in 1 file (CFX002 x1, +1 -0 lines)." in done.stderr
    patched = subprocess.run(["patch", "-p1"], input=done.stdout.encode(), cwd=tmp_path, capture_output=True,
                             check=False)
    assert patched.returncode == 0, patched.stderr
    assert (tmp_path / "t" / weird).read_text().endswith(FIXED_LINE)
    applied = run_cli("check", "t", cwd=tmp_path)
    assert applied.stdout == "" and applied.returncode == 2


def test_an_unexpected_exception_in_one_file_costs_only_that_file(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from cfnfix import pipeline, runner

    real_process = pipeline.process

    def process_failing_on_boom(source: Source, filename: str, *args: object, **kwargs: object) -> object:
        if "boom" in filename:
            raise KeyError("Sup3rS3cret!")
        return real_process(source, filename, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "process", process_failing_on_boom)
    _write(tmp_path / "boom.yaml", FIXABLE)
    _write(tmp_path / "good.yaml", FIXABLE)
    monkeypatch.chdir(tmp_path)
    run = runner.process_paths(["boom.yaml", "good.yaml"], Resolver(), fix=True)
    assert len(run.outcomes) == 1 and run.outcomes[0][0].changed
    assert len(run.errors) == 1
    assert re.fullmatch(r"boom\.yaml:1: internal error: KeyError at test_hardening\.py:\d+, file left as it was",
                        run.errors[0]), run.errors
    assert "Sup3rS3cret" not in run.errors[0]


class _Broken(Fixer):
    """What it does: raises. Used to prove a fixer's bug costs only its file's fixes."""

    code = "TST901"
    name = "broken"
    summary = "raises"
    applicability = Applicability.SAFE

    def find(self, template: object, options: Options) -> list[Finding]:
        raise ValueError("a bug")


# --- 2. bounded work -------------------------------------------------------------------------------


def _alias_bomb(levels: int) -> str:
    text = HEAD + "Metadata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for level in range(1, levels + 1):
        text += f"  a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]\n"
    return text


def test_an_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    _write(tmp_path / "bomb.yaml", _alias_bomb(9))
    _write(tmp_path / "good.yaml", FIXABLE)
    # expanded, the bomb is a billion nodes: the timeout fails the test long before that would end
    done = subprocess.run([sys.executable, "-m", "cfnfix", "fix", "--apply", "bomb.yaml", "good.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert _error_lines(done.stderr, "bomb.yaml") == [
        "bomb.yaml:10: too many alias expansions (more than 100,000 nodes)"]
    assert (tmp_path / "good.yaml").read_text().endswith(FIXED_LINE)


def test_aliases_within_the_budget_are_expanded() -> None:
    text = _alias_bomb(3)  # 10,000 scalars
    assert [f.message.split(" is used")[0] for f in cfnfix.check(text, "fine.yaml")] == [
        f"YAML anchor at `Metadata.a{level}`" for level in range(3)]
    template = load_template(Source(text, False, "yaml"), "fine.yaml")
    assert template is not None and str(template.data["Metadata"]["a3"]).count("'x'") == 10_000


def test_special_files_are_skipped_in_a_walk_and_errors_when_named(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    _write(tree / "good.yaml", FIXABLE)
    os.mkfifo(tree / "fifo.yaml")
    (tree / "zero.yaml").symlink_to("/dev/zero")
    (tree / "dangling.yaml").symlink_to("nowhere.yaml")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tree / "sock.yaml"))
        done = subprocess.run([sys.executable, "-m", "cfnfix", "fix", "--apply", "tree"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert sorted(line for line in done.stderr.splitlines() if "skipped" in line) == [
            "tree/dangling.yaml: skipped: a broken symlink",
            "tree/fifo.yaml: skipped: not a regular file (a FIFO)",
            "tree/sock.yaml: skipped: not a regular file (a socket)",
            "tree/zero.yaml: skipped: not a regular file (a character device)",
        ]
        assert (tree / "good.yaml").read_text().endswith(FIXED_LINE)
        named = subprocess.run([sys.executable, "-m", "cfnfix", "check", "tree/fifo.yaml", "tree/zero.yaml",
                                "tree/sock.yaml", "tree/dangling.yaml", "tree/missing.yaml", "tree"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=60, check=False)
    assert named.returncode == 2
    assert [line for line in named.stderr.splitlines() if ":1: " in line] == [
        "tree/fifo.yaml:1: not a regular file (a FIFO)",
        "tree/zero.yaml:1: not a regular file (a character device)",
        "tree/sock.yaml:1: not a regular file (a socket)",
        "tree/dangling.yaml:1: a broken symlink",
        "tree/missing.yaml:1: no such file or directory",
    ]


def test_the_size_limit_is_an_error_and_configurable(tmp_path: Path) -> None:
    big = _write(tmp_path / "big.yaml", FIXABLE + "# " + "x" * 2000 + "\n")
    done = run_cli("fix", "--apply", "--max-size", "1KB", "big.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["big.yaml:1: file larger than the 1 KB limit (--max-size)"]
    assert run_cli("fix", "--apply", "--max-size", "3000", "big.yaml", cwd=tmp_path).returncode == 0
    assert big.read_text().startswith(FIXABLE + FIXED_LINE)
    bad = run_cli("check", "--max-size", "lots", "big.yaml", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("cfnfix: --max-size: not a size: 'lots'")
    with pytest.raises(TemplateError, match=r"^t\.yaml:1: file larger than the 1 KB limit"):
        cfnfix.check(big.read_text(), "t.yaml", Options(max_size=1024))
    assert Options().max_size == 10 * 1024 * 1024


# --- 3. duplicate keys ----------------------------------------------------------------------------

DUPLICATES = [
    ("resource.yaml", HEAD + "  Q:\n    Type: AWS::SNS::Topic\n",
     "resource.yaml:5:3: duplicate key 'Q' (first at line 3)"),
    ("section.yaml", HEAD + "Resources:\n  T:\n    Type: AWS::SNS::Topic\n",
     "section.yaml:5:1: duplicate key 'Resources' (first at line 2)"),
    ("property.yaml", HEAD + "    Properties:\n      QueueName: a\n      DelaySeconds: 1\n      QueueName: b\n",
     "property.yaml:8:7: duplicate key 'QueueName' (first at line 6)"),
    ("flow.yaml", "Resources: {Q: {Type: 'AWS::SQS::Queue'}, Q: {Type: 'AWS::SNS::Topic'}}\n",
     "flow.yaml:1:43: duplicate key 'Q' (first at line 1)"),
    ("resource.json",
     '{\n  "Resources": {\n    "Q": {"Type": "AWS::SQS::Queue"},\n    "Q": {"Type": "AWS::SNS::Topic"}\n  }\n}\n',
     "resource.json:4:5: duplicate key 'Q' (first at line 3)"),
    ("top.json", '{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}},\n "Resources": {}}\n',
     "top.json:2:2: duplicate key 'Resources' (first at line 1)"),
]


@pytest.mark.parametrize(("name", "text", "error"), DUPLICATES, ids=[d[0] for d in DUPLICATES])
def test_duplicate_keys_are_bad_input_in_both_loaders(tmp_path: Path, name: str, text: str, error: str) -> None:
    path = _write(tmp_path / name, text)
    done = run_cli("fix", "--apply", "--unsafe-fixes", name, cwd=tmp_path)
    assert (done.returncode, done.stderr.splitlines()) == (2, [error])
    assert path.read_text() == text
    source = decode(text.encode(), name)
    for editing in (False, True):
        with pytest.raises(TemplateError) as raised:
            load_template(source, name, editing=editing)
        assert str(raised.value) == error


# --- 4. exit 2 naming a file means that file is untouched ---------------------------------------------


def test_a_failed_fix_leaves_the_whole_file_as_it_was(tmp_path: Path) -> None:
    text = "\ufeff\ufeffResources:\n  Q:\n    Type: AWS::SQS::Queue\n    DeletionPolicy: Retain\nOutputs:\n  O:\n" \
           "    Value: !Ref Q\n    Export:\n"
    path = _write(tmp_path / "bom.yaml", text)
    done = run_cli("fix", "--apply", "--unsafe-fixes", "bom.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert path.read_text() == text
    assert any(line.startswith("bom.yaml:1: internal error: CFX005 fix not applied, file left as it was")
               for line in done.stderr.splitlines()), done.stderr
    assert "Fixed" not in done.stderr
    dry = run_cli("fix", "--unsafe-fixes", "bom.yaml", cwd=tmp_path)
    assert (dry.returncode, dry.stdout) == (2, "")


def test_a_fixer_that_raises_leaves_the_file_as_it_was() -> None:
    fixers = [*fixers_for(Options()), _Broken()]  # what runs by default (no profile, no opt-in fixer)
    outcome = process(Source(FIXABLE, False, "yaml"), "t.yaml", fixers, Options())
    assert not outcome.changed and outcome.applied == []
    assert [f.code for f in outcome.remaining] == ["CFX002"]
    assert outcome.errors == ["t.yaml:1: internal error in TST901: ValueError: a bug, file left as it was"]


def _limit_file_size(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_failed_write_is_an_error_and_the_summary_counts_only_written_files(tmp_path: Path) -> None:
    small = _write(tmp_path / "small.yaml", FIXABLE)
    large_text = FIXABLE.replace("Outputs:", "Metadata:\n  Note: '" + "x" * 4000 + "'\nOutputs:")
    large = _write(tmp_path / "large.yaml", large_text)
    done = subprocess.run([sys.executable, "-m", "cfnfix", "fix", "--apply", "large.yaml", "small.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, check=False,
                          preexec_fn=lambda: _limit_file_size(2048))
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert "Fixed 1 finding in 1 file (CFX002 x1)." in lines, lines
    assert "large.yaml:1: cannot write: file too large, file left as it was" in lines
    assert any(line.startswith("large.yaml:") and "CFX002" in line for line in lines)  # it remains
    assert large.read_text() == large_text
    assert small.read_text().endswith(FIXED_LINE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["large.yaml", "small.yaml"]


# --- 5. every error line names the file and a line ------------------------------------------------------

CONTROL = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x9f", "\ufffe", "\uffff"]


@pytest.mark.parametrize("char", CONTROL, ids=[f"U+{ord(c):04X}" for c in CONTROL])
def test_a_control_character_is_reported_at_its_line_and_column(char: str) -> None:
    text = HEAD + f"Outputs:\n  O:\n    Value: a{char}b\n"
    with pytest.raises(TemplateError) as raised:
        cfnfix.check(text, "n.yaml")
    assert str(raised.value).startswith(f"n.yaml:7:13: invalid character U+{ord(char):04X} ")
    json_text = '{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}},\n  "Outputs": {"O": {"Value": "a' + char + 'b"}}}'
    with pytest.raises(TemplateError) as raised:
        cfnfix.check(json_text, "n.json")
    assert re.match(r"n\.json:2:\d+: ", str(raised.value)), str(raised.value)


# --- 6. symlinks -----------------------------------------------------------------------------------------


def test_symlinks_write_through_inside_the_roots_and_are_left_alone_outside(tmp_path: Path) -> None:
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    target = _write(outside / "target.yaml", FIXABLE)
    inner = _write(tree / "real" / "inner.yaml", FIXABLE)
    (tree / "link_out.yaml").symlink_to("../outside/target.yaml")
    (tree / "link_in.yaml").symlink_to("real/inner.yaml")
    _write(tree / "real" / "other.txt", FIXABLE)  # not a template's name: met only through its link
    (tree / "only_link.yaml").symlink_to("real/other.txt")
    done = run_cli("fix", "--apply", "tree", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "tree/link_out.yaml: skipped: a symlink to a file outside the directories given" in done.stderr
    assert "Fixed 2 findings in 2 files (CFX002 x2)." in done.stderr
    assert target.read_text() == FIXABLE
    assert inner.read_text().endswith(FIXED_LINE)
    assert (tree / "real" / "other.txt").read_text().endswith(FIXED_LINE)  # through the only link to it
    for link in ("link_out.yaml", "link_in.yaml", "only_link.yaml"):
        assert (tree / link).is_symlink()
    named = run_cli("fix", "--apply", "tree/link_out.yaml", cwd=tmp_path)  # named: the user chose it
    assert named.returncode == 0, named.stderr
    assert (tree / "link_out.yaml").is_symlink() and target.read_text().endswith(FIXED_LINE)


def test_a_file_met_twice_is_processed_once(tmp_path: Path) -> None:
    _write(tmp_path / "t.yaml", FIXABLE)
    (tmp_path / "alias.yaml").symlink_to("t.yaml")
    done = run_cli("fix", ".", "t.yaml", "alias.yaml", cwd=tmp_path)
    assert done.stdout.count("+++ ") == 1 and done.stdout.startswith("--- a/./t.yaml")


# --- 7. secrets --------------------------------------------------------------------------------------------

SECRET = "Sup3rS3cret!"
SECRET_TEMPLATE = f"""\
Parameters:
  DBPassword:
    Type: String
    NoEcho: true
    Default: {SECRET}
  Unused:
    Type: String
    NoEcho: 'true'
    Default: Hunter2Hunter2
  Runtime:
    Type: String
    NoEcho: true
    Default: nodejs12.x
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: !Ref Runtime
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/x
      Code:
        ZipFile: "exports.handler = async () => 1;"
  DB:
    Type: AWS::RDS::DBInstance
    DeletionPolicy: Snapshot
    Properties:
      Engine: mysql
      DBInstanceClass: db.t3.micro
      AllocatedStorage: "20"
      MasterUsername: admin
      MasterUserPassword: !Ref DBPassword
Outputs:
  O:
    Value: !Ref DB
    Export:
"""
SECRETS = (SECRET, "Hunter2Hunter2", "nodejs12.x")


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def test_noecho_defaults_never_leave_in_any_output_but_the_diff(tmp_path: Path) -> None:
    commands: list[Sequence[str]] = [
        ("check",), ("check", "--unsafe-fixes"), ("check", "--format", "json"), ("fix",), ("fix", "--unsafe-fixes"),
        ("fix", "--unsafe-fixes", "--verify"), ("fix", "--apply"), ("fix", "--apply", "--unsafe-fixes"),
        ("check", "--format", "sarif"), ("check", "--format", "github"), ("check", "--statistics"),
        ("check", "--warn-unused-ignores"), ("fix", "--unsafe-fixes", "--format", "sarif"),
        ("fix", "--unsafe-fixes", "--format", "json"), ("fix", "--apply", "--format", "github"),
    ]
    outputs = 0
    for command in commands:
        path = _write(tmp_path / "sec.yaml", SECRET_TEMPLATE)
        done = run_cli(*command, "sec.yaml", cwd=tmp_path)
        assert done.returncode in (0, 1), (command, done.stderr)
        assert _leaks(done.stderr) == [], (command, done.stderr)
        if command[:2] == ("fix", "--unsafe-fixes"):
            assert _leaks(done.stdout)  # the diff is the user's own file, exact
            assert _leaks(done.stderr) == [], (command, done.stderr)
        else:
            assert _leaks(done.stdout) == [], (command, done.stdout)
        outputs += bool(done.stdout or done.stderr)
        if command == ("fix", "--apply", "--unsafe-fixes"):
            assert SECRET not in path.read_text()
    assert outputs == len(commands)
    _write(tmp_path / "sec.yaml", SECRET_TEMPLATE)
    shown = run_cli("check", "--format", "json", "sec.yaml", cwd=tmp_path)
    assert "`****` (deprecated" in "".join(f["message"] for f in json.loads(shown.stdout))


def test_the_library_masks_noecho_defaults_in_findings_and_errors() -> None:
    result = cfnfix.fix(SECRET_TEMPLATE, "sec.yaml", Options(unsafe_fixes=True))
    assert result.changed and _leaks(result.diff) and _leaks(result.original)
    dumped = json.dumps([f.model_dump(mode="json") for f in (*result.findings, *result.applied,
                                                                *result.remaining)])
    assert _leaks(dumped) == [] and "****" in dumped
    assert _leaks(result.error or "") == []
    for finding in cfnfix.check(SECRET_TEMPLATE, "sec.yaml"):
        assert _leaks(finding.model_dump_json()) == []


# --- 8. temporary files --------------------------------------------------------------------------------------


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_stale_temporary_files_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    _write(tmp_path / "t.yaml", FIXABLE)
    stale = _write(tmp_path / f".t.yaml.{_dead_pid()}.abc123_x.cfnfix", "half")
    live = _write(tmp_path / f".t.yaml.{os.getpid()}.abc123_x.cfnfix", "being written")
    unrelated = _write(tmp_path / ".notes.cfnfix", "mine")
    assert run_cli("check", ".", cwd=tmp_path).stdout.count("t.yaml") == 1  # never taken for a template
    assert stale.exists()  # only --apply cleans
    done = run_cli("fix", "--apply", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not stale.exists() and live.exists() and unrelated.exists()


def test_a_killed_write_never_leaves_a_half_written_template(tmp_path: Path) -> None:
    resources = "".join(f"  Q{i}:\n    Type: AWS::SQS::Queue\n" for i in range(4000))
    outputs = "".join(f"  O{i}:\n    Value: !Ref Q{i}\n    Export:\n" for i in range(0, 4000, 4))
    text = f"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n{resources}Outputs:\n{outputs}"
    path = _write(tmp_path / "big.yaml", text)
    fixed = None
    for delay in (0.3, 0.6, 0.9, 1.2, 1.6, 2.0):
        process = subprocess.Popen([sys.executable, "-m", "cfnfix", "fix", "--apply", "big.yaml"], cwd=tmp_path,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = path.read_text()
        assert now == text or now.count("Name: !Sub") == 1000, f"half-written after {delay} s"
        if now != text:
            fixed = now
            path.write_text(text)
    done = run_cli("fix", "--apply", "big.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert fixed is None or path.read_text() == fixed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.yaml"]


# --- 9. what the fuzz test found --------------------------------------------------------------------------


def test_tabs_between_tokens_are_kept_and_fixes_still_apply() -> None:
    text = ("Resources:\n  Q:\n    Type:\tAWS::SQS::Queue\n"
            "    Properties: {QueueName:\t'a\tb', DelaySeconds: !Ref\tD}\n"
            "Parameters:\n  D: {Type: Number}\n  U:\t{Type: String}   # c\tx\n"
            "Outputs:\n  O:\n    Value:\t!Ref Q\n    Export:\n")
    result = cfnfix.fix(text, "t.yaml", Options(unsafe_fixes=True))
    assert result.error is None
    assert sorted(f.code for f in result.applied) == ["CFX002", "CFX005", "CFX107"]
    assert "    Type:\tAWS::SQS::Queue\n    Properties: {QueueName:\t'a\tb', DelaySeconds: !Ref\tD}\n" in result.fixed
    assert "    Value:\t!Ref Q\n" in result.fixed


def test_a_file_the_editing_model_cannot_read_is_one_clear_error() -> None:
    text = HEAD.replace("  Q:\n", "  Q:\n    Metadata: {Ke\ty: 1}\n") + "Outputs:\n  O:\n    Value: !Ref Q\n"
    text += "    Export:\n"
    assert [f.code for f in cfnfix.check(text, "t.yaml")] == ["CFX002"]  # libyaml reads it
    assert cfnfix.fix(text, "t.yaml").applied  # and places the fix itself
    text = text.replace("{Ke\ty: 1}", "{Ke\ty: &one 1, Again: *one}")  # an anchor: ruamel.yaml places fixes
    result = cfnfix.fix(text, "t.yaml")
    assert result.fixed == text and not result.applied
    assert result.error is not None and result.error.startswith("t.yaml:4: cannot fix: ruamel.yaml, which edits it, "
                                                                "cannot read it (invalid YAML: ")
    assert result.error.endswith(", file left as it was")


def test_a_string_like_a_date_that_is_no_date_is_quoted() -> None:
    body = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Metadata:\n      Version: '2012-10-57'\n"
    result = cfnfix.fix("AWSTemplateFormatVersion: 2012-10-17\n" + body, "t.yaml")  # its siblings' quoting is read
    assert result.error is None and result.fixed == "AWSTemplateFormatVersion: '2010-09-09'\n" + body


def test_a_lone_surrogate_is_bad_input() -> None:
    with pytest.raises(TemplateError, match=r"^t\.yaml:4:11: invalid character U\+DCFF"):
        cfnfix.check(HEAD.replace("Type: AWS", "Type: \udcffAWS"), "t.yaml")
