"""A draw's candidates at scale (issue 17): ``expert_candidates`` over the whole pool and over one specialty
sub-pool, and the registry-eligibility step alone, on a database filled by the demo loader, e.g.

    DATABASE_URL=sqlite:////tmp/scale_universe.sqlite DATA_DIR=/tmp/su-data \
        python -m app.demo --experts 20000 --institutions 2000 --items 5000
    DATABASE_URL=... DATA_DIR=... python -m bench.universe_bench --label after

Run with the code before issue 17 too (``--label before``; that code has no sub-pools, so its sub-pool figure is the
whole pool: every expert is a candidate). Figures are added to bench/results/universe.json under the label.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


async def _timed(runs: int, make) -> tuple[float, Any]:
    times: list[float] = []
    out: Any = None
    for _ in range(runs):
        started = time.perf_counter()
        out = await make()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3), out


async def run(label: str, runs: int, sub_pool: str) -> dict:
    from assignment.services.candidates import expert_candidates
    from conflicts.live import LiveGraph
    from conflicts.policy import Purpose
    from core.clock import Clock
    from decisions.tables import DecisionItem
    from registry.services.standing import eligibility_for
    from registry.services.views import specialty_tree_with_counts
    from registry.tables import Expert

    day = Clock().today()
    live = LiveGraph()
    started = time.perf_counter()
    await live.load()
    graph_s = round(time.perf_counter() - started, 1)
    first = await DecisionItem.select(DecisionItem.id).order_by(DecisionItem.id).first()
    assert first is not None, "load the demo world first (python -m app.demo)"
    item = first["id"]
    has_universe = "sub_pools" in inspect.signature(expert_candidates).parameters
    out: dict = {"label": label, "day": str(day), "experts": await Expert.count(), "graph_load_s": graph_s,
                 "runs": runs, "sub_pool_code": sub_pool, "draws_from_sub_pools": has_universe}

    async def whole():
        return await expert_candidates(live, item, Purpose.ARGUMENT, day, ["LAW"])

    async def part():
        if has_universe:
            return await expert_candidates(live, item, Purpose.ARGUMENT, day, ["LAW"], [sub_pool])
        return await whole()

    for name, make in (("whole_pool", whole), ("sub_pool", part)):
        seconds, (candidates, exclusions, _, _) = await _timed(runs, make)
        out[name] = {"median_s": seconds, "candidates": len(candidates), "exclusions": len(exclusions)}
    ids = [r["id"] for r in await Expert.select(Expert.id).where(Expert.merged_into.is_null())]
    out["eligibility_live_whole_pool_s"], _ = await _timed(runs, lambda: eligibility_for(ids, day))
    try:
        from registry.services.eligibility_facts import universe_eligibility
    except ImportError:
        pass
    else:
        out["eligibility_facts_whole_pool_s"], _ = await _timed(runs, lambda: universe_eligibility(day))
        from registry.domain.specialties import subtree_codes
        from registry.services.specialties import all_specialties

        codes = subtree_codes(sub_pool, await all_specialties())  # type: ignore[arg-type]  # rows as nodes
        out["eligibility_facts_sub_pool_s"], _ = await _timed(runs, lambda: universe_eligibility(day, codes))
    out["specialty_counts_s"], _ = await _timed(runs, lambda: specialty_tree_with_counts(day))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--label", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sub-pool", default="LAW")
    args = parser.parse_args()
    os.environ.setdefault("PICCOLO_CONF", "piccolo_conf")
    os.environ["RUN_SCHEDULER"] = "0"
    result = asyncio.run(run(args.label, args.runs, args.sub_pool))
    print(json.dumps(result, ensure_ascii=False, indent=1), flush=True)
    path = RESULTS / "universe.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    stored[args.label] = result
    path.write_text(json.dumps(stored, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
