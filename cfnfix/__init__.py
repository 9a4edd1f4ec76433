"""cfnfix: find known defects in CloudFormation templates and fix them, keeping every other byte.

The library is :func:`cfnfix.fix` (text in; fixed text, diff and findings out) and
:func:`cfnfix.check`. Names are imported on first use so that the CLI starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cfnfix.api import check, fix, options_for
    from cfnfix.config import ConfigError
    from cfnfix.loader import TemplateError
    from cfnfix.models import Applicability, Finding, FixResult, Options

__all__ = ["Applicability", "ConfigError", "Finding", "FixResult", "Options", "TemplateError", "check", "fix",
           "options_for"]

_HOMES = {
    "fix": "cfnfix.api", "check": "cfnfix.api", "options_for": "cfnfix.api", "ConfigError": "cfnfix.config",
    "TemplateError": "cfnfix.loader",
    "Applicability": "cfnfix.models", "Finding": "cfnfix.models", "FixResult": "cfnfix.models",
    "Options": "cfnfix.models",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'cfnfix' has no attribute {name!r}")
