"""CFX105 retention-policy-pair: placeholder until its fixer lands (finds nothing)."""

from __future__ import annotations

from collections.abc import Iterator

from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Finding, Options
from cfnfix.template import Template


class RetentionPolicyPair(Fixer):
    """Placeholder."""

    code = "CFX105"
    name = "retention-policy-pair"
    summary = "placeholder"
    applicability = Applicability.SAFE

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        return iter(())
