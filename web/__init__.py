"""Web pages (Simplified Chinese, server-rendered with Jinja and htmx) over the same services as the API.

What ``app/__init__.py`` registers from here: ``PAGES`` (the page controllers and the /static router),
``TEMPLATE_CONFIG``, ``csrf_config()``, ``SessionAuthentication`` (before the recording middleware, so a page's
change is recorded under its user; the pages' paths are in ``accounts.access.PUBLIC``: no bearer token),
``NOT_RECORDED`` (the log-in form carries a password) and ``page_aware``
(the app's exception handlers, answering a Chinese HTML page on pages and JSON on the API).

Conventions for every page package
----------------------------------
- Where: the office's pages in ``web/office/``, the drafting unit's in ``web/unit/``, the expert's in
  ``web/expert/``, the auditor's in ``web/auditor/``; each package's ``__init__.py`` exports ``PAGES`` (a list of
  controllers), collected below. Templates under ``web/templates/<role>/``, each ``{% extends "base.html" %}``
  with ``{% block content %}``; a page sets ``title``. URLs: ``/office/...``, ``/unit/...``, ``/expert/...``,
  ``/auditor/...``; ``GET /`` sends each role to its home (``web.session.HOME``), ``/login``, ``/logout``.
- Access: put ``guards=[require("unit")]`` (``web.session.require``) and ``dependencies=PAGE_DEPENDENCIES`` on the
  controller; the handler gets ``principal: NamedDependency[Principal]`` (also ``request.user``), ``today`` and
  ``now``. No login → a redirect to /login?next=...; another role → a Chinese 403 page. "Own records only" is the
  handler's check, as the API's: raise ``core.errors.Forbidden``/``NotFound`` (e.g. a unit's item of another unit)
  and the error page follows. ``include_in_schema = False`` on page controllers.
- Rendering: ``web.render.render(request, "unit/item.html", title=..., **context)``; after a successful POST
  ``web.render.see_other(url, "已保存")`` (303, the message is shown once on the next page). Templates get ``me``
  (the Principal), ``messages``, ``csrf_input`` (in EVERY form: ``{{ csrf_input | safe }}``), ``csrf_token()``,
  the filters ``date_cn``, ``datetime_cn``, ``status``, ``rule``, ``label`` (``web.format``). htmx requests send
  the CSRF header already (``hx-headers`` on <body>); add ``hx-indicator="#progress"`` to a slow action.
- Forms: ``form = await read_form(request, lists=("specialties",))``; ``to_input(TheApiInput, form, **extra)``
  builds the API's Input struct (raises ``FormError`` with the reasons per field); a service's ``DomainError``
  becomes one with ``web.forms.refusal(exc)``. Render the form again with ``errors=exc.errors`` and
  ``status_code=exc.status``; in the template ``{% from "macros.html" import field_error, form_errors %}``,
  ``{{ form_errors(errors, ("name", "phone")) }}`` at the top and ``{{ field_error(errors, "name") }}`` beside
  each input. Any other exception (DomainError not caught, 404, 500) renders ``error.html`` in Chinese.
- Charts: ECharts options built in Python, put in the page with ``web.render.chart_options(opts)`` inside
  ``<script type="application/json">``; ``/static/vendor/echarts-5.6.0.min.js`` draws them (see office/pool.html).
- Services, never tables: a page calls the same service functions as the API's controller (no business rule in a
  page handler or template). Tests: tests/api/test_pages_*.py (``tests.support.pages`` for the cookie log-in).
"""

from __future__ import annotations

from litestar.static_files import create_static_files_router
from litestar.types import Scope

from web.auditor import PAGES as AUDITOR_PAGES
from web.errors import page_aware
from web.expert import PAGES as EXPERT_PAGES
from web.home import LoginController
from web.office import PAGES as OFFICE_PAGES
from web.organiser import PAGES as ORGANISER_PAGES
from web.render import STATIC, TEMPLATE_CONFIG
from web.session import SessionAuthentication, csrf_config
from web.unit import PAGES as UNIT_PAGES

STATIC_FILES = create_static_files_router(path="/static", directories=[STATIC], include_in_schema=False,
                                          cache_control=None)
PAGES = [LoginController, STATIC_FILES, *OFFICE_PAGES, *AUDITOR_PAGES, *UNIT_PAGES, *EXPERT_PAGES, *ORGANISER_PAGES]


def NOT_RECORDED(scope: Scope) -> bool:
    """The log-in form carries a password, the log-out nothing to keep, the office's chain verification changes
    nothing (as ``GET /api/v1/audit/verification``): not recorded (nor are the API's)."""
    return scope["path"] in ("/login", "/logout", "/office/chain/verification")


__all__ = ["NOT_RECORDED", "PAGES", "TEMPLATE_CONFIG", "SessionAuthentication", "csrf_config",
           "page_aware"]
