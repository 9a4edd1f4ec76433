"""CFX005 template-version: a template without ``AWSTemplateFormatVersion``, or with a wrong one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Finding, InsertKey, Options, SetValue
from cfnfix.template import Template

FORMAT_VERSION = "2010-09-09"
_KEY = "AWSTemplateFormatVersion"


class TemplateVersion(Fixer):
    """## What it does
    Finds a template (a top-level mapping with `Resources`) that has no
    `AWSTemplateFormatVersion`, and adds `AWSTemplateFormatVersion: '2010-09-09'` as its
    first key, after any leading comments. It also finds a version other than
    `2010-09-09` (often `2012-10-17`, the IAM policy language version) and sets it to
    `2010-09-09`.

    In YAML the new value is quoted, as it would otherwise read as a date; an existing
    unquoted `AWSTemplateFormatVersion: 2010-09-09` is not reported, since
    CloudFormation and cfn-lint both accept it as the version.

    ## Why is this bad?
    `2010-09-09` is the only template format version. Without the declaration,
    CloudFormation assumes it, but many review tools and pipelines reject a template
    that does not state it, and a reader cannot tell a template from any other YAML or
    JSON file. Any other value is an error: CloudFormation rejects the template and
    cfn-lint reports E1001.

    ## Example
    ```yaml
    Description: Database stack
    Resources:
      Topic:
        Type: AWS::SNS::Topic
    ```

    Use instead:
    ```yaml
    AWSTemplateFormatVersion: '2010-09-09'
    Description: Database stack
    Resources:
      Topic:
        Type: AWS::SNS::Topic
    ```

    ## Fix safety
    The fix is safe: `2010-09-09` is what CloudFormation assumes when the key is
    missing, and the only value it accepts when the key is present, so no deployment
    changes.

    ## References
    - [Format version](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/format-version-structure.html)
    - [Template anatomy](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html)
    """

    code: ClassVar[str] = "CFX005"
    name: ClassVar[str] = "template-version"
    summary: ClassVar[str] = "Template lacks AWSTemplateFormatVersion '2010-09-09'"
    applicability: ClassVar[Applicability] = Applicability.SAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ()

    def find(self, template: Template, options: Options) -> Iterable[Finding]:
        data = template.data
        if not isinstance(data, dict) or "Resources" not in data:
            return
        if _KEY not in data:
            yield self.finding(
                (),
                f"Template has no {_KEY}",
                [InsertKey(path=(), key=_KEY, value=FORMAT_VERSION, first=True)],
                note=f"adds {_KEY}: '{FORMAT_VERSION}' as the first key",
            )
        elif data[_KEY] != FORMAT_VERSION:
            value = data[_KEY]
            shown = "empty" if value is None or value == "" else repr(value)
            yield self.finding(
                (_KEY,),
                f"{_KEY} is {shown}; the only format version is '{FORMAT_VERSION}'",
                [SetValue(path=(_KEY,), value=FORMAT_VERSION)],
                note=f"sets {_KEY} to '{FORMAT_VERSION}'",
            )
