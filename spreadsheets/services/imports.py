"""Imports from an office's spreadsheet (issue 16): a job per file, a report line per row.

Every row goes through the registry's own service (the same checks as the API: ID number and credit code
check digits, phone, specialties, terms); a bad row is reported with its column and reason and never stops the
others. A row whose ID number (or credit code) is already registered adds nothing ("existing"), so the same file
imported twice adds nothing the second time; a new record that looks like one already registered is added and
flagged for a person to decide ("possible_duplicate", with the score and the other record): never merged here.
Small files are imported at once; larger ones in the background, with rows done of total on the job.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import UTC, date, datetime
from typing import Any

from msgspec import Struct

from conflicts.live import LiveGraph
from core.bulk import insert_many
from core.errors import DomainError, invalid, not_found
from core.schemas import Page
from core.uow import unit_of_work
from spreadsheets.domain.rows import (
    CellProblem,
    Column,
    FileProblem,
    is_blank,
    map_headers,
    row_cells,
)
from spreadsheets.reading import read_rows
from spreadsheets.services.expert_chunks import import_expert_chunk
from spreadsheets.services.row_imports import (
    ACCEPTED,
    EXISTING,
    KINDS,
    POSSIBLE_DUPLICATE,
    REJECTED,
    Kind,
    Outcome,
    RowContext,
    domain_problems,
    mark_likely_duplicates,
)
from spreadsheets.tables import ImportJob, ImportRow

log = logging.getLogger("spreadsheets.imports")

INLINE_ROWS = 200  # files up to this many rows are imported within the request
CHUNK = 500  # rows imported in one unit of work; their report lines and the progress are written after it
# Kinds imported a chunk at a time (set-wise reads, batched inserts, the handlers once per chunk); the others row
# by row. A chunk that fails as a whole is done again row by row (``row_imports``), each row in its own unit.
CHUNK_HANDLERS = {"expert": import_expert_chunk}
STATUSES = (ACCEPTED, REJECTED, EXISTING, POSSIBLE_DUPLICATE)

_TASKS: set[asyncio.Task] = set()  # background imports of this process (kept referenced until they end)


class ImportJobOut(Struct):
    id: int
    kind: str
    filename: str
    status: str  # running | done | failed
    total: int  # data rows of the file
    rows_done: int
    accepted: int
    rejected: int
    duplicates: int  # already registered (nothing added) or added and flagged as a likely duplicate
    failure: str
    created_by: str
    created_at: datetime
    finished_at: datetime | None


class ProblemOut(Struct):
    column: str
    reason: str
    rule_id: str | None


class ImportRowOut(Struct):
    row_number: int  # as the office sees it: the header is row 1
    status: str  # accepted | rejected | existing | possible_duplicate
    label: str
    column: str
    reason: str
    rule_id: str | None
    problems: list[ProblemOut]
    record_id: int | None  # the record added, or the one the row already is
    other_id: int | None  # a likely duplicate's other record
    score: float | None


# --- the job -------------------------------------------------------------------------------------------

def _job_out(row: dict) -> ImportJobOut:
    return ImportJobOut(id=row["id"], kind=row["kind"], filename=row["filename"], status=row["status"],
                        total=row["total"], rows_done=row["rows_done"], accepted=row["accepted"],
                        rejected=row["rejected"], duplicates=row["duplicates"], failure=row["failure"],
                        created_by=row["created_by"], created_at=row["created_at"], finished_at=row["finished_at"])


def _report_line(job_id: int, row_number: int, label: str, outcome: Outcome) -> dict[str, Any]:
    """An ``ImportRow`` by column name (written with ``core.bulk.insert_many``)."""
    problems = [{"column": p.column, "reason": p.reason, "rule_id": p.rule_id} for p in outcome.problems]
    if outcome.note:
        problems.append({"column": "聘期开始", "reason": outcome.note, "rule_id": "R-POOL-4"})
    first: dict[str, Any] = problems[0] if problems else {"column": "", "reason": "", "rule_id": None}
    return {"job": job_id, "row_number": row_number, "status": outcome.status, "label": label[:200],
            "header": str(first["column"])[:64], "reason": first["reason"], "rule_id": first["rule_id"] or "",
            "problems": problems, "record_id": outcome.record_id, "other_id": outcome.other_id, "score": outcome.score}


async def start_import(kind_name: str, filename: str, content: bytes, by: str, now: datetime,
                       today: date, live: LiveGraph | None = None) -> ImportJobOut:
    """Read the file and open its job; import at once when small, in the background otherwise."""
    kind, vocabulary_of = KINDS[kind_name]
    if not filename.strip():
        raise invalid("filename", "缺少文件名")
    try:
        rows = read_rows(filename, content)
        if not rows:
            raise FileProblem("", "文件中没有任何行")
        headers = map_headers(rows[0], kind.columns)
    except FileProblem as problem:
        raise invalid("file", f"{problem.column}：{problem.reason}" if problem.column else problem.reason) from None
    data = [(n + 2, row) for n, row in enumerate(rows[1:]) if not is_blank(row)]
    if not data:
        raise invalid("file", "文件中只有表头，没有数据行")
    job = ImportJob(kind=kind.name, filename=filename.strip()[:200], sha256=hashlib.sha256(content).hexdigest(),
                    status="running", total=len(data), created_by=by, created_at=now)
    async with unit_of_work():
        await job.save()
    context = await vocabulary_of(today)
    context.live, context.by = live, by
    if len(data) <= INLINE_ROWS:
        await run_import(job.id, kind, headers, data, context)
    else:
        task = asyncio.create_task(run_import(job.id, kind, headers, data, context))
        _TASKS.add(task)
        task.add_done_callback(_TASKS.discard)
    return await get_job(job.id)


async def run_import(job_id: int, kind: Kind, headers: dict[int, Column], data: list[tuple[int, list[Any]]],
                     context: RowContext) -> None:
    """Rows in chunks, each chunk one unit of work (one transaction and one record for its rows, the registry's
    handlers run for the records added: per chunk for experts, per record otherwise); a chunk that fails as a
    whole is done again row by row, so one bad row never blocks the others."""
    handle_chunk = CHUNK_HANDLERS.get(kind.name)
    counts = {"rows_done": 0, "accepted": 0, "rejected": 0, "duplicates": 0}
    try:
        for start in range(0, len(data), CHUNK):
            chunk = data[start:start + CHUNK]
            seen = dict(context.seen)
            try:
                async with unit_of_work():
                    if handle_chunk is not None:
                        outcomes = await handle_chunk(_cells(chunk, headers), context)
                    else:
                        outcomes = [await _one_row(kind, cells, n, context) for n, cells in _cells(chunk, headers)]
            except Exception:
                log.warning("import %s: rows %s-%s again one by one", job_id, chunk[0][0], chunk[-1][0], exc_info=True)
                context.seen = seen
                outcomes = [await _row_alone(kind, cells, n, context) for n, cells in _cells(chunk, headers)]
            await mark_likely_duplicates(kind.name, outcomes)
            lines = []
            for (row_number, cells), outcome in zip(_cells(chunk, headers), outcomes, strict=True):
                lines.append(_report_line(job_id, row_number, cells.get(kind.label_key, ""), outcome))
                counts["accepted" if outcome.status == ACCEPTED else
                       "rejected" if outcome.status == REJECTED else "duplicates"] += 1
            counts["rows_done"] += len(chunk)
            await _write(job_id, lines, counts, status="done" if start + CHUNK >= len(data) else None)
    except Exception as exc:
        log.exception("import %s failed", job_id)
        await ImportJob.update({ImportJob.status: "failed", ImportJob.failure: f"导入中断：{type(exc).__name__}",
                                ImportJob.finished_at: datetime.now(UTC)}).where(ImportJob.id == job_id)


def _cells(chunk: list[tuple[int, list[Any]]], headers: dict[int, Column]) -> list[tuple[int, dict[str, str]]]:
    return [(row_number, row_cells(row, headers)) for row_number, row in chunk]


async def _one_row(kind: Kind, cells: dict[str, str], row_number: int, context: RowContext) -> Outcome:
    try:
        return await kind.handle(cells, row_number, context)
    except DomainError as exc:  # a refusal the row's own checks did not foresee: still only this row
        return Outcome(REJECTED, domain_problems(kind.name, exc))


async def _row_alone(kind: Kind, cells: dict[str, str], row_number: int, context: RowContext) -> Outcome:
    """A row in its own unit of work: what goes wrong in it stays in it."""
    try:
        async with unit_of_work():
            return await _one_row(kind, cells, row_number, context)
    except Exception as exc:
        log.warning("import row %s failed", row_number, exc_info=True)
        return Outcome(REJECTED, [CellProblem("", f"该行未能导入（{type(exc).__name__}），请核对后重新导入")])


async def _write(job_id: int, lines: list[dict[str, Any]], counts: dict[str, int], status: str | None = None) -> None:
    values: dict[Any, Any] = {getattr(ImportJob, k): v for k, v in counts.items()}
    if status:
        values[ImportJob.status] = status
        values[ImportJob.finished_at] = datetime.now(UTC)
    async with unit_of_work():
        await insert_many(ImportRow, lines)
        await ImportJob.update(values).where(ImportJob.id == job_id)


async def wait_for_imports() -> None:
    """Let the background imports of this process finish (tests, shutdown)."""
    while _TASKS:
        await asyncio.gather(*list(_TASKS), return_exceptions=True)


async def get_job(job_id: int) -> ImportJobOut:
    row = await ImportJob.select().where(ImportJob.id == job_id).first()
    if row is None:
        raise not_found("import", job_id, "import_id")
    return _job_out(row)


async def list_jobs(offset: int, limit: int) -> Page[ImportJobOut]:
    rows = await ImportJob.select().order_by(ImportJob.id, ascending=False).offset(offset).limit(limit)
    return Page([_job_out(r) for r in rows], await ImportJob.count(), offset, limit)


def _row_out(row: dict) -> ImportRowOut:
    return ImportRowOut(row_number=row["row_number"], status=row["status"], label=row["label"], column=row["header"],
                        reason=row["reason"], rule_id=row["rule_id"] or None,
                        problems=[ProblemOut(p["column"], p["reason"], p.get("rule_id")) for p in row["problems"]],
                        record_id=row["record_id"], other_id=row["other_id"], score=row["score"])


async def report(job_id: int, status: str | None, offset: int, limit: int) -> Page[ImportRowOut]:
    await get_job(job_id)
    if status is not None and status not in STATUSES:
        raise invalid("status", f"须为 {' / '.join(STATUSES)} 之一")
    where: Any = ImportRow.job == job_id
    if status:
        where = where & (ImportRow.status == status)
    rows = await ImportRow.select().where(where).order_by(ImportRow.row_number).offset(offset).limit(limit) \
        .output(load_json=True)
    return Page([_row_out(r) for r in rows], await ImportRow.count().where(where), offset, limit)


async def all_report_rows(job_id: int) -> list[ImportRowOut]:
    rows = await ImportRow.select().where(ImportRow.job == job_id).order_by(ImportRow.row_number) \
        .output(load_json=True)
    return [_row_out(r) for r in rows]
