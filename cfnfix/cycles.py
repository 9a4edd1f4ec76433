"""Cycles in directed graphs: strongly connected components, shortest cycles, and the fewest
removable items that break every cycle of a component.

A graph is a mapping from each node to its successors (a successor that is not a key of the
mapping is ignored). Everything here is iterative, so that a template with thousands of
resources cannot exhaust Python's recursion limit, and the components are found in time
linear in the size of the graph.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

Node = TypeVar("Node", bound=Hashable)
Item = TypeVar("Item", bound=Hashable)

#: the edges the exact search may visit (in its cycle searches) before it gives way to the greedy one:
#: a few tenths of a second at most, far more than a component of a dozen groups needs
EXACT_SEARCH_EDGES = 200_000


def strongly_connected_components(graph: Mapping[Node, Collection[Node]]) -> list[list[Node]]:
    """The strongly connected components of ``graph`` (Tarjan's algorithm, without recursion).

    Components come in reverse topological order (a component before those that reach it); the
    nodes of each are in the order of ``graph``'s keys.
    """
    order = {node: position for position, node in enumerate(graph)}
    index: dict[Node, int] = {}
    low: dict[Node, int] = {}
    stack: list[Node] = []
    on_stack: set[Node] = set()
    components: list[list[Node]] = []
    for root in graph:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work: list[tuple[Node, Iterator[Node]]] = [(root, iter(graph[root]))]
        while work:
            node, successors = work[-1]
            descended = False
            for successor in successors:
                if successor not in order:
                    continue
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(graph[successor])))
                    descended = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if descended:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[Node] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component, key=order.__getitem__))
    return components


def cyclic_components(graph: Mapping[Node, Collection[Node]]) -> list[list[Node]]:
    """The components of ``graph`` that hold a cycle: two nodes or more, or one with an edge to itself;
    in the order of their first node in ``graph``."""
    found = []
    for component in strongly_connected_components(graph):
        if len(component) > 1 or component[0] in graph[component[0]]:
            found.append(component)
    order = {node: position for position, node in enumerate(graph)}
    return sorted(found, key=lambda component: order[component[0]])


def find_cycle(graph: Mapping[Node, Collection[Node]]) -> list[Node] | None:
    """A cycle of ``graph`` as its nodes ``[a, b, ..., z]`` (edges a->b, ..., z->a), or None; linear time."""
    state: dict[Node, int] = {}  # 1: on the current path, 2: done
    for root in graph:
        if root in state:
            continue
        path: list[Node] = [root]
        state[root] = 1
        work: list[Iterator[Node]] = [iter(graph[root])]
        while work:
            for successor in work[-1]:
                if successor not in graph:
                    continue
                seen = state.get(successor)
                if seen == 1:
                    return path[path.index(successor):]
                if seen is None:
                    state[successor] = 1
                    path.append(successor)
                    work.append(iter(graph[successor]))
                    break
            else:
                work.pop()
                state[path.pop()] = 2
    return None


def shortest_cycle(graph: Mapping[Node, Collection[Node]], budget: list[int] | None = None) -> list[Node] | None:
    """A shortest cycle of ``graph`` as its nodes (edges a->b, ..., z->a), or None.

    A breadth-first search from each node: O(V * (V + E)). ``budget``, when given, holds the
    number of edges the search may still visit; each visit takes one off, and the search stops
    with :class:`SearchExhausted` when none is left.
    """
    best: list[Node] | None = None
    for start in graph:
        parent: dict[Node, Node] = {}
        queue = deque([start])
        seen = {start}
        last: list[Node] = []  # the node whose edge closes the cycle, once found
        while queue and not last:
            node = queue.popleft()
            for successor in graph[node]:
                if budget is not None:
                    budget[0] -= 1
                    if budget[0] < 0:
                        raise SearchExhausted
                if successor == start:
                    last.append(node)
                    break
                if successor in graph and successor not in seen:
                    seen.add(successor)
                    parent[successor] = node
                    queue.append(successor)
        if not last:
            continue
        cycle = last
        while cycle[-1] != start:
            cycle.append(parent[cycle[-1]])
        cycle.reverse()
        if best is None or len(cycle) < len(best):
            best = cycle
            if len(cycle) == 1:
                break
    return best


class SearchExhausted(Exception):
    """The exact search used up its budget."""


def cycle_edges(cycle: list[Node]) -> list[tuple[Node, Node]]:
    """The edges of a cycle given as its nodes."""
    return [(node, cycle[(i + 1) % len(cycle)]) for i, node in enumerate(cycle)]


@dataclass(frozen=True)
class FeedbackSet(Generic[Item]):
    """Items whose removal leaves a graph without cycles; ``exact`` when no smaller set exists."""

    items: frozenset[Item]
    exact: bool


#: an edge's removable items: the edge goes when all of them are removed; None: it cannot go
EdgeItems = frozenset[Item] | None


def _remaining(edges: Mapping[Node, Mapping[Node, EdgeItems[Item]]],
               removed: frozenset[Item]) -> dict[Node, list[Node]]:
    return {
        node: [target for target, items in targets.items() if items is None or not items <= removed]
        for node, targets in edges.items()
    }


def fixed_cycle(edges: Mapping[Node, Mapping[Node, EdgeItems[Item]]]) -> list[Node] | None:
    """A shortest cycle made only of edges no removal can take away, or None."""
    fixed = {node: [target for target, items in targets.items() if items is None] for node, targets in edges.items()}
    return shortest_cycle(fixed)


def minimum_feedback_set(
    edges: Mapping[Node, Mapping[Node, EdgeItems[Item]]],
    *,
    allowed: Callable[[frozenset[Item]], bool] = lambda items: True,
    preference: Callable[[frozenset[Item]], Any] = lambda items: 0,
    search_edges: int = EXACT_SEARCH_EDGES,
) -> FeedbackSet[Item] | None:
    """The fewest items whose removal breaks every cycle of ``edges`` (``edges[a][b]``: the items
    that take the edge a->b away together, or None when nothing can), among the sets ``allowed``
    accepts (it must accept every subset of a set it accepts); among sets of that size, the one
    ``preference`` ranks lowest. None when no accepted set breaks every cycle.

    The search branches on the edges of a shortest remaining cycle (every answer takes one of
    them away), deepening the number of items one at a time, so the first size that works is the
    minimum and every set of that size is seen. When it has visited ``search_edges`` edges, a
    greedy search takes over: it takes away, cycle after cycle, the cheapest edge, then puts back
    every item the result does not need. Its answer breaks every cycle but may not be the smallest
    (``exact`` is False).
    """
    if fixed_cycle(edges) is not None:
        return None
    everything = frozenset(item for targets in edges.values() for items in targets.values() if items for item in items)
    budget = [search_edges]
    try:
        for size in range(len(everything) + 1):
            found = _search(edges, size, allowed, budget)
            if found:
                return FeedbackSet(min(found, key=lambda items: (preference(items), sorted(map(repr, items)))), True)
        return None
    except SearchExhausted:
        pass
    greedy = _greedy(edges, allowed, preference)
    return FeedbackSet(greedy, False) if greedy is not None else None


def _search(edges: Mapping[Node, Mapping[Node, EdgeItems[Item]]], size: int,
            allowed: Callable[[frozenset[Item]], bool], budget: list[int]) -> set[frozenset[Item]]:
    """Every accepted set of at most ``size`` items that breaks all cycles and that branching finds."""
    found: set[frozenset[Item]] = set()
    start: frozenset[Item] = frozenset()
    seen = {start}
    stack = [start]
    while stack:
        removed = stack.pop()
        cycle = shortest_cycle(_remaining(edges, removed), budget)
        if cycle is None:
            found.add(removed)
            continue
        for source, target in cycle_edges(cycle):
            items = edges[source][target]
            if items is None:
                continue
            bigger = removed | items
            if len(bigger) > size or bigger in seen or not allowed(bigger):
                continue
            seen.add(bigger)
            stack.append(bigger)
    return found


def _greedy(edges: Mapping[Node, Mapping[Node, EdgeItems[Item]]], allowed: Callable[[frozenset[Item]], bool],
            preference: Callable[[frozenset[Item]], Any]) -> frozenset[Item] | None:
    """Take away every edge from a node to itself, then, cycle after cycle, the edge that costs the
    fewest items (then the one ``preference`` ranks first); when that runs into sets ``allowed``
    refuses, once more ranking by ``preference`` first. Then put back every item the result does not
    need."""
    for rank in (lambda items: (len(items), preference(items)), lambda items: (preference(items), len(items))):
        removed = _greedy_pass(edges, allowed, rank)
        if removed is not None:
            break
    else:
        return None
    # put back first the items the preference would least like removed
    for item in sorted(removed, key=lambda one: (preference(frozenset({one})), repr(one)), reverse=True):
        smaller = removed - {item}
        if find_cycle(_remaining(edges, smaller)) is None:
            removed = smaller
    return removed


def _greedy_pass(edges: Mapping[Node, Mapping[Node, EdgeItems[Item]]], allowed: Callable[[frozenset[Item]], bool],
                 rank: Callable[[frozenset[Item]], Any]) -> frozenset[Item] | None:
    removed: frozenset[Item] = frozenset()
    for node, targets in edges.items():  # an edge to itself is one every answer takes away
        items = targets.get(node)
        if items is not None and node in targets:
            if not allowed(removed | items):
                return None
            removed |= items
    while (cycle := find_cycle(_remaining(edges, removed))) is not None:
        choices = []
        for source, target in cycle_edges(cycle):
            items = edges[source][target]
            if items is not None and allowed(removed | items):
                choices.append(removed | items)
        if not choices:
            return None
        removed = min(choices, key=lambda items: (rank(items), sorted(map(repr, items))))
    return removed
