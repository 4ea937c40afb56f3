"""The service clock (``today``, ``now``) is always a dependency, never read from the request: litestar takes a
parameter nobody provides from the query string, so a handler whose layer lacked the clock would let a caller
choose the day a conflict check or a deadline is computed for (issue 17 moved ``today`` beside the graph)."""

from __future__ import annotations

from litestar.routes import HTTPRoute

from tests.api.test_conflicts_api import make_item

CLOCK = {"today", "now"}


def test_no_handler_takes_the_clock_from_the_request(client):
    checked = 0
    for route in client.app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (_, kwargs_model) in route.route_handler_map.items():
            given = {p.field_name for p in (*kwargs_model.expected_query_params, *kwargs_model.expected_header_params,
                                            *kwargs_model.expected_cookie_params)}
            assert not given & CLOCK, f"{method} {route.path}: {sorted(given & CLOCK)}"
            checked += 1
    assert checked > 100


def test_a_check_ignores_a_today_in_the_query_string(client):
    item = make_item(client)
    answer = client.get(f"/api/v1/items/{item['id']}/conflicts", params={"purpose": "argument",
                                                                        "today": "2001-01-01"})
    assert answer.status_code == 200 and answer.json()["on"] != "2001-01-01"
