"""CFX104 needless-sub: an ``Fn::Sub`` whose string has no variables becomes that plain string."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from cfnfix.fixer import Fixer
from cfnfix.generated_secret import secrets_read_by_name
from cfnfix.models import Applicability, Finding, Options, Path, SetValue
from cfnfix.template import Template

_SAM = "AWS::Serverless-2016-10-31"
_LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
# the sections where CloudFormation resolves intrinsic functions (template Metadata is stored as written)
_SECTIONS = ("Resources", "Outputs", "Conditions", "Rules")
# a Sub variable as cfn-lint (W1020) reads one: ``${Name}``, ``${ Name }``, not ``${!Literal}``
_VARIABLE = re.compile(r"\$\{\s*([^!\s].*?)\s*\}")
# ``${!Literal}``, which CloudFormation's Sub resolves to the text ``${Literal}``
_ESCAPE = re.compile(r"\$\{!([^}]*)\}")
# what cfn-lint (E1029) takes for a variable written outside a Sub
_BARE_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_:.]+)\}")


def _in_for_each(path: Path) -> bool:
    return any(isinstance(part, str) and part.startswith("Fn::ForEach::") for part in path)


def _has_intrinsic(value: Any) -> bool:
    """Whether ``value`` holds an intrinsic function anywhere (a reference, a condition, an import)."""
    if isinstance(value, dict):
        if any(key in ("Ref", "Condition") or str(key).startswith("Fn::") for key in value):
            return True
        return any(_has_intrinsic(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_intrinsic(item) for item in value)
    return False


class NeedlessSub(Fixer):
    """Checks for `Fn::Sub` strings that substitute nothing.

    ## What it does
    Finds an `Fn::Sub` whose string has no `${Variable}` (cfn-lint W1020) and
    replaces the function with the plain string. The list form
    `!Sub ['text', {}]` is fixed the same way when its variable map is empty or
    holds only literal values; a map that holds a `Ref`, a `GetAtt` or another
    function is reported without a fix, since dropping it would drop an implicit
    dependency (or the only use of a parameter).

    A string whose only `${...}` are `${!Literal}` escapes also has no variables:
    Sub resolves the escape to the text `${Literal}`, and the fix writes that
    text, so the deployed value is the same. The escape is kept (no fix) where
    the plain `${Literal}` could be read differently: when `Literal` names a
    parameter, a resource, a pseudo parameter or an attribute (cfn-lint's E1029
    would take it for a forgotten Sub), in a Step Functions definition (whose
    `DefinitionSubstitutions` replace `${...}`), and in any template with a
    `Transform`. Odd forms (`${ !Literal}`, `${}`) are reported without a fix.

    A Sub that reads a secret of the template by its literal name
    (`!Sub '{{resolve:secretsmanager:app-db:SecretString:password}}'` where a
    secret has `Name: app-db`) is reported without a fix: the reader has no
    dependency on the secret, and external-secret (CFX201) rewrites the name
    to `${Secret}`, which needs the Sub; removing it would hide the defect.

    Sub strings in the template `Metadata` section are not read: CloudFormation
    does not resolve functions there. Templates with the SAM transform are left
    alone, as cfn-lint does (SAM writes Subs of its own); under another macro
    the finding has no fix, since the macro may read the template as written.
    Inside an `Fn::ForEach` loop, strings holding `${` or `&{` are left to the
    loop's own substitution.

    ## Why is this bad?
    A Sub that substitutes nothing is noise: it makes a constant look computed,
    and a reader has to scan the string for a variable that is not there. It is
    often a leftover of a variable that was removed, or of a copy and paste.

    ## Example
    ```yaml
    Resources:
      Queue:
        Type: AWS::SQS::Queue
        Properties:
          QueueName: !Sub 'orders-queue'
    ```

    Use instead:
    ```yaml
    Resources:
      Queue:
        Type: AWS::SQS::Queue
        Properties:
          QueueName: 'orders-queue'
    ```

    ## Fix safety
    The fix is safe: CloudFormation resolves the Sub to exactly the plain string
    the fix writes (`${!Literal}` escapes included), so nothing deployed changes.

    ## References
    - [Fn::Sub](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-sub.html)
    - cfn-lint rule W1020 (Sub isn't needed if it doesn't have a variable defined)
    """

    code: ClassVar[str] = "CFX104"
    name: ClassVar[str] = "needless-sub"
    summary: ClassVar[str] = "Fn::Sub of a string with no variables"
    applicability: ClassVar[Applicability] = Applicability.SAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("W1020",)

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        if not isinstance(template.data, dict):
            return
        transforms = template.transforms
        if _SAM in transforms:
            return
        macros = [t for t in transforms if t != _LANGUAGE_EXTENSIONS]
        order: dict[str | int, int] = {s: i for i, s in enumerate(_SECTIONS) if isinstance(template.data.get(s), dict)}
        subs = [(path, value) for path, value in template.calls("Fn::Sub") if path[0] in order]
        for path, value in sorted(subs, key=lambda item: order[item[0][0]]):
            if "Fn::Transform" in path:
                continue
            finding = self._check(template, path, value["Fn::Sub"], bool(transforms), macros)
            if finding is not None:
                yield finding

    def _check(
        self, template: Template, path: Path, arg: Any, transformed: bool, macros: list[Any]
    ) -> Finding | None:
        variables: dict[str, Any] = {}
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
            text, variables = arg[0], arg[1]
        elif isinstance(arg, str):
            text = arg
        else:
            return None  # not a well-formed Sub: cfn-lint reports E1019 there instead
        if _VARIABLE.search(text):
            return None
        # cfn-lint reports every Sub of an Fn::Equals at the Equals' first item
        related: list[Path] = []
        if len(path) >= 2 and path[-2] == "Fn::Equals" and path[-1] != 0:
            related.append((*path[:-1], 0, "Fn::Sub"))
        for_each = _in_for_each(path)
        if for_each and ("${" in text or "&{" in text):
            return None
        message = "`Fn::Sub` has no variables to substitute; the plain string is the same value"
        if macros:
            shown = ", ".join(str(m) for m in macros)
            return self.finding(path, message, no_fix_reason=f"the template's transform ({shown}) may read the Sub",
                                related=related)
        named = secrets_read_by_name(template, text, in_sub=True)
        if named:
            secret = named[0]
            return self.finding(
                path, message, related=related,
                no_fix_reason=(f"it reads the secret `{secret}` of this template by its name, with no dependency on "
                               f"it; external-secret (CFX201) points it at `${{{secret}}}`, which needs the Sub"),
            )
        if _has_intrinsic(variables):
            return self.finding(
                path, message,
                no_fix_reason="its variable map holds a function; removing it would drop that reference",
                related=related,
            )
        plain, reason = self._plain(template, path, text, transformed)
        if plain is None:
            return self.finding(path, message, no_fix_reason=reason, related=related)
        note = "writes the string without `Fn::Sub`"
        if plain != text:
            note += ", `${!...}` escapes as the literal `${...}` they stand for"
        return self.finding(path, message, [SetValue(path=path, value=plain)], note=note, related=related)

    @staticmethod
    def _plain(template: Template, path: Path, text: str, transformed: bool) -> tuple[str | None, str]:
        """The plain string the Sub resolves to, or None and why it is kept."""
        if "${" not in text:
            return text, ""
        if "${" in _ESCAPE.sub("", text):
            return None, "it holds a `${` that is neither a variable nor a `${!Literal}` escape"
        if transformed:
            return None, "its `${!...}` escape could be read by the template's transform once it is plain"
        if "Definition" in path or "DefinitionString" in path:
            return None, "Step Functions would read the unescaped `${...}` as a definition substitution"
        plain = _ESCAPE.sub(lambda m: "${" + m.group(1) + "}", text)
        names = set(template.parameters) | set(template.resources)
        for match in _BARE_VARIABLE.finditer(plain):
            name = match.group(1)
            if name in names or name.startswith("AWS::") or name.split(".", 1)[0] in template.resources:
                return None, f"without the Sub, `${{{name}}}` would read as a reference to `{name}`"
        return plain, ""
