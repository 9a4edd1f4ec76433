"""Settings from configuration files, cfn-lint's ``.cfnlintrc`` and the command line, resolved
into the :class:`~cfnfix.models.Options` of each template.

A template's settings come from the closest configuration file above it, as in ruff:
``.cfnfix.toml``, ``cfnfix.toml``, or ``pyproject.toml`` with a ``[tool.cfnfix]`` table (in
that order of preference within one directory); ``extend = "../.cfnfix.toml"`` inherits
another file's settings, which this one's override. Command-line options override files;
``--config FILE`` puts one file in place of the search, ``--isolated`` ignores every file.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cfnfix.models import Options

CFNLINTRC_NAMES = (".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.yml")
CONFIG_NAMES = (".cfnfix.toml", "cfnfix.toml", "pyproject.toml")
DEFAULT_REGIONS = ("us-east-1",)
#: directories no walk enters unless ``exclude`` says otherwise (gitignore-style patterns)
DEFAULT_EXCLUDE = (".git/", "node_modules/", "cdk.out/", ".*/")


class ConfigError(ValueError):
    """A configuration that cannot be used; ``str()`` is the one line to show (``FILE: KEY: problem``)."""


def split_list(value: str | None) -> tuple[str, ...]:
    """``"a, b,c"`` -> ``("a", "b", "c")``."""
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


def shown_path(path: Path) -> str:
    """A configuration file's path as messages show it: relative to the working directory when below it."""
    from cfnfix.names import shown

    relative = os.path.relpath(path)
    return shown(path.as_posix() if relative.startswith("..") else relative)


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class SettingsModel(BaseModel):
    """Base of the settings tables: kebab-case keys, unknown keys refused."""

    model_config = ConfigDict(alias_generator=_kebab, populate_by_name=True, extra="forbid", frozen=True,
                              defer_build=True)


class FileSettings(SettingsModel):
    """The keys of one configuration file (``[tool.cfnfix]`` in ``pyproject.toml``)."""

    extend: str | None = None
    select: list[str] | None = None
    extend_select: list[str] = Field(default_factory=list)
    ignore: list[str] | None = None
    unsafe_fixes: bool | None = None
    profile: str | None = None
    extend_safe_fixes: list[str] = Field(default_factory=list)
    extend_unsafe_fixes: list[str] = Field(default_factory=list)
    regions: list[str] | None = None
    exclude: list[str] | None = None
    extend_exclude: list[str] = Field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = Field(default_factory=dict)
    max_size: int | str | None = None
    warn_unused_ignores: bool | None = None
    fixers: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("regions", "select", "ignore", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


@dataclass(frozen=True)
class Layer:
    """One configuration file's settings, with where they came from."""

    path: Path
    key_prefix: str  # "tool.cfnfix." in pyproject.toml, "" elsewhere
    settings: FileSettings


@dataclass(frozen=True)
class Configuration:
    """A file's settings merged over those it extends (``layers``: the most basic first)."""

    layers: tuple[Layer, ...] = ()

    @property
    def path(self) -> Path | None:
        return self.layers[-1].path if self.layers else None

    @property
    def directory(self) -> Path | None:
        return self.layers[-1].path.parent if self.layers else None

    def value(self, key: str) -> Any:
        """The nearest layer's value of a key that replaces (``select``, ``regions``, ...)."""
        for layer in reversed(self.layers):
            if key in layer.settings.model_fields_set:
                return getattr(layer.settings, key)
        return None

    def extended(self, key: str) -> list[Any]:
        """Every layer's items of an ``extend-*`` key, the most basic first."""
        return [item for layer in self.layers for item in getattr(layer.settings, key)]

    def patterns(self, root: Path) -> list[tuple[Path, list[str]]]:
        """(base directory, gitignore-style patterns) of the excludes: a file's patterns are
        relative to its directory; the default ones to the directory walked (``root``)."""
        base: tuple[Path, list[str]] | None = None
        found: list[tuple[Path, list[str]]] = []
        for layer in self.layers:
            if "exclude" in layer.settings.model_fields_set:
                base = (layer.path.parent, list(layer.settings.exclude or []))
                found = []
            if layer.settings.extend_exclude:
                found.append((layer.path.parent, list(layer.settings.extend_exclude)))
        return [base or (root, list(DEFAULT_EXCLUDE)), *found]

    def per_file_ignores(self) -> list[tuple[Path, str, list[str]]]:
        """(base directory, pattern, codes); a nearer file's entry for a pattern replaces a farther one's."""
        entries: dict[str, tuple[Path, str, list[str]]] = {}
        for layer in self.layers:
            for pattern, codes in layer.settings.per_file_ignores.items():
                entries[pattern] = (layer.path.parent, pattern, codes)
        return list(entries.values())

    def fixer_settings(self) -> dict[str, dict[str, Any]]:
        merged: dict[str, dict[str, Any]] = {}
        for layer in self.layers:
            for code, table in layer.settings.fixers.items():
                merged.setdefault(code, {}).update(table)
        return merged


#: the configuration of a template no configuration file applies to
NO_CONFIGURATION = Configuration()


# --- reading configuration files -------------------------------------------------------------------


def _toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    try:
        with open(path, "rb") as stream:
            return tomllib.load(stream)
    except OSError as exc:
        raise ConfigError(f"{shown_path(path)}: cannot read: {(exc.strerror or str(exc)).lower()}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown_path(path)}: invalid TOML: {exc}") from None


def _table(path: Path) -> tuple[dict[str, Any], str] | None:
    """The cfnfix table of a configuration file and its key prefix, or None (a pyproject.toml without one)."""
    data = _toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        table = tool.get("cfnfix") if isinstance(tool, dict) else None
        if table is None:
            return None
        if not isinstance(table, dict):
            raise ConfigError(f"{shown_path(path)}: tool.cfnfix: must be a table")
        return table, "tool.cfnfix."
    return data, ""


def _problems(path: Path, prefix: str, error: ValidationError, model: type[BaseModel]) -> ConfigError:
    lines = []
    known = {field.alias or name for name, field in model.model_fields.items()}
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"])
        if problem["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(problem["loc"][-1]), sorted(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close and len(problem["loc"]) == 1 else ""
            lines.append(f"{shown_path(path)}: {prefix}{where}: unknown key{hint}")
        else:
            lines.append(f"{shown_path(path)}: {prefix}{where}: {problem['msg']}")
    return ConfigError("\n".join(lines))


def _check_codes(layer: Layer) -> None:
    """Every code or name the file gives must name an installed fixer; fixer tables must validate."""
    from cfnfix.registry import UnknownFixerError, UnknownProfileError, all_fixers, check_profile, matching

    settings, where = layer.settings, f"{shown_path(layer.path)}: {layer.key_prefix}"
    try:
        check_profile(settings.profile or "")
    except UnknownProfileError as exc:
        raise ConfigError(f"{where}profile: {exc}") from None
    lists: list[tuple[str, Iterable[str]]] = [
        (_kebab(key), getattr(settings, key) or ())
        for key in ("select", "extend_select", "ignore", "extend_safe_fixes", "extend_unsafe_fixes")
    ]
    lists += [(f"per-file-ignores.{pattern!r}", codes) for pattern, codes in settings.per_file_ignores.items()]
    for key, tokens in lists:
        for token in tokens:
            try:
                matching(token)
            except UnknownFixerError as exc:
                raise ConfigError(f"{where}{key}: {exc}") from None
    by_code = {fixer.code: fixer for fixer in all_fixers()}
    for code, table in settings.fixers.items():
        fixer = by_code.get(code)
        if fixer is None:
            close = difflib.get_close_matches(code, sorted(by_code), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(f"{where}fixers.{code}: unknown fixer code{hint}")
        model = fixer.settings_model
        if model is None:
            raise ConfigError(f"{where}fixers.{code}: {code} has no settings")
        try:
            model.model_validate(table)
        except ValidationError as error:
            raise _problems(layer.path, f"{layer.key_prefix}fixers.{code}.", error, model) from None


def _layer(path: Path) -> Layer | None:
    found = _table(path)
    if found is None:
        return None
    table, prefix = found
    try:
        layer = Layer(path, prefix, FileSettings.model_validate(table))
    except ValidationError as error:
        raise _problems(path, prefix, error, FileSettings) from None
    _check_codes(layer)
    return layer


@cache
def load_configuration(path: Path) -> Configuration:
    """A configuration file with the files it extends (a loop of ``extend`` is an error)."""
    layers: list[Layer] = []
    seen: list[Path] = []
    current: Path | None = path.resolve()
    while current is not None:
        if current in seen:
            raise ConfigError(f"{shown_path(seen[-1])}: extend: {shown_path(current)} is already extended (a loop)")
        seen.append(current)
        if not current.is_file():
            source = f"{shown_path(seen[-2])}: extend" if len(seen) > 1 else shown_path(current)
            raise ConfigError(f"{source}: no such file: {shown_path(current)}")
        layer = _layer(current)
        if layer is None:
            raise ConfigError(f"{shown_path(current)}: has no [tool.cfnfix] table")
        layers.insert(0, layer)
        extend = layer.settings.extend
        current = (current.parent / os.path.expanduser(extend)).resolve() if extend else None
    return Configuration(tuple(layers))


@cache
def discover(directory: Path) -> Configuration:
    """The configuration of templates in ``directory``: the closest configuration file at or above it."""
    for name in CONFIG_NAMES:
        candidate = directory / name
        if candidate.is_file() and (name != "pyproject.toml" or _table(candidate) is not None):
            return load_configuration(candidate)
    parent = directory.parent
    return NO_CONFIGURATION if parent == directory else discover(parent)


# --- cfn-lint's configuration -------------------------------------------------------------------------


def cfnlintrc_regions(directory: Path | None = None) -> tuple[str, ...] | None:
    """The ``regions`` of the first ``.cfnlintrc`` in ``directory`` (default: the working directory)."""
    base = directory or Path.cwd()
    for name in CFNLINTRC_NAMES:
        path = base / name
        if not path.is_file():
            continue
        try:
            config = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, yaml.YAMLError):  # UnicodeDecodeError is a ValueError
            return None
        return _regions_of(config)
    return None


def _regions_of(config: Any) -> tuple[str, ...] | None:
    regions = config.get("regions") if isinstance(config, dict) else None
    if isinstance(regions, str):
        regions = [regions]
    if isinstance(regions, list) and regions:
        return expand_regions(tuple(str(r) for r in regions))
    return None


def template_regions(data: Any) -> tuple[str, ...] | None:
    """A template's own ``Metadata: cfn-lint: config: regions``."""
    metadata = data.get("Metadata") if isinstance(data, dict) else None
    cfn_lint = metadata.get("cfn-lint") if isinstance(metadata, dict) else None
    return _regions_of(cfn_lint.get("config") if isinstance(cfn_lint, dict) else None)


def expand_regions(regions: tuple[str, ...]) -> tuple[str, ...]:
    """cfn-lint's ``ALL_REGIONS`` stands for every region it knows."""
    if "ALL_REGIONS" in regions:
        from cfnfix.cfnlint_data import regions as all_regions

        return tuple(all_regions())
    return regions


# --- resolution --------------------------------------------------------------------------------------


@dataclass
class Overrides:
    """What the command line (or a library caller) set; None: not set, the files decide."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    unsafe_fixes: bool | None = None
    profile: str | None = None
    regions: tuple[str, ...] | None = None
    max_size: int | None = None
    verify: bool = False
    warn_unused_ignores: bool | None = None


@dataclass
class Resolver:
    """Resolves each template's options: the one path the CLI, the library and the bot share."""

    overrides: Overrides = field(default_factory=Overrides)
    config: Path | None = None  # --config: this file for every template
    isolated: bool = False  # --isolated: no configuration file at all
    #: what a run has resolved already: each directory's configuration, each distinct set of options
    _by_directory: dict[str, Configuration] = field(default_factory=dict, repr=False, compare=False)
    _options: dict[tuple[int, tuple[str, ...]], Options] = field(default_factory=dict, repr=False, compare=False)
    #: each (directory, walked root)'s exclude matchers: (base directory, compiled patterns)
    _excludes: dict[tuple[str, str], list[tuple[str, Any]]] = field(default_factory=dict, repr=False, compare=False)

    def configuration(self, path: str) -> Configuration:
        absolute = os.path.abspath(path)
        return self.directory_configuration(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))

    def directory_configuration(self, directory: str) -> Configuration:
        """The configuration of the templates in ``directory`` (an absolute path)."""
        if self.isolated:
            return NO_CONFIGURATION
        if self.config is not None:
            return load_configuration(self.config)
        found = self._by_directory.get(directory)
        if found is None:
            found = self._by_directory[directory] = discover(Path(directory))
        return found

    def options(self, path: str) -> Options:
        """The options of the template at ``path``."""
        return self.options_of(path, self.configuration(path))

    def options_of(self, path: str, configuration: Configuration) -> Options:
        """The options of the template at ``path`` under ``configuration`` (one object for every
        template with the same settings: resolving them again would give an equal one)."""
        absolute = os.path.abspath(path)
        extra: list[str] = []
        for base, pattern, codes in configuration.per_file_ignores():
            if _matches(os.path.abspath(base), _spec((pattern,)), absolute, is_dir=False):
                extra += codes
        key = (id(configuration), tuple(extra))
        options = self._options.get(key)
        if options is None:
            options = self._options[key] = self._resolve(configuration, extra)
        return options

    def _resolve(self, configuration: Configuration, per_file_ignores: list[str]) -> Options:
        given, value = self.overrides, configuration.value
        ignore = list(given.ignore if given.ignore is not None else value("ignore") or ())
        ignore += per_file_ignores
        regions = given.regions or (tuple(value("regions")) if value("regions") else None)
        regions = expand_regions(regions) if regions else cfnlintrc_regions() or ()
        max_size = given.max_size or value("max_size")
        settings: dict[str, Any] = {
            "select": tuple(given.select if given.select is not None else value("select") or ()),
            "extend_select": tuple(given.extend_select or ()) + tuple(configuration.extended("extend_select")),
            "ignore": tuple(ignore),
            "unsafe_fixes": given.unsafe_fixes if given.unsafe_fixes is not None else bool(value("unsafe_fixes")),
            "profile": given.profile if given.profile is not None else value("profile") or "",
            "extend_safe_fixes": tuple(configuration.extended("extend_safe_fixes")),
            "extend_unsafe_fixes": tuple(configuration.extended("extend_unsafe_fixes")),
            "regions": regions,
            "verify": given.verify,
            "warn_unused_ignores": given.warn_unused_ignores if given.warn_unused_ignores is not None
            else bool(value("warn_unused_ignores")),
            "fixer_settings": configuration.fixer_settings(),
        }
        if max_size is not None:
            settings["max_size"] = _size(max_size, configuration)
        return Options(**settings)

    def excluded(self, path: str, root: str, *, is_dir: bool) -> bool:
        """Whether a walk of ``root`` skips ``path`` (a file or directory below it)."""
        absolute = os.path.abspath(path)
        directory = os.path.dirname(absolute)
        matchers = self._excludes.get((directory, root))
        if matchers is None:
            patterns = self.directory_configuration(directory).patterns(Path(os.path.abspath(root)))
            matchers = [(os.path.abspath(base), _spec(tuple(globs))) for base, globs in patterns]
            self._excludes[directory, root] = matchers
        return any(_matches(base, spec, absolute, is_dir=is_dir) for base, spec in matchers)


def _size(value: int | str, configuration: Configuration) -> int:
    if isinstance(value, int):
        return value
    from cfnfix.discover import parse_size

    try:
        return parse_size(value)
    except ValueError as exc:
        where = shown_path(configuration.path) if configuration.path else "configuration"
        raise ConfigError(f"{where}: max-size: {exc}") from None


@lru_cache(maxsize=1024)
def _spec(patterns: tuple[str, ...]) -> Any:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _matches(base: str, spec: Any, absolute: str, *, is_dir: bool) -> bool:
    """Whether ``spec`` matches ``absolute`` (a normalized absolute path) relative to ``base``; a path
    outside ``base`` never matches."""
    if absolute == base:
        relative = "."
    else:
        prefix = base if base.endswith(os.sep) else base + os.sep
        if not absolute.startswith(prefix):
            return False
        relative = absolute[len(prefix):]
    relative = relative.replace(os.sep, "/") + ("/" if is_dir else "")
    return bool(spec.match_file(relative))



def describe(resolver: Resolver, path: str) -> str:
    """The resolved settings for ``path``, as TOML, preceded by the files they come from."""
    import json

    configuration = resolver.configuration(path)
    options = resolver.options(path)
    lines = [f"# settings for {path}"]
    if resolver.isolated:
        lines.append("# configuration files: none (--isolated)")
    for layer in configuration.layers:
        lines.append(f"# from {shown_path(layer.path)}" + (" [tool.cfnfix]" if layer.key_prefix else ""))
    if not configuration.layers and not resolver.isolated:
        lines.append("# configuration files: none found")
    if not options.regions:
        lines.append("# regions: unset; each template's Metadata: cfn-lint: config: regions, else us-east-1")

    def toml(value: Any) -> str:
        return json.dumps(list(value) if isinstance(value, tuple) else value)

    for key in ("select", "extend_select", "ignore", "unsafe_fixes", "profile", "extend_safe_fixes",
                "extend_unsafe_fixes", "regions", "max_size", "warn_unused_ignores"):
        lines.append(f"{_kebab(key)} = {toml(getattr(options, key))}")
    walked = Path("<the directory walked>")
    for base, patterns in configuration.patterns(walked):
        lines.append(f"exclude = {toml(patterns)}  # relative to {base if base == walked else shown_path(base)}")
    for base, pattern, codes in configuration.per_file_ignores():
        lines.append(f"per-file-ignores.{toml(pattern)} = {toml(codes)}  # relative to {shown_path(base)}")
    from cfnfix.registry import all_fixers

    for fixer in all_fixers():
        if fixer.settings_model is not None:
            settings = fixer.settings(options, fixer.settings_model).model_dump(by_alias=True)
            lines.append(f"\n[fixers.{fixer.code}]  # {fixer.name}")
            lines.extend(f"{key} = {toml(value)}" for key, value in settings.items())
    return "\n".join(lines) + "\n"
