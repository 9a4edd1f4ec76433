"""The built-in fixers, one module each, found by the engine through the ``cfnfix.fixers`` entry points."""
