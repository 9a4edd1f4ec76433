"""Fuzzing: golden inputs, mutated as broken files are (flipped bytes, truncation, lost and doubled
lines, re-indentation, tabs, control characters, bytes that are not UTF-8, BOMs, mixed line
endings), through the library and the CLI.

Whatever the input: no exception escapes but ``TemplateError``, the exit code is 0, 1 or 2,
exit 2 leaves the file byte-identical, and every line that names the file starts ``FILE:LINE``.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import cfnfix
from cfnfix.cli import app
from cfnfix.loader import TemplateError
from tests.conftest import GOLDEN

INPUTS = sorted(GOLDEN.glob("*/*/input.*"))
CONTROL = ("\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\u2028", "\ufeff", "\ufffe", "\uffff")
NOT_UTF8 = (b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf")
#: what a line about the whole run may say (any other line naming no file is a defect)
SUMMARY = re.compile(r"^(Fixed|Would fix|Found) \d+ findings? |^\d+ findings? remain\.")
#: the lines of a finding's suggestion, printed indented below the finding (or blank)
SUGGESTION = re.compile(r"^    suggestion:|^      |^$")
#: examples per test (``CFNFIX_FUZZ_EXAMPLES`` raises it for a longer hunt); CI runs a fixed set
FIXES = settings(max_examples=int(os.environ.get("CFNFIX_FUZZ_EXAMPLES", "300")), deadline=None,
                 derandomize=bool(os.environ.get("CI")),
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _mutate(data: bytes, kind: str, where: float, amount: int) -> bytes:
    """One mutation at a relative position ``where`` (0..1) of the bytes or lines."""
    at = int(where * len(data))
    lines = _lines(data)
    line = min(int(where * len(lines)), len(lines) - 1)
    if kind == "flip":
        return data[:at] + bytes([(data[at] if at < len(data) else 0) ^ (1 << amount % 8)]) + data[at + 1:]
    if kind == "truncate":
        return data[:at]
    if kind == "delete line":
        return b"".join(lines[:line] + lines[line + 1:])
    if kind == "duplicate line":
        return b"".join(lines[:line + 1] + lines[line:])
    if kind == "indent":
        changed = b" " * (amount % 5) + lines[line] if amount % 2 else lines[line].lstrip(b" ")
        return b"".join([*lines[:line], changed, *lines[line + 1:]])
    if kind == "tab":
        return data[:at] + b"\t" + data[at:]
    if kind == "control":
        return data[:at] + CONTROL[amount % len(CONTROL)].encode() + data[at:]
    if kind == "not utf-8":
        return data[:at] + NOT_UTF8[amount % len(NOT_UTF8)] + data[at:]
    if kind == "bom":
        return b"\xef\xbb\xbf" * (1 + amount % 2) + data
    # mixed line endings: this line ends CRLF, CR or LF, whatever the others do
    ending = (b"\r\n", b"\r", b"\n")[amount % 3]
    changed = lines[line].rstrip(b"\r\n") + ending
    return b"".join([*lines[:line], changed, *lines[line + 1:]])


MUTATION = st.tuples(
    st.sampled_from(["flip", "truncate", "delete line", "duplicate line", "indent", "tab", "control",
                     "not utf-8", "bom", "line ending"]),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.integers(min_value=0, max_value=64),
)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    path = draw(st.sampled_from(INPUTS))
    data = path.read_bytes()
    for kind, where, amount in draw(st.lists(MUTATION, min_size=1, max_size=3)):
        data = _mutate(data, kind, where, amount)
    return path.suffix, data


def _names_a_line(line: str, name: str) -> bool:
    return re.match(re.escape(name) + r":\d+(:\d+)?: ", line) is not None


@FIXES
@given(mutated())
def test_the_library_never_raises_but_template_error(case: tuple[str, bytes]) -> None:
    suffix, data = case
    text = data.decode("utf-8", "surrogateescape")
    name = "fuzzed" + suffix
    try:
        result = cfnfix.fix(text, name, cfnfix.Options(unsafe_fixes=True))
        cfnfix.check(text, name)
    except TemplateError as exc:
        assert "\n" not in str(exc) and _names_a_line(str(exc), name), str(exc)
        return
    if result.error:
        assert result.fixed == text
        assert all(_names_a_line(line, name) for line in result.error.splitlines()), result.error
    elif result.changed:
        again = cfnfix.fix(result.fixed, name, cfnfix.Options(unsafe_fixes=True))
        assert again.fixed == result.fixed and again.error is None


@FIXES
@given(mutated())
def test_the_cli_exits_0_1_or_2_and_exit_2_leaves_the_file(case: tuple[str, bytes]) -> None:
    suffix, data = case
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / ("fuzzed" + suffix)
        path.write_bytes(data)
        result = CliRunner().invoke(app, ["fix", "--apply", "--unsafe-fixes", str(path)])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code in (0, 1, 2)
        if result.exit_code == 2:
            assert path.read_bytes() == data
        below_a_finding = False
        for line in result.stderr.splitlines():
            below_a_finding = bool(below_a_finding and SUGGESTION.match(line))
            assert _names_a_line(line, str(path)) or SUMMARY.match(line) or below_a_finding, line
            below_a_finding = below_a_finding or _names_a_line(line, str(path))
        assert sorted(os.listdir(directory)) == [path.name]
