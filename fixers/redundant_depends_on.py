"""CFX103 redundant-depends-on: placeholder until its fixer lands (finds nothing)."""

from __future__ import annotations

from collections.abc import Iterator

from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Finding, Options
from cfnfix.template import Template


class RedundantDependsOn(Fixer):
    """Placeholder."""

    code = "CFX103"
    name = "redundant-depends-on"
    summary = "placeholder"
    applicability = Applicability.SAFE

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        return iter(())
