"""CFX111 enum-case: placeholder until its fixer lands (finds nothing)."""

from __future__ import annotations

from collections.abc import Iterator

from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Finding, Options
from cfnfix.template import Template


class EnumCase(Fixer):
    """Placeholder."""

    code = "CFX111"
    name = "enum-case"
    summary = "placeholder"
    applicability = Applicability.SAFE

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        return iter(())
