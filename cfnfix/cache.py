"""Results of earlier runs, so that an unchanged template is not processed again (as ruff's cache).

An entry is keyed by the file's path and content, cfnfix's version, the installed fixers and
their packages' versions, cfn-lint's version (its data), the file's resolved options and
whether it was fixed or only checked: any change to one of them misses. Entries are JSON
(never pickle: a cache directory committed to a repository must not be able to run code),
written through a temporary file and a rename; an entry that cannot be read is ignored and
written again.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

CACHE_DIR = ".cfnfix_cache"


@cache
def _environment() -> str:
    """What every key depends on besides the file: versions of cfnfix, its fixers and cfn-lint."""
    from importlib.metadata import PackageNotFoundError, version

    from cfnfix.registry import all_fixers, distribution

    def of(package: str) -> str:
        try:
            return version(package)
        except PackageNotFoundError:
            return ""

    # each fixer with the distribution (name and version) that installed it
    fixers = sorted((f.code, type(f).__module__, type(f).__qualname__, distribution(f.code)) for f in all_fixers())
    from cfnfix.cfnlint_data import schema_source

    return json.dumps({"cfnfix": of("cfnfix"), "cfn-lint": of("cfn-lint"), "schemas": schema_source(),
                       "fixers": fixers}, sort_keys=True)


def project_root(start: str = ".") -> Path | None:
    """The closest directory at or above ``start`` holding ``.git`` or a configuration file, or None
    (outside a project nothing is cached unless ``--cache-dir`` says where)."""
    from cfnfix.config import CONFIG_NAMES

    here = Path(os.path.abspath(start))
    for directory in (here, *here.parents):
        if (directory / ".git").exists() or any((directory / name).is_file() for name in CONFIG_NAMES):
            return directory
    return None


_OPTIONS_FORMS: dict[int, tuple[Any, str, dict[str, Any]]] = {}


def _options_forms(options: Any) -> tuple[Any, str, dict[str, Any]]:
    """(``options``, as JSON text, as JSON data), once per options object (a run shares a few among
    many templates)."""
    known = _OPTIONS_FORMS.get(id(options))
    if known is None or known[0] is not options:
        known = _OPTIONS_FORMS[id(options)] = (options, options.model_dump_json(), options.model_dump(mode="json"))
    return known


def stored_options(options: Any) -> dict[str, Any]:
    """``options`` as an entry stores them (JSON data)."""
    return _options_forms(options)[2]


class Cache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._where = str(directory)

    def key(self, path: str, data: bytes, options: Any, fix: bool) -> str:
        digest = hashlib.sha256()
        # the path as given too: findings and diffs name the file so, and `./t.yaml` is not `t.yaml`
        for part in (_environment(), os.path.abspath(path), path, _options_forms(options)[1], str(fix)):
            digest.update(part.encode("utf-8", "surrogateescape"))
            digest.update(b"\0")
        digest.update(hashlib.sha256(data).digest())
        return digest.hexdigest()

    def _file(self, key: str) -> str:
        return os.path.join(self._where, key[:2], f"{key}.json")

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            with open(self._file(key), "rb") as stream:
                entry = json.loads(stream.read())
        except (OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) and entry.get("key") == key else None

    def put(self, key: str, entry: dict[str, Any]) -> None:
        from cfnfix.discover import write_new

        target = self._file(key)
        try:
            if not self.directory.exists():
                self.directory.mkdir(parents=True, exist_ok=True)
                (self.directory / ".gitignore").write_text("# written by cfnfix\n*\n", encoding="utf-8")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            write_new(target, json.dumps({**entry, "key": key}).encode("utf-8"))
        except OSError:
            pass  # a cache that cannot be written only costs time
