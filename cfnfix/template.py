"""The template model fixers read: plain data with long-form intrinsics, and line marks by path.

The same model is built from libyaml's composer (fast, for detection) and from
ruamel.yaml's composer (for editing); both give nodes with the same shape, so one
builder serves both and the findings cannot depend on which loader ran.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode as _PyScalarNode
from yaml.resolver import Resolver

from cfnfix.models import Path

Format = Literal["yaml", "json"]
T = TypeVar("T")

_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_BOOLS = {
    "yes": True, "Yes": True, "YES": True, "no": False, "No": False, "NO": False,
    "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
    "on": True, "On": True, "ON": True, "off": False, "Off": False, "OFF": False,
}
#: transforms CloudFormation itself runs, whose effect is known
KNOWN_TRANSFORMS = ("AWS::Serverless-2016-10-31", "AWS::LanguageExtensions")
#: key prefixes of tools that rewrite a template before it is deployed
PREPROCESSOR_TAGS = ("Rain::", "Fn::Rain::")
#: a Sub variable (``${Name}``, ``${Resource.Attribute}``); ``${!Literal}`` is an escape, not a variable
SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


def intrinsic_name(tag: str) -> str | None:
    """The long-form key of a short-form tag (``!Ref`` -> ``Ref``), or None for other tags."""
    if not tag.startswith("!") or tag.startswith("!!"):
        return None
    name = tag[1:]
    if name in ("Ref", "Condition"):
        return name
    return "Fn::" + name


def intrinsic_function(value: Any) -> str | None:
    """The function of a long-form intrinsic (``{"Fn::Sub": ...}`` -> ``Fn::Sub``, ``{"Ref": ...}``), else None."""
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        if key in ("Ref", "Condition") or str(key).startswith("Fn::"):
            return str(key)
    return None


def plain_scalar(value: str) -> Any:
    """A plain (unquoted) YAML scalar's value under YAML 1.1, as CloudFormation reads it."""
    resolvers = _RESOLVER.yaml_implicit_resolvers.get(value[:1], ())
    for tag, regexp in resolvers:
        if regexp.match(value):
            if tag.endswith(":bool"):
                return _BOOLS[value]
            if tag.endswith(":null"):
                return None
            node = _PyScalarNode(tag, value)
            if tag.endswith(":int"):
                return _CONSTRUCTOR.construct_yaml_int(node)
            if tag.endswith(":float"):
                return _CONSTRUCTOR.construct_yaml_float(node)
            return value  # timestamps and the like stay strings, as in CloudFormation
    if value == "":
        return None
    return value


def _scalar(node: Any) -> Any:
    # Plain scalars are resolved here under YAML 1.1 whatever the composer's own schema
    # (ruamel reads YAML 1.2), so that every loader yields the same data.
    if not node.style and node_tag(node).startswith("tag:yaml.org,2002:"):
        return plain_scalar(node.value)
    if node.style == ">":
        return node.value.replace("\a", "")  # ruamel marks the folds of a folded scalar with BEL
    return node.value


def node_tag(node: Any) -> str:
    return str(node.tag) if node.tag is not None else ""


#: deeper nesting than this is refused (real templates stay below 20 levels)
MAX_DEPTH = 100
#: the nodes YAML aliases may expand to, in all, before a template is refused
MAX_ALIAS_NODES = 100_000


class NodeError(ValueError):
    """A composed tree that is no template's: too deep, a duplicate key, an alias bomb or loop."""

    def __init__(self, message: str, line: int, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def to_data(root: Any) -> Any:
    """Plain data of a composed node, short-form intrinsics turned into their long form.

    Raises :class:`NodeError` for nesting deeper than ``MAX_DEPTH``, a key that a mapping
    holds twice, an alias inside the node it names, or aliases expanding to more than
    ``MAX_ALIAS_NODES`` nodes. Each alias is expanded into a copy of its node's data.
    """
    seen: set[int] = set()  # collection nodes built once: meeting one again is an alias
    active: set[int] = set()  # collection nodes being built: meeting one of them is a loop
    expanded = 0
    expansion: Any = None  # where the alias expansion being built was met (None: outside one)

    def build(node: Any, depth: int, origin: Any) -> Any:
        # ``origin``: the key node of a mapping value, the sequence of an item; composers give
        # an alias no node of its own, so that is where an alias is known to be
        nonlocal expanded, expansion
        tag = node_tag(node)
        kind = node.id
        if kind == "scalar":
            if expansion is not None:
                expanded += 1
            if intrinsic_name(tag) is None:
                value = _scalar(node)
            else:
                value = node.value.replace("\a", "") if node.style == ">" else node.value
        else:
            if depth >= MAX_DEPTH:
                raise NodeError(f"nesting deeper than {MAX_DEPTH} levels", _line(node), node.start_mark.column + 1)
            ident = id(node)
            outermost = False
            if ident in seen:
                if ident in active:
                    raise NodeError("recursive alias (an alias inside the node it names)", _line(origin))
                if expansion is None:
                    expansion, outermost = origin, True
            if expansion is not None:
                expanded += 1
                if expanded > MAX_ALIAS_NODES:
                    raise NodeError(f"too many alias expansions (more than {MAX_ALIAS_NODES:,} nodes)",
                                    _line(expansion))
            seen.add(ident)
            active.add(ident)
            if kind == "sequence":
                value = [build(item, depth + 1, node) for item in node.value]
            else:
                value = {}
                for key, val in node.value:
                    name = str(key.value if key.id == "scalar" else build(key, depth + 1, key))
                    if name in value:
                        raise _duplicate(node, key, name)
                    value[name] = build(val, depth + 1, key)
                    if name == "Fn::GetAtt":
                        value[name] = _split_getatt(value[name])
            active.discard(ident)
            if outermost:
                expansion = None
        function = intrinsic_name(tag)
        if function is not None:
            if function == "Fn::GetAtt":
                value = _split_getatt(value)
            return {function: value}
        return value

    return build(root, 0, root)


def outside_scalars(root: Any, text: str, indexes: Iterable[int]) -> Iterator[int]:
    """The indexes (ascending) of ``text`` that no scalar of the composed tree holds: whitespace
    between tokens, comments, indicators. A scalar's tag and anchor are not its own characters."""
    inside: list[tuple[int, int]] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if node.id == "scalar":
            start, end = node.start_mark.index, node.end_mark.index
            while start < end and text[start] in "!&":  # a tag or anchor, then separating space
                while start < end and text[start] not in " \t\r\n":
                    start += 1
                while start < end and text[start] in " \t\r\n":
                    start += 1
            inside.append((start, end))
        elif node.id == "sequence":
            stack.extend(node.value)
        else:
            stack.extend(part for pair in node.value for part in pair)
    inside.sort()
    spans = iter(inside)
    span = next(spans, None)
    for index in indexes:
        while span is not None and span[1] <= index:
            span = next(spans, None)
        if span is None or index < span[0]:
            yield index


def _duplicate(mapping: Any, key: Any, name: str) -> NodeError:
    first = next(k for k, _v in mapping.value if (k.id == "scalar" and str(k.value) == name) or k is key)
    where = f" (first at line {_line(first)})" if first is not key else ""
    return NodeError(f"duplicate key {name!r}{where}", _line(key), key.start_mark.column + 1)


def _split_getatt(value: Any) -> Any:
    if isinstance(value, str) and "." in value:
        resource, attribute = value.split(".", 1)
        return [resource, attribute]
    return value


@dataclass(frozen=True)
class Reference:
    """One place that names a parameter, resource, condition or mapping."""

    path: Path
    kind: Literal["Ref", "GetAtt", "Sub", "Condition", "If", "DependsOn", "FindInMap"]
    target: str

    @property
    def owner(self) -> str | None:
        """The logical id of the resource (or output) whose definition holds the reference, else None."""
        if len(self.path) > 1 and self.path[0] in ("Resources", "Outputs"):
            return str(self.path[1])
        return None

    @property
    def section(self) -> str:
        """The top-level section the reference is in (``Resources``, ``Outputs``, ``Conditions``, ...)."""
        return str(self.path[0]) if self.path else ""


#: the sections whose keys are logical ids, which share one namespace
LOGICAL_ID_SECTIONS = ("Parameters", "Resources", "Outputs", "Conditions", "Mappings")


class Template:
    """A parsed template: plain data, its source format, and marks by path."""

    def __init__(
        self, data: Any, root: Any, fmt: Format, filename: str = "", *, anchors: bool = True, text: str = ""
    ) -> None:
        self.data = data
        self.root = root
        self.fmt = fmt
        #: the text the template was read from ("" when built from data alone)
        self.text = text
        self.filename = filename
        self._references: list[Reference] | None = None
        self._keyed: dict[str, list[tuple[Path, dict[str, Any]]]] | None = None
        self._by_target: dict[str, list[Reference]] | None = None
        self._by_type: dict[str, list[tuple[str, dict[str, Any]]]] | None = None
        self._nodes: list[tuple[Path, Any]] | None = None
        self._may_have_aliases = anchors
        self._aliases: list[tuple[Path, Path]] | None = None
        #: the editing model's alias occurrences: id(occurrence) -> anchored node
        self.alias_of: dict[int, Any] = {}
        self._memo: dict[str, Any] = {}
        self._keys = KeyIndex()

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``'s result, computed once for this template (this version of its text): what a
        fixer derives from the whole template is not rebuilt per candidate."""
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(T, self._memo[key])

    def comment_starts(self) -> list[int]:
        """The text indexes (ascending) of the ``#`` that begin the YAML comments (none in JSON): a
        ``#`` at a line's start or after a space, outside every scalar."""
        def find() -> list[int]:
            if self.fmt != "yaml" or "#" not in self.text:
                return []
            text = self.text
            marks = [m.start() for m in re.finditer("#", text)
                     if m.start() == 0 or text[m.start() - 1] in " \t\r\n"]
            return list(outside_scalars(self.root, text, marks))

        return self.memo("comment_starts", find)

    def comments_between(self, start: int, stop: int) -> bool:
        """Whether a comment begins in the text from index ``start`` up to ``stop``."""
        starts = self.comment_starts()
        at = bisect.bisect_left(starts, start)
        return at < len(starts) and starts[at] < stop

    @property
    def aliases(self) -> list[tuple[Path, Path]]:
        """(alias path, anchored node path) for each YAML alias, in document order."""
        if self._aliases is None:
            self._aliases = _find_aliases(self.root, self.alias_of) if self._may_have_aliases else []
        return self._aliases

    # --- reading -------------------------------------------------------------------
    def section(self, name: str) -> dict[str, Any]:
        """A top-level section as a mapping (empty when missing or not a mapping)."""
        value = self.data.get(name) if isinstance(self.data, dict) else None
        return value if isinstance(value, dict) else {}

    @property
    def resources(self) -> dict[str, Any]:
        return self.section("Resources")

    @property
    def parameters(self) -> dict[str, Any]:
        return self.section("Parameters")

    @property
    def transforms(self) -> list[Any]:
        """The template's ``Transform`` as a list (empty when it has none)."""
        value = self.data.get("Transform") if isinstance(self.data, dict) else None
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def rewritten_by(self) -> str:
        """What may rewrite the template before CloudFormation reads it (so that nothing in it can
        be proven unused): a macro transform, an ``Fn::Transform``, a preprocessor's tags; else ''."""
        macros = [t for t in self.transforms if t not in KNOWN_TRANSFORMS]
        if macros:
            return f"the template's transform ({', '.join(map(str, macros))})"
        if self.nodes_with("Fn::Transform"):
            return "an `Fn::Transform` in the template"
        if self.preprocessed:
            return "a preprocessor (the template has Rain tags)"
        return ""

    def indexed_keys(self) -> list[str]:
        """The keys :meth:`nodes_with` knows nodes for."""
        return list(self._keyed_nodes())

    @property
    def preprocessed(self) -> bool:
        """Whether the template holds a preprocessor's tags (Rain's ``!Rain::Module``, ``!Rain::Embed``)."""
        return any(key.startswith(PREPROCESSOR_TAGS) for key in self._keyed_nodes())

    def get(self, path: Path, default: Any = None) -> Any:
        node = self.data
        for part in path:
            in_mapping = isinstance(node, dict) and isinstance(part, str) and part in node
            in_sequence = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            if in_mapping or in_sequence:
                node = node[part]
            else:
                return default
        return node

    def has(self, path: Path) -> bool:
        sentinel = object()
        return self.get(path, sentinel) is not sentinel

    def resources_of_type(self, *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(logical id, resource) of each resource of one of ``types``, in document order.

        The resources are indexed by type once per template, so a fixer asking for the few
        resources it cares about does not scan them all."""
        if self._by_type is None:
            self._by_type = {}
            for name, resource in self.resources.items():
                if isinstance(resource, dict) and isinstance(resource.get("Type"), str):
                    self._by_type.setdefault(resource["Type"], []).append((name, resource))
        if len(types) == 1:
            yield from self._by_type.get(types[0], ())
            return
        wanted = set(types)
        for name, resource in self.resources.items():
            if isinstance(resource, dict) and isinstance(resource.get("Type"), str) and resource["Type"] in wanted:
                yield name, resource

    @property
    def logical_ids(self) -> frozenset[str]:
        """Every logical id the template defines (parameters, resources, outputs, conditions, mappings)."""
        return self.memo("template:logical-ids", lambda: frozenset(
            str(name) for section in LOGICAL_ID_SECTIONS for name in self.section(section)))

    def walk(self, start: Path = ()) -> Iterator[tuple[Path, Any]]:
        """Every node below ``start`` (itself included), depth first, as (path, value).

        The whole template's walk is made once and shared by every fixer.
        """
        if not start:
            if self._nodes is None:
                self._nodes = list(self._walk(()))
            return iter(self._nodes)
        return self._walk(start)

    def _walk(self, start: Path) -> Iterator[tuple[Path, Any]]:
        stack: list[tuple[Path, Any]] = [(start, self.get(start))]
        while stack:
            path, value = stack.pop()
            yield path, value
            if isinstance(value, dict):
                stack.extend(((*path, k), v) for k, v in reversed(value.items()))
            elif isinstance(value, list):
                stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(value))))

    # --- references ------------------------------------------------------------------
    @property
    def references(self) -> list[Reference]:
        """Every Ref, GetAtt, Sub variable, condition use, DependsOn and FindInMap, in order."""
        if self._references is None:
            self._index()
        assert self._references is not None
        return self._references

    def references_to(self, target: str) -> list[Reference]:
        """The references naming ``target``, in document order (indexed once per template)."""
        if self._by_target is None:
            self._by_target = {}
            for reference in self.references:
                self._by_target.setdefault(reference.target, []).append(reference)
        return self._by_target.get(target, [])

    def dependencies(self) -> dict[str, dict[str, list[Reference]]]:
        """For each resource, the resources its definition refers to (``Ref``, ``Fn::GetAtt``,
        ``${}`` in ``Fn::Sub``, ``DependsOn``), each with the references that make the edge: the
        graph CloudFormation orders resources by (and refuses when it has a cycle)."""

        def build() -> dict[str, dict[str, list[Reference]]]:
            resources = self.resources
            graph: dict[str, dict[str, list[Reference]]] = {str(name): {} for name in resources}
            for reference in self.references:
                if reference.section != "Resources" or reference.kind not in ("Ref", "GetAtt", "Sub", "DependsOn"):
                    continue
                owner = reference.owner
                if owner in graph and reference.target in resources:
                    graph[owner].setdefault(reference.target, []).append(reference)
            return graph

        return self.memo("template:dependencies", build)

    def depends_on(self, logical_id: str) -> frozenset[str]:
        """Every resource ``logical_id`` depends on, directly or not (found once per template and resource)."""

        def reach() -> frozenset[str]:
            graph = self.dependencies()
            seen: set[str] = set()
            stack = list(graph.get(logical_id, {}))
            while stack:
                current = stack.pop()
                if current not in seen:
                    seen.add(current)
                    stack.extend(graph.get(current, {}))
            return frozenset(seen)

        return self.memo(f"template:depends-on:{logical_id}", reach)

    def nodes_with(self, key: str) -> list[tuple[Path, dict[str, Any]]]:
        """Every mapping (with its path, in document order) that holds ``key``, for the keys of
        intrinsic functions (``Ref``, ``Condition``, ``Fn::...``) and preprocessors' tags: found in
        the same walk as the references, once per template, so that a fixer looking for one
        function never walks the template itself."""
        return self._keyed_nodes().get(key, [])

    def calls(self, function: str) -> list[tuple[Path, dict[str, Any]]]:
        """Every call of an intrinsic ``function`` (a mapping whose one key it is), with its path, in document order."""
        return [(path, value) for path, value in self.nodes_with(function) if len(value) == 1]

    def _keyed_nodes(self) -> dict[str, list[tuple[Path, dict[str, Any]]]]:
        if self._keyed is None:
            self._index()
        assert self._keyed is not None
        return self._keyed

    def _index(self) -> None:
        keyed: dict[str, list[tuple[Path, dict[str, Any]]]] = {}
        references: list[Reference] = []
        for path, value in self.walk():
            if type(value) is not dict:
                continue
            for key in value:
                if key in ("Ref", "Condition") or key[:4] == "Fn::" or key.startswith(PREPROCESSOR_TAGS):
                    keyed.setdefault(key, []).append((path, value))
            if path:
                references.extend(self._references_at(path, value))
        self._keyed, self._references = keyed, references

    def _references_at(self, path: Path, value: dict[str, Any]) -> Iterator[Reference]:
        if len(path) == 2 and path[0] == "Resources":
            yield from self._resource_attributes(path, value)
        if len(value) != 1:
            return
        (key, arg), = value.items()
        if key == "Ref" and isinstance(arg, str):
            yield Reference(path, "Ref", arg)
        elif key == "Fn::GetAtt" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            yield Reference(path, "GetAtt", arg[0])
        elif key == "Fn::Sub":
            yield from self._sub_references(path, arg)
        elif key == "Condition" and isinstance(arg, str) and path[0] == "Conditions":
            yield Reference(path, "Condition", arg)
        elif key == "Fn::If" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            yield Reference((*path, "Fn::If", 0), "If", arg[0])
        elif key == "Fn::FindInMap" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            yield Reference(path, "FindInMap", arg[0])

    @staticmethod
    def _resource_attributes(path: Path, resource: dict[str, Any]) -> Iterator[Reference]:
        condition = resource.get("Condition")
        if isinstance(condition, str):
            yield Reference((*path, "Condition"), "Condition", condition)
        depends = resource.get("DependsOn")
        if isinstance(depends, str):
            yield Reference((*path, "DependsOn"), "DependsOn", depends)
        elif isinstance(depends, list):
            for i, item in enumerate(depends):
                if isinstance(item, str):
                    yield Reference((*path, "DependsOn", i), "DependsOn", item)

    @staticmethod
    def _sub_references(path: Path, arg: Any) -> Iterator[Reference]:
        if isinstance(arg, str):
            text, variables = arg, {}
        elif isinstance(arg, list) and arg and isinstance(arg[0], str):
            text = arg[0]
            variables = arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {}
        else:
            return
        for name in sub_variables(text):
            target = name.split(".", 1)[0]
            if name not in variables and target not in variables:
                yield Reference(path, "Sub", target)

    # --- marks -----------------------------------------------------------------------
    def node_at(self, path: Path) -> Any:
        """The composed node at ``path`` (a key's value), or None."""
        node = self.root
        for part in path:
            node = self._child(node, part)
            if node is None:
                return None
        return node

    def _child(self, node: Any, part: Any) -> Any:
        if node is not None and node.id == "mapping" and intrinsic_name(node_tag(node)) is None:
            entry = self._keys.entry(node, part)
            return entry[1] if entry is not None else None
        return child_node(node, part)

    def mark(self, path: Path) -> tuple[int, int]:
        """1-based line and column of the deepest existing node on ``path`` (its key, if any)."""
        node = self.root
        best = (1, 1)
        for part in path:
            if node is None:
                break
            entry = self._keys.entry(node, part) if node.id == "mapping" else None
            key = entry[0] if entry is not None else None
            if key is not None:
                best = (key.start_mark.line + 1, key.start_mark.column + 1)
            node = self._child(node, part)
            if node is not None and key is None:
                best = (node.start_mark.line + 1, node.start_mark.column + 1)
        return best


def _find_aliases(root: Any, alias_of: dict[int, Any]) -> list[tuple[Path, Path]]:
    # libyaml's composer returns the anchored node itself for each alias (a node met a
    # second time is an alias); the editing model marks its alias copies in ``alias_of``.
    # Depth first, in document order, so the anchor is met first.
    first_seen: dict[int, Path] = {}
    found: list[tuple[Path, Path]] = []
    stack: list[tuple[Path, Any]] = [((), root)]
    while stack:
        path, node = stack.pop()
        anchored = alias_of.get(id(node), node)
        if id(anchored) in first_seen:
            found.append((path, first_seen[id(anchored)]))
            continue
        first_seen[id(node)] = path
        base = path
        name = intrinsic_name(node_tag(node))
        if name is not None:
            base = (*path, name)
        if node.id == "mapping":
            stack.extend(((*base, str(k.value)), v) for k, v in reversed(node.value))
        elif node.id == "sequence":
            stack.extend(((*base, i), v) for i, v in reversed(list(enumerate(node.value))))
    return found


def sub_variables(text: str) -> list[str]:
    """The ``${Name}`` variables of a Fn::Sub string (``${!Literal}`` escapes excluded)."""
    return [m.group(1).strip() for m in SUB_VARIABLE.finditer(text)]


class KeyIndex:
    """Mapping lookups on a composed tree in constant time: each mapping's keys are indexed the
    first time one of them is looked up (a linear scan per lookup makes marks and splices
    quadratic in a template with thousands of resources)."""

    def __init__(self) -> None:
        self._tables: dict[int, dict[Any, tuple[Any, Any]]] = {}

    def entry(self, mapping: Any, part: Any) -> tuple[Any, Any] | None:
        """(key node, value node) of ``part`` in a mapping node, or None."""
        table = self._tables.get(id(mapping))
        if table is None:
            table = {key.value: (key, value) for key, value in mapping.value if key.id == "scalar"}
            self._tables[id(mapping)] = table
        return table.get(part)


def child_node(node: Any, part: Any) -> Any:
    """The node of one path step below ``node``: a mapping value, a sequence item, or an intrinsic."""
    if node is None:
        return None
    name = intrinsic_name(node_tag(node))
    if name is not None:
        # a short-form intrinsic node stands for {name: node}; stepping into the name stays on it
        return node if part == name else None
    if node.id == "mapping":
        found = None
        for key, value in node.value:
            if key.id == "scalar" and key.value == part:
                found = value
        return found
    if node.id == "sequence" and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]
    return None
