"""What a panel is drawn from and must meet: candidates, the balance constraints (R-PANEL-2), the
shortfalls that make a request impossible, and the check of a (partial) panel against the constraints."""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from core.errors import FieldError, RuleViolation


@dataclass(frozen=True)
class Candidate:
    id: int
    specialties: frozenset[str] = frozenset()
    employer: int | None = None  # institution id; None: counts as an employer of its own
    sector: str = ""
    region: str = ""

    def as_dict(self) -> dict:
        """As frozen in the panel record, so anyone can re-run the draw."""
        return {"id": self.id, "specialties": sorted(self.specialties), "employer": self.employer,
                "sector": self.sector, "region": self.region}

    @classmethod
    def from_dict(cls, d: dict) -> Candidate:
        return cls(d["id"], frozenset(d["specialties"]), d["employer"], d["sector"], d["region"])


@dataclass(frozen=True)
class Constraints:
    """R-PANEL-2 balance. A member holding several required specialties counts for each of them."""

    size: int
    min_per_specialty: Mapping[str, int] = field(default_factory=dict)
    max_per_employer: int | None = 1
    max_per_sector: int | None = None  # a mix of sectors: no sector fills more than this
    max_per_region: Mapping[str, int] = field(default_factory=dict)
    dissenting: frozenset[int] = frozenset()  # known to hold a different view: at least one when any is eligible
    # the specialty sub-pools the candidates were drawn from (issue 17; R-POOL-1); empty: the whole pool. Bound
    # into the record's fingerprint when named, absent from the canonical form otherwise (older records keep theirs)
    universe: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """One canonical form whatever order the client sent: mappings sorted by key, ids a frozenset. The
        plan and the draw iterate these mappings, so a different key order must not give a different panel."""
        object.__setattr__(self, "min_per_specialty", dict(sorted(self.min_per_specialty.items())))
        object.__setattr__(self, "max_per_region", dict(sorted(self.max_per_region.items())))
        object.__setattr__(self, "dissenting", frozenset(self.dissenting))
        object.__setattr__(self, "universe", tuple(sorted(set(self.universe))))

    def as_dict(self) -> dict:
        return {"size": self.size, "min_per_specialty": dict(sorted(self.min_per_specialty.items())),
                "max_per_employer": self.max_per_employer, "max_per_sector": self.max_per_sector,
                "max_per_region": dict(sorted(self.max_per_region.items())), "dissenting": sorted(self.dissenting),
                **({"universe": list(self.universe)} if self.universe else {})}

    @classmethod
    def from_dict(cls, d: dict) -> Constraints:
        return cls(d["size"], d["min_per_specialty"], d["max_per_employer"], d["max_per_sector"],
                   d["max_per_region"], frozenset(d["dissenting"]), tuple(d.get("universe") or ()))


@dataclass(frozen=True)
class Shortfall:
    """Why a request cannot be met: which constraint, how many are eligible, how many are needed."""

    field: str
    constraint: str
    needed: int
    eligible: int
    message: str


class Infeasible(RuleViolation):
    def __init__(self, shortfalls: list[Shortfall]):
        super().__init__(
            detail="没有满足这些条件的论证组：" + "；".join(s.message for s in shortfalls),
            errors=[FieldError(s.field, s.message, "R-PANEL-2") for s in shortfalls],
            extra={"shortfalls": [s.__dict__ for s in shortfalls]})
        self.shortfalls = shortfalls


class PlanTooSlow(RuleViolation):
    """The plan was not found within the time budget (PLAN_SECONDS): refused at once, nothing held."""

    def __init__(self, seconds: float):
        reason = (f"在 {seconds:g} 秒的时限内未能算出抽取方案：请减少专业、地区等均衡条件，"
                  "或缩小候选范围后重试")
        super().__init__(detail=f"抽取方案的计算超过了 {seconds:g} 秒的时限",
                         errors=[FieldError("balance", reason, "R-PANEL-2")], extra={"plan_seconds": seconds})
        self.seconds = seconds


class Budget:
    """The time the planning step may take (None: no limit). ``check`` refuses once it is spent; ``left``
    is what a solver call may still use."""

    def __init__(self, seconds: float | None = None):
        self.seconds = seconds
        self.started = time.monotonic()

    def left(self) -> float | None:
        if self.seconds is None:
            return None
        return self.seconds - (time.monotonic() - self.started)

    def check(self) -> float | None:
        left = self.left()
        if left is not None and left <= 0:
            raise PlanTooSlow(self.seconds or 0.0)
        return left


def canonical_rows(candidates: Iterable[Candidate]) -> list[list]:
    """The frozen candidate list's canonical rows ``[id, specialties (sorted), employer, sector, region]``, sorted
    (by id: ids are unique). The fingerprint and the stored list (``frozen``) are both made from them."""
    return sorted([c.id, sorted(c.specialties), c.employer, c.sector, c.region] for c in candidates)


def rows_hash(rows: list[list], constraints: Constraints) -> str:
    """``candidates_hash`` of canonical rows already made (a draw makes them once for the hash and the record)."""
    blob = json.dumps({"candidates": rows, "constraints": constraints.as_dict()}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def candidates_hash(candidates: Iterable[Candidate], constraints: Constraints) -> str:
    """A fingerprint of the frozen candidate list and the constraints, so anyone can re-run the draw."""
    return rows_hash(canonical_rows(candidates), constraints)


def seed_commitment(seed: int | str, candidates_hash: str) -> str:
    """The public commitment of a draw: the hash of its seed together with the frozen candidate list's
    fingerprint, ``sha256(f"{seed}:{candidates_hash}")``. Stored in the panel record with the candidates;
    anyone holding the record checks that the seed shown is the one committed to (R-PANEL-2)."""
    return hashlib.sha256(f"{int(seed)}:{candidates_hash}".encode()).hexdigest()


def violations(panel: list[Candidate], k: Constraints) -> list[str]:
    """Every constraint the panel breaks (empty when it is valid); used for replacements and in tests."""
    out = []
    if len(panel) != k.size or len({c.id for c in panel}) != len(panel):
        out.append(f"size: {len(panel)} members, {k.size} wanted")
    for spec, need in k.min_per_specialty.items():
        have = sum(spec in c.specialties for c in panel)
        if have < need:
            out.append(f"min_per_specialty.{spec}: {have} < {need}")
    return out + over_maxima(panel, k)


def over_maxima(panel: list[Candidate], k: Constraints) -> list[str]:
    """The maxima (per employer, sector, region) a panel, complete or not, already exceeds."""
    out = []
    if k.max_per_employer is not None:
        for employer, n in Counter(c.employer for c in panel if c.employer is not None).items():
            if n > k.max_per_employer:
                out.append(f"max_per_employer: {n} from institution {employer}")
    if k.max_per_sector is not None:
        for sector, n in Counter(c.sector for c in panel).items():
            if n > k.max_per_sector:
                out.append(f"max_per_sector.{sector}: {n} > {k.max_per_sector}")
    for region, cap in k.max_per_region.items():
        n = sum(c.region == region for c in panel)
        if n > cap:
            out.append(f"max_per_region.{region}: {n} > {cap}")
    return out
