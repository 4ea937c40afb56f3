"""Issue 17: the indexes of ``panel_exclusion`` (by request and stage, by request and subject), and the compact
record of every request drawn before: its first panel record's frozen candidate list and exclusions are copied
into ``draw_record`` and ``panel_exclusion`` (piccolo runs a migration's raw steps before its table changes, so
this is a migration of its own). The panel rows themselves are left as they are: their digests are in the
hash-chained record (R-REC-2), and changing them would read as tampering. Hand-written; SQLite and PostgreSQL."""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.finder import engine_finder
from piccolo.table import Table

from assignment.selection.constraints import Candidate
from assignment.selection.frozen import exclusions_hash, exclusions_summary, pack_candidates, rule_key

ID = "2026-12-27T00:00:01:000002"
VERSION = "1.38.0"
DESCRIPTION = "panel_exclusion indexes; copy the frozen lists of requests drawn before"
BATCH = 500  # exclusion rows per INSERT (6 values each: far under PostgreSQL's 32,767 parameters)


class Panel(Table, tablename="panel", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)
    panel_request = Integer()
    candidates = JSON()
    exclusions = JSON()
    created_at = Timestamptz()


class DrawRecord(Table, tablename="draw_record", schema=None):
    request = Integer()
    panel = Integer()
    candidates = Text()
    candidates_sha256 = Varchar(length=64)
    eligible = Integer()
    exclusions_total = Integer()
    exclusions_summary = JSON()
    exclusions_hash = Varchar(length=64)
    created_at = Timestamptz()


class PanelExclusion(Table, tablename="panel_exclusion", schema=None):
    request = Integer()
    kind = Varchar(length=16)
    subject_id = Integer()
    stage = Varchar(length=24)
    rule_ids = Text()
    reasons = JSON()


def _loaded(value):
    return json.loads(value) if isinstance(value, str) else (value or [])


async def _copy() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("CREATE INDEX IF NOT EXISTS panel_exclusion_request_stage ON panel_exclusion (request, stage)")
    await engine.run_ddl("CREATE INDEX IF NOT EXISTS panel_exclusion_request_subject "
                         "ON panel_exclusion (request, subject_id)")
    done = {r["request"] for r in await DrawRecord.select(DrawRecord.request)}
    firsts = {}
    for row in await Panel.select(Panel.id, Panel.panel_request).order_by(Panel.id):
        firsts.setdefault(row["panel_request"], row["id"])
    for request_id, panel_id in sorted(firsts.items()):
        if request_id in done:
            continue
        panel = await Panel.select().where(Panel.id == panel_id).first()
        candidates = [Candidate.from_dict(c) for c in _loaded(panel["candidates"])]
        exclusions = _loaded(panel["exclusions"])
        packed, digest, count = pack_candidates(candidates)
        summary = exclusions_summary(exclusions)
        async with engine.transaction():
            await DrawRecord(request=request_id, panel=panel_id, candidates=packed, candidates_sha256=digest,
                             eligible=count, exclusions_total=summary["total"], exclusions_summary=summary,
                             exclusions_hash=exclusions_hash(exclusions), created_at=panel["created_at"]).save()
            rows = [PanelExclusion(request=request_id, kind=e["kind"], subject_id=e["id"], stage=e["stage"],
                                   rule_ids=rule_key(e["reasons"]), reasons=e["reasons"]) for e in exclusions]
            for start in range(0, len(rows), BATCH):
                await PanelExclusion.insert(*rows[start:start + BATCH])


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="assignment", description=DESCRIPTION)
    manager.add_raw(_copy)
    return manager
