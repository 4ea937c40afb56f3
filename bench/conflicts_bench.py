"""Conflict-check and name-matching benchmark on the generator's full-scale world.

Run: python -m bench.conflicts_bench  (writes bench/results/conflicts.json)
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import time
from datetime import date
from pathlib import Path

from conflicts.duplicates import PersonRecord, flag_duplicates
from conflicts.graph import Relation, RelationGraph
from conflicts.names import InstitutionMatcher, normalise
from conflicts.policy import EdgeKind, Purpose, default_policy
from conflicts.rules import check_item
from registry.datagen import generate

DAY = date(2026, 11, 24)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def build_graph(world) -> RelationGraph:
    graph = RelationGraph()
    for e in world.experts:
        graph.add_node(("expert", e.id), e.name)
    for i in world.institutions:
        graph.add_node(("institution", i.id), i.name)
    for item in world.items:
        graph.add_node(("item", item.id), item.title)
    for n, r in enumerate(world.relations, start=1):
        graph.add(Relation(n, EdgeKind(r.kind), r.source, r.target, r.start, r.end, detail=r.detail))
    return graph


def main() -> None:
    figures: dict[str, object] = {}
    t0 = time.perf_counter()
    world = generate(experts=50_000, institutions=5_000, items=20_000, seed=1)
    figures["generate_s"] = round(time.perf_counter() - t0, 2)

    before = rss_mb()
    t0 = time.perf_counter()
    graph = build_graph(world)
    figures["graph_build_s"] = round(time.perf_counter() - t0, 2)
    figures["edges"] = len(graph)
    figures["graph_rss_growth_mb"] = round(rss_mb() - before, 1)

    policy, rng = default_policy(), random.Random(7)
    sample = rng.sample(world.items, 500)
    for purpose in (Purpose.ARGUMENT, Purpose.POST_EVALUATION):
        times, found = [], 0
        for item in sample:
            t0 = time.perf_counter()
            found += len(check_item(graph, policy, ("item", item.id), purpose, DAY))
            times.append(time.perf_counter() - t0)
        figures[f"check_{purpose.value}_median_ms"] = round(statistics.median(times) * 1000, 3)
        figures[f"check_{purpose.value}_p99_ms"] = round(percentile(times, 0.99) * 1000, 3)
        figures[f"check_{purpose.value}_conflicts_per_item"] = round(found / len(sample), 2)

    t0 = time.perf_counter()
    total = sum(len(check_item(graph, policy, ("item", item.id), Purpose.ARGUMENT, DAY)) for item in world.items)
    figures["batch_all_items_s"] = round(time.perf_counter() - t0, 2)
    figures["batch_conflicts"] = total

    matcher = InstitutionMatcher()
    for inst in world.institutions:
        matcher.add(inst.id, inst.name, inst.aliases)
    truth = world.institution_truth()
    times, right = [], 0
    for text, inst_id, _ in truth:
        t0 = time.perf_counter()
        right += matcher.match(text).institution_id == inst_id
        times.append(time.perf_counter() - t0)
    figures["match_queries"] = len(truth)
    figures["match_median_ms"] = round(statistics.median(times) * 1000, 4)
    figures["match_p99_ms"] = round(percentile(times, 0.99) * 1000, 3)
    figures["match_right_first"] = round(right / len(truth), 4)

    people = [PersonRecord(e.id, e.name, e.id_number, e.phone, e.email, int(e.id_number[6:10]),
                           normalise(e.employments[-1].employer_name)) for e in world.experts]
    t0 = time.perf_counter()
    flagged = {(f.first, f.second) for f in flag_duplicates(people)}
    figures["duplicates_records"] = len(people)
    figures["duplicates_s"] = round(time.perf_counter() - t0, 2)
    true_pairs = world.duplicate_pairs()
    figures["duplicates_precision"] = round(len(flagged & true_pairs) / max(1, len(flagged)), 3)
    figures["duplicates_recall"] = round(len(flagged & true_pairs) / max(1, len(true_pairs)), 3)

    out = Path(__file__).parent / "results" / "conflicts.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
