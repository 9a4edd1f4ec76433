"""Unit tests of cfnfix.cycles: components, cycles, and the fewest items that break every cycle."""

from __future__ import annotations

import itertools
import random

from cfnfix import cycles
from tests.fixer_helpers import calls


def test_components_in_reverse_topological_order_and_graph_order() -> None:
    graph = {"e": ["a"], "a": ["b"], "b": ["c", "a"], "c": ["a"], "d": ["d"], "f": []}
    assert cycles.strongly_connected_components(graph) == [["a", "b", "c"], ["e"], ["d"], ["f"]]
    assert cycles.cyclic_components(graph) == [["a", "b", "c"], ["d"]]


def test_successors_outside_the_graph_are_ignored() -> None:
    graph = {"a": ["b", "parameter"], "b": ["a"]}
    assert cycles.cyclic_components(graph) == [["a", "b"]]
    assert cycles.find_cycle(graph) == ["a", "b"]


def _chain_and_ring(size: int) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    return ({i: [i + 1] if i + 1 < size else [] for i in range(size)}, {i: [(i + 1) % size] for i in range(size)})


def test_long_chains_and_rings_need_no_recursion() -> None:
    size = 50_000
    chain, ring = _chain_and_ring(size)
    assert cycles.cyclic_components(chain) == []
    assert cycles.find_cycle(chain) is None
    components = cycles.cyclic_components(ring)
    assert len(components) == 1 and len(components[0]) == size
    found = cycles.find_cycle(ring)
    assert found is not None and len(found) == size


def test_chains_and_rings_take_linear_work() -> None:
    def work(size: int) -> int:
        chain, ring = _chain_and_ring(size)
        return calls(lambda: (cycles.cyclic_components(chain), cycles.find_cycle(chain),
                              cycles.cyclic_components(ring), cycles.find_cycle(ring)))

    assert work(20_000) < work(5_000) * 4 * 1.5


def test_shortest_cycle() -> None:
    graph = {"a": ["b"], "b": ["c"], "c": ["d", "b"], "d": ["a"]}
    assert cycles.shortest_cycle(graph) == ["b", "c"]
    assert cycles.shortest_cycle({"a": ["b"], "b": ["b"]}) == ["b"]
    assert cycles.shortest_cycle({"a": ["b"], "b": []}) is None
    assert cycles.cycle_edges(["a", "b", "c"]) == [("a", "b"), ("b", "c"), ("c", "a")]


def _breaks_every_cycle(edges: dict[str, dict[str, frozenset[int] | None]], items: frozenset[int]) -> bool:
    remaining = {n: [t for t, i in targets.items() if i is None or not i <= items] for n, targets in edges.items()}
    return cycles.find_cycle(remaining) is None


def test_fewest_items_where_an_edge_needs_several() -> None:
    # a->b needs items 1 and 2 moved together; b->a needs only 3
    edges = {"a": {"b": frozenset({1, 2})}, "b": {"a": frozenset({3})}}
    found = cycles.minimum_feedback_set(edges)
    assert found == cycles.FeedbackSet(frozenset({3}), True)


def test_one_item_may_take_away_several_edges() -> None:
    edges = {"a": {"b": frozenset({1}), "c": frozenset({1})}, "b": {"a": frozenset({2})}, "c": {"a": frozenset({3})}}
    found = cycles.minimum_feedback_set(edges)
    assert found is not None and found.items == frozenset({1})


def test_preference_breaks_ties_and_allowed_is_respected() -> None:
    edges = {"a": {"b": frozenset({1})}, "b": {"a": frozenset({2})}}
    prefer_two = cycles.minimum_feedback_set(edges, preference=lambda items: 0 if 2 in items else 1)
    assert prefer_two is not None and prefer_two.items == frozenset({2})
    without_two = cycles.minimum_feedback_set(edges, allowed=lambda items: 2 not in items,
                                              preference=lambda items: 0 if 2 in items else 1)
    assert without_two is not None and without_two.items == frozenset({1})
    assert cycles.minimum_feedback_set(edges, allowed=lambda items: not items) is None


def test_a_cycle_of_fixed_edges_cannot_be_broken() -> None:
    edges: dict[str, dict[str, frozenset[int] | None]] = {
        "a": {"b": None, "c": frozenset({1})}, "b": {"a": None}, "c": {"a": frozenset({2})}}
    assert cycles.fixed_cycle(edges) == ["a", "b"]
    assert cycles.minimum_feedback_set(edges) is None


def test_no_cycle_needs_nothing() -> None:
    assert cycles.minimum_feedback_set({"a": {"b": frozenset({1})}, "b": {}}) == cycles.FeedbackSet(frozenset(), True)


def _random_edges(rng: random.Random) -> dict[str, dict[str, frozenset[int] | None]]:
    nodes = [f"n{i}" for i in range(rng.randint(1, 5))]
    edges: dict[str, dict[str, frozenset[int] | None]] = {n: {} for n in nodes}
    item = 0
    for source, target in itertools.product(nodes, nodes):
        if rng.random() < 0.3:
            count = rng.choice([1, 1, 1, 2])
            edges[source][target] = frozenset(range(item, item + count)) if rng.random() < 0.9 else None
            item += count
    return edges


def test_exact_search_equals_brute_force_and_greedy_is_sound() -> None:
    rng = random.Random(7)
    for _ in range(400):
        edges = _random_edges(rng)
        items = sorted({i for targets in edges.values() for its in targets.values() if its for i in its})
        smallest = None
        if cycles.fixed_cycle(edges) is None:
            smallest = next(size for size in range(len(items) + 1) if any(
                _breaks_every_cycle(edges, frozenset(combo)) for combo in itertools.combinations(items, size)))
        exact = cycles.minimum_feedback_set(edges)
        greedy = cycles.minimum_feedback_set(edges, search_edges=0)
        if smallest is None:
            assert exact is None and greedy is None
            continue
        assert exact is not None and exact.exact and len(exact.items) == smallest
        assert _breaks_every_cycle(edges, exact.items)
        assert greedy is not None and _breaks_every_cycle(edges, greedy.items)
        assert smallest == 0 or not greedy.exact


def _circulant(size: int) -> dict[str, dict[str, frozenset[int] | None]]:
    """A single component of ``size`` groups, each allowing the next, the one after and the seventh."""
    nodes = [f"g{i}" for i in range(size)]
    item = iter(range(10**6))
    return {n: {nodes[(i + k) % size]: frozenset({next(item)}) for k in (1, 2, 7)} for i, n in enumerate(nodes)}


def test_a_large_component_falls_back_to_the_greedy_search_in_linear_work() -> None:
    edges = _circulant(400)
    found = cycles.minimum_feedback_set(edges)
    assert found is not None and not found.exact and _breaks_every_cycle(edges, found.items)
    large = _circulant(1600)  # four times the groups: about four times the calls
    assert calls(lambda: cycles.minimum_feedback_set(large)) < calls(lambda: cycles.minimum_feedback_set(edges)) * 6
