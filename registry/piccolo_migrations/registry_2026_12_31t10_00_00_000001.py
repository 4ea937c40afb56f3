"""Issue 17: indexes for the expert list with filters over a national pool (specialty, sector, eligible).

- ``expert_specialty (specialty_code, expert)``: a sub-pool's experts read from the index alone;
- ``expert (sector, merged_into, id)``: a sector's current records in id order, from the index alone;
- ``expert_eligibility (eligible, expert)``: the eligible (or ineligible) set from the index alone;
- ``expert_eligibility (valid_from) WHERE valid_from IS NOT NULL``: whether a fact starts after a day (the check
  that every fact covers the day) without reading the table; partial, so that a reader's
  ``valid_from IS NULL OR valid_from <= day`` keeps its plan.

Hand-written; the same statements on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-31T10:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "indexes for the filtered expert list (specialty, sector, eligibility facts)"

INDEXES = (
    "CREATE INDEX IF NOT EXISTS expert_specialty_code_expert ON expert_specialty (specialty_code, expert)",
    "CREATE INDEX IF NOT EXISTS expert_sector_merged_id ON expert (sector, merged_into, id)",
    "CREATE INDEX IF NOT EXISTS expert_eligibility_eligible_expert ON expert_eligibility (eligible, expert)",
    "CREATE INDEX IF NOT EXISTS expert_eligibility_valid_from_set ON expert_eligibility (valid_from) "
    "WHERE valid_from IS NOT NULL",
)


async def _indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in INDEXES:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)
    manager.add_raw(_indexes)
    return manager
