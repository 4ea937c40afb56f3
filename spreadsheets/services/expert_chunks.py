"""Experts imported a chunk at a time (issue 16): the same report line for each row as
``row_imports.import_expert_row`` gives, with the chunk's reads and writes set-wise. Each row is checked by the pure
functions (the row's columns, the ID number's check digit, the body's types, the term); the ID numbers and
certificate numbers already registered are read once for the chunk; the registry's own checks run for the
chunk (``registry.services.expert_batches``), which inserts the accepted experts in batched statements and
announces them in one event, so the conflict capability flags duplicates, links employers and logs the graph's
changes once per chunk. Everything runs in the caller's unit of work (one transaction and one record entry for
the chunk, naming every expert added)."""

from __future__ import annotations

from core.errors import DomainError
from registry import schemas as rs
from registry.domain.identifiers import parse_citizen_id
from registry.domain.terms import validate_term
from registry.privacy import get_vault
from registry.services.expert_batches import create_experts, validate_experts
from registry.services.terms import open_term
from registry.tables import Expert, Term
from spreadsheets.domain.rows import CellProblem, ExpertRow, expert_row, normalised_id
from spreadsheets.services.row_imports import (
    ACCEPTED,
    EXISTING,
    REJECTED,
    Outcome,
    RowContext,
    _convert,
    _new_columns,
    _seen_before,
    domain_problems,
)


def _certificate_problem(certificate: str) -> CellProblem:
    return CellProblem("聘书编号", f"聘书编号 {certificate} 已被使用，每份聘书的编号须唯一", "R-POOL-4")


async def _registered(digests: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(digests), 1000):
        for row in await Expert.select(Expert.id, Expert.id_number_digest).where(
                Expert.id_number_digest.is_in(digests[start:start + 1000])):
            found[row["id_number_digest"]] = row["id"]
    return found


async def _certificates_used(certificates: list[str]) -> set[str]:
    used: set[str] = set()
    for start in range(0, len(certificates), 1000):
        used |= {r["certificate_no"] for r in await Term.select(Term.certificate_no).where(
            Term.certificate_no.is_in(certificates[start:start + 1000]))}
    return used


async def import_expert_chunk(rows: list[tuple[int, dict[str, str]]], context: RowContext) -> list[Outcome]:
    """Each row's outcome, in order; call inside a unit of work."""
    outcomes: list[Outcome | None] = [None] * len(rows)
    vault = get_vault()
    parsed: list[tuple[int, ExpertRow, str]] = []  # index, row, digest of its ID number ("" when unreadable)
    for n, (row_number, cells) in enumerate(rows):
        row = expert_row(cells, context.vocabulary, context.today)
        try:
            number = parse_citizen_id(normalised_id(row.body["id_number"])).number
        except ValueError:
            number = ""
        if number and (again := _seen_before(number, row_number, context, "身份证号")):
            outcomes[n] = Outcome(REJECTED, [again])
            continue
        parsed.append((n, row, vault.digest(number) if number else ""))
    registered = await _registered(sorted({digest for _, _, digest in parsed if digest}))
    used = await _certificates_used(sorted({row.term[2] for _, row, _ in parsed if row.term and row.term[2]}))
    checked_rows: list[tuple[int, ExpertRow, list[CellProblem], rs.ExpertCreate | None]] = []
    for n, row, digest in parsed:
        if digest in registered:
            other = registered[digest]
            reason = f"该身份证号码的专家已登记（专家 {other}），未重复添加"
            outcomes[n] = Outcome(EXISTING, [CellProblem("身份证号", reason)], record_id=other, other_id=other,
                                  score=100.0)
            continue
        problems = list(row.problems)
        data, struct_problems = _convert("expert", row.body, rs.ExpertCreate)
        problems += _new_columns(problems, struct_problems)
        if row.term is not None:
            try:
                validate_term(row.term[0], row.term[1])
            except DomainError as exc:
                problems += domain_problems("expert", exc)
            if row.term[2] and row.term[2] in used:
                problems.append(_certificate_problem(row.term[2]))
        checked_rows.append((n, row, problems, data))
    candidates = [(n, data) for n, _, problems, data in checked_rows if not problems and data is not None]
    verdicts = dict(zip([n for n, _ in candidates], await validate_experts([d for _, d in candidates]), strict=True))
    # A certificate number is taken by the first row in the file that is added with it (as row by row).
    claimed: set[str] = set()
    to_create: list[tuple[int, ExpertRow, rs.ExpertCreate]] = []
    for n, row, problems, data in checked_rows:
        certificate = row.term[2] if row.term else ""
        if certificate and certificate in claimed:
            problems.append(_certificate_problem(certificate))
        verdict = verdicts.get(n)
        if problems or data is None or verdict is None:
            outcomes[n] = Outcome(REJECTED, problems)
        elif isinstance(verdict, DomainError):
            outcomes[n] = Outcome(REJECTED, domain_problems("expert", verdict))
        else:
            to_create.append((n, row, data))
            if certificate:
                claimed.add(certificate)
    created = await create_experts([data for _, _, data in to_create], [verdicts[n] for n, _, _ in to_create])
    for (n, row, _), expert_id in zip(to_create, created, strict=True):
        if isinstance(expert_id, DomainError):  # not foreseen by the checks above: still only this row
            outcomes[n] = Outcome(REJECTED, domain_problems("expert", expert_id))
            continue
        note = ""
        if row.term is not None:
            try:
                await open_term(expert_id, row.term[0], row.term[1], row.term[2], previous_id=None)
            except DomainError as exc:
                note = "专家已登记，但聘期未登记：" + "；".join(p.reason for p in domain_problems("expert", exc))
        outcomes[n] = Outcome(ACCEPTED, record_id=expert_id, note=note)
    done = [outcome for outcome in outcomes if outcome is not None]
    assert len(done) == len(rows), "every row has its outcome"
    return done
