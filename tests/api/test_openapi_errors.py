"""Issue 12: the OpenAPI document declares every operation's error answers, all in the one shape
``{status_code, detail, errors: [{field, reason, rule_id}]}`` that the service really gives."""

from __future__ import annotations

import re

from accounts.access import PUBLIC

API = "/api/v1"
REF = "#/components/schemas/ErrorResponse"
METHODS = {"get", "post", "put", "patch", "delete"}


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS and path.startswith(API):
                yield path, method, operation


def error_ref(operation: dict, status: str) -> str | None:
    answer = operation["responses"].get(status)
    return answer and answer["content"]["application/json"]["schema"].get("$ref")


def test_every_api_operation_declares_its_error_answers_issue_12(client):
    document = client.get("/schema/openapi.json").json()
    checked = 0
    for path, method, operation in operations(document):
        public = any(re.search(pattern, path) for pattern in PUBLIC)
        where = f"{method.upper()} {path}"
        assert error_ref(operation, "400") == REF, where
        assert error_ref(operation, "422") == REF, where
        if not public:
            assert error_ref(operation, "401") == REF, where
            assert error_ref(operation, "403") == REF, where
        if method != "get":
            assert error_ref(operation, "409") == REF, where
        if "{" in path:
            assert error_ref(operation, "404") == REF, where
        checked += 1
    assert checked > 50
    login = document["paths"][f"{API}/auth/login"]["post"]
    assert error_ref(login, "429") == REF and error_ref(login, "401") == REF


def test_the_error_component_is_the_shape_of_real_answers_issue_12(client):
    document = client.get("/schema/openapi.json").json()
    schemas = document["components"]["schemas"]
    error = schemas["ErrorResponse"]
    assert set(error["required"]) == {"status_code", "detail", "errors"}
    item = schemas[error["properties"]["errors"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(item["properties"]) == {"field", "reason", "rule_id"}

    answers = [client.get(f"{API}/institutions/999999"),  # 404
               client.post(f"{API}/institutions", json={"name": 5}),  # 400
               client.get(f"{API}/inbox/nobody")]  # 422
    assert [a.status_code for a in answers] == [404, 400, 422]
    for answer in answers:
        body = answer.json()
        assert set(error["required"]) <= set(body) and body["status_code"] == answer.status_code
        assert all(set(e) == set(item["properties"]) for e in body["errors"]) and body["errors"]
    client.headers.pop("Authorization")
    anonymous = client.get(f"{API}/institutions")
    assert anonymous.status_code == 401 and set(error["required"]) <= set(anonymous.json())
