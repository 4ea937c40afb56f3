"""create_app(): the Litestar application with every capability's controllers."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from datetime import datetime

from litestar import Litestar, Router, get
from litestar.config.response_cache import ResponseCacheConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin

from accounts import versions
from accounts.access import PUBLIC, TokenAuthentication, access_guard
from accounts.controllers import CONTROLLERS as ACCOUNT_CONTROLLERS
from accounts.recording import RecordingMiddleware
from app.openapi import declare_error_answers
from app.reference import CONTROLLERS as REFERENCE_CONTROLLERS
from app.wiring import DEPENDENCIES, wire
from assignment.controllers import CONTROLLERS as ASSIGNMENT_CONTROLLERS
from conflicts.controllers import CONTROLLERS as CONFLICT_CONTROLLERS
from conflicts.live import LiveGraph
from conflicts.merge_controllers import CONTROLLERS as MERGE_CONTROLLERS
from core.api import EXCEPTION_HANDLERS, READ_CACHE_STORE, redact_tokens_in_access_log
from core.clock import Clock
from core.db import current_engine, start_pool
from core.locks import start_up_turn
from core.migrate import migrate
from core.settings import get_settings
from decisions.controllers import CONTROLLERS as DECISION_CONTROLLERS
from documents.controllers import CONTROLLERS as DOCUMENT_CONTROLLERS
from notifications.controllers import CONTROLLERS as NOTIFICATION_CONTROLLERS
from notifications.jobs import start_scheduler
from notifications.pages import RespondController
from registry.controllers import CONTROLLERS as REGISTRY_CONTROLLERS
from registry.privacy import get_vault
from registry.services.specialties import ensure_default_specialties
from spreadsheets.controllers import CONTROLLERS as SPREADSHEET_CONTROLLERS
from web import NOT_RECORDED, PAGES, TEMPLATE_CONFIG, SessionAuthentication, csrf_config, page_aware

API_DESCRIPTION = (
    "Registry of experts and third-party evaluators for the major administrative decision procedure "
    "(重大行政决策). Errors have one shape: {status_code, detail, errors: [{field, reason, rule_id}]}; "
    "rule ids refer to DOMAIN.md."
)


@get("/health", tags=["service"], summary="Liveness and the database engine in use")
async def health() -> dict[str, str]:
    settings = get_settings()
    return {"status": "ok", "database": "postgresql" if settings.database.is_postgres else "sqlite"}


def create_app(clock: Clock | None = None, migrate_on_start: bool | None = None,
               run_scheduler: bool | None = None) -> Litestar:
    settings = get_settings()
    if migrate_on_start is None:
        migrate_on_start = os.environ.get("MIGRATE_ON_START", "1") == "1"
    if run_scheduler is None:
        run_scheduler = settings.notifications.run_scheduler

    @asynccontextmanager
    async def lifespan(app: Litestar):
        get_vault()  # fail at start-up, not at the first request, when the PII key is missing
        async with start_up_turn():  # processes starting together migrate one after the other (issue 17)
            if migrate_on_start:
                await migrate()
            await ensure_default_specialties()
        if not settings.database.is_postgres:  # readers never block the writer, nor the writer readers
            await current_engine().run_ddl("PRAGMA journal_mode=WAL")
        await app.state.live_graph.load()  # the relationship graph, rebuilt from the database once
        engine = current_engine()
        if settings.database.is_postgres and settings.database.pool_size:
            await start_pool(settings.database.pool_size)
        if run_scheduler:  # jobs and outbox delivery; every process may run one (the database decides)
            app.state.scheduler = start_scheduler(app.state.clock, app.state.live_graph)

        async def follow_the_graph() -> None:
            await app.state.live_graph.sync()

        stop_listening = await versions.listen(follow_the_graph)  # PostgreSQL: other processes' changes, early
        try:
            yield
        finally:
            if stop_listening is not None:
                await stop_listening()
            if run_scheduler:
                app.state.scheduler.shutdown(wait=False)
            if settings.database.is_postgres and settings.database.pool_size:
                await engine.close_connection_pool()

    app = Litestar(
        route_handlers=[health, RespondController, *PAGES,
                        Router(path="/api/v1", guards=[access_guard], route_handlers=[
            *REGISTRY_CONTROLLERS, *DECISION_CONTROLLERS, *CONFLICT_CONTROLLERS, *MERGE_CONTROLLERS,
            *ASSIGNMENT_CONTROLLERS, *DOCUMENT_CONTROLLERS,
            *NOTIFICATION_CONTROLLERS, *ACCOUNT_CONTROLLERS, *REFERENCE_CONTROLLERS,
            *SPREADSHEET_CONTROLLERS])],
        # pages (issue 15) authenticate with the session cookie (web.session), the API with bearer tokens
        middleware=[DefineMiddleware(TokenAuthentication, exclude=PUBLIC), SessionAuthentication(), _recording()],
        exception_handlers=page_aware(EXCEPTION_HANDLERS),  # a Chinese HTML page on pages, JSON on the API
        template_config=TEMPLATE_CONFIG,
        csrf_config=csrf_config(),
        dependencies=DEPENDENCIES,
        lifespan=[lifespan],
        openapi_config=OpenAPIConfig(
            title="Expert and evaluator registry", version="1.0.0", description=API_DESCRIPTION,
            path="/schema", render_plugins=[SwaggerRenderPlugin(path="/swagger"), ScalarRenderPlugin(path="/")],
        ),
        request_max_body_size=1_000_000,
        response_cache_config=ResponseCacheConfig(default_expiration=settings.read_cache_seconds,
                                                  store=READ_CACHE_STORE),
    )
    app.state.clock = clock or _clock_from_environment()
    app.state.live_graph = LiveGraph()  # this application's graph, kept current from the change log
    wire(app)
    declare_error_answers(app)  # every operation's 4xx answers, in the one error shape
    redact_tokens_in_access_log()
    return app


def _recording() -> RecordingMiddleware:
    recording = RecordingMiddleware()
    recording.should_bypass_for_scope = NOT_RECORDED  # the page log-in's form holds a password
    return recording


def _clock_from_environment() -> Clock:
    """FIXED_CLOCK (an ISO date-time) pins the service's time: for end-to-end tests and demonstrations."""
    fixed = os.environ.get("FIXED_CLOCK")
    return Clock(fixed=datetime.fromisoformat(fixed)) if fixed else Clock()


