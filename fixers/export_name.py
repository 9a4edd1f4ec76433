"""CFX002 export-name: an Output ``Export`` without a ``Name`` gets ``${AWS::StackName}-<OutputKey>``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from cfnfix.fixer import Fixer, sub
from cfnfix.models import Applicability, Edit, Finding, InsertKey, Options, Path, RenameKey, SetValue
from cfnfix.template import Template, intrinsic_function

# intrinsic functions that give a string, so that ``Export: <one of them>`` is a misplaced name
_STRING_FUNCTIONS = frozenset({
    "Ref", "Fn::Sub", "Fn::Join", "Fn::GetAtt", "Fn::Select", "Fn::FindInMap", "Fn::ImportValue",
    "Fn::Base64",
})
_SPACES_IN_VARIABLE = re.compile(r"\$\{\s*([^}]*?)\s*\}")


def _missing(name: Any) -> bool:
    """Whether an export's ``Name`` value amounts to no name at all."""
    return name is None or name == "" or name == {"Ref": "AWS::NoValue"}


def _as_sub(value: Any) -> str | None:
    """An export name as Fn::Sub text, to compare names written in different forms; None if unknown."""
    if isinstance(value, str):
        return value.replace("${", "${!")
    function = intrinsic_function(value)
    if function is None:
        return None
    arg = value[function]
    if function == "Fn::Sub":
        if isinstance(arg, list) and len(arg) == 1:
            arg = arg[0]
        return _SPACES_IN_VARIABLE.sub(r"${\1}", arg) if isinstance(arg, str) else None
    if function == "Ref" and isinstance(arg, str):
        return "${" + arg + "}"
    if function == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2 and all(
        isinstance(a, str) for a in arg
    ):
        return "${" + ".".join(arg) + "}"
    if function == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
        parts = arg[1] if isinstance(arg[1], list) else None
        texts = [_as_sub(p) for p in parts] if parts is not None else [None]
        if all(t is not None for t in texts):
            return arg[0].join(t for t in texts if t is not None)
    return None


class ExportName(Fixer):
    """Checks for Outputs whose `Export` has no `Name`.

    ## What it does
    Finds an `Export` under an Output that is null (`Export:` followed by nothing
    or only a comment), an empty mapping (`Export: {}`), a mapping without `Name`,
    or whose `Name` is null, empty or `!Ref AWS::NoValue`, and gives it the name
    `!Sub '${AWS::StackName}-<OutputKey>'`, unique in the stack and in the region.

    Two more shapes are repaired from what the author wrote: an `Export` that is
    itself a string or a string function (`Export: !Sub '${AWS::StackName}-Id'`)
    becomes that export's `Name`, and so does a lone `name` key spelled in
    another case or a one-item list holding the mapping (`Export: [{Name: X}]`).
    Other lists are reported without a fix.

    When the generated name is already the name of another export of the
    template, `-Export`, then `-Export2`, `-Export3`... is added until it is not.
    Literal names (`Name: prod-KMSKeyId`) can only collide with the generated
    one for a particular stack name, so they are not considered.

    An `Export: !If [Cond, {Name: X}, !Ref AWS::NoValue]` whose branches both
    have a name is left alone, although cfn-lint (E6002) reports it: each branch
    is checked on its own, and only a branch without a name is fixed.

    ## Why is this bad?
    CloudFormation rejects the whole template before creating anything
    (`[/Outputs/KMSKeyId/Export] 'null' values are not allowed in templates`,
    or `Template format error: Output KMSKeyId is malformed. The Name field of
    every Export member must be specified and consist only of alphanumeric
    characters, colons, or hyphens.`). Export names are unique per account and
    region, so a name built from the stack name keeps two stacks of the same
    template from clashing.

    ## Example
    ```yaml
    Outputs:
      KMSKeyId:
        Value: !Ref RDSKMSKey
        Export:
          # NO NAME
    ```

    Use instead:
    ```yaml
    Outputs:
      KMSKeyId:
        Value: !Ref RDSKMSKey
        Export:
          Name: !Sub '${AWS::StackName}-KMSKeyId'
          # NO NAME
    ```

    ## Fix safety
    The fix is safe: the template could not be deployed before, so no stack
    imports the export yet, and the name only adds a new export. A name moved
    out of a misplaced spot (a bare string `Export`) is kept as written.

    ## References
    - [Outputs section structure](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html)
    - [Get exported outputs from a deployed stack](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-exports.html)
    - cfn-lint rules E6002 (required properties of Outputs) and E6003 (types in Outputs)
    """

    code: ClassVar[str] = "CFX002"
    name: ClassVar[str] = "export-name"
    summary: ClassVar[str] = "Output Export without a Name"
    applicability: ClassVar[Applicability] = Applicability.SAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("E6002", "E6003")

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        outputs = template.section("Outputs")
        taken = self._export_names(outputs)
        for key, output in outputs.items():
            if not isinstance(output, dict) or "Export" not in output:
                continue
            path: Path = ("Outputs", key, "Export")
            export = output["Export"]
            if intrinsic_function(export) == "Fn::If":
                arg = export["Fn::If"]
                if isinstance(arg, list) and len(arg) == 3:
                    for branch in (1, 2):
                        if arg[branch] != {"Ref": "AWS::NoValue"}:
                            yield from self._check(key, (*path, "Fn::If", branch), arg[branch], taken)
                continue
            yield from self._check(key, path, export, taken)

    # --- one Export value ---------------------------------------------------------------
    def _check(self, key: str, path: Path, export: Any, taken: set[str]) -> Iterator[Finding]:
        where = f"Output `{key}`"
        if export is None or export == "" or export == {}:
            empty = "an empty mapping" if export == {} else "null"
            yield self.finding(
                path, f"{where} has an `Export` that is {empty}; an export needs a `Name`",
                [SetValue(path=path, value={"Name": self._new_name(key, taken)})],
            )
        elif isinstance(export, dict) and intrinsic_function(export) is None:
            yield from self._check_mapping(key, path, export, taken)
        elif isinstance(export, str) or intrinsic_function(export) in _STRING_FUNCTIONS:
            yield self.finding(
                path, f"{where} has its export name directly under `Export`; it belongs under `Export.Name`",
                [SetValue(path=path, value={"Name": export})],
            )
        elif isinstance(export, list):
            if len(export) == 1 and isinstance(export[0], dict) and not _missing(export[0].get("Name")):
                yield self.finding(
                    path, f"{where} has its `Export` written as a one-item list; it must be a mapping",
                    [SetValue(path=path, value=export[0])],
                )
            else:
                yield self.finding(
                    path, f"{where} has an `Export` that is a list; it must be a mapping with a `Name`",
                    no_fix_reason="which export name was meant cannot be told from the list",
                )
        else:
            yield self.finding(
                path, f"{where} has an `Export` that is not a mapping with a `Name`",
                no_fix_reason="which export name was meant cannot be told from this value",
            )

    def _check_mapping(
        self, key: str, path: Path, export: dict[str, Any], taken: set[str]
    ) -> Iterator[Finding]:
        where = f"Output `{key}`"
        if "Name" in export:
            if _missing(export["Name"]):
                yield self.finding(
                    (*path, "Name"), f"{where} has an export `Name` with no value",
                    [SetValue(path=(*path, "Name"), value=self._new_name(key, taken))],
                )
            return
        spelled = [k for k in export if k.lower() == "name" and not _missing(export[k])]
        edit: Edit
        if len(spelled) == 1:
            edit = RenameKey(path=(*path, spelled[0]), new_key="Name")
            message = f"{where} spells the export `Name` key as `{spelled[0]}`"
        else:
            edit = InsertKey(path=path, key="Name", value=self._new_name(key, taken), first=True)
            message = f"{where} has an `Export` without `Name`"
        yield self.finding(path, message, [edit])

    # --- names --------------------------------------------------------------------------
    @staticmethod
    def _export_names(outputs: dict[str, Any]) -> set[str]:
        """The export names the template already has, as Fn::Sub text."""
        names: set[str] = set()
        for output in outputs.values():
            export = output.get("Export") if isinstance(output, dict) else None
            candidates = [export]
            branches = export.get("Fn::If") if isinstance(export, dict) and len(export) == 1 else None
            if isinstance(branches, list):
                candidates = branches[1:]
            for candidate in candidates:
                name = candidate.get("Name") if isinstance(candidate, dict) else None
                text = None if _missing(name) else _as_sub(name)
                if text is not None:
                    names.add(text)
        return names

    @staticmethod
    def _new_name(key: str, taken: set[str]) -> dict[str, Any]:
        """``${AWS::StackName}-<key>``, with a suffix when another export has that name; now taken."""
        base = "${AWS::StackName}-" + key
        text, n = base, 1
        while text in taken:
            text = f"{base}-Export{n if n > 1 else ''}"
            n += 1
        taken.add(text)
        return sub(text)
