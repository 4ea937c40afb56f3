"""Relations the system derives are never entered by hand (schemathesis found a 500 for kind "drafts")."""

from tests.api.test_conflicts_api import make_item


def test_a_drafting_relation_cannot_be_entered_it_comes_from_the_item(client):
    item = make_item(client)
    body = {"kind": "drafts", "source": {"kind": "institution", "id": 1},
            "target": {"kind": "item", "id": item["id"]}}
    for path, payload in (("/api/v1/relations", body), ("/api/v1/relations/import", {"relations": [body]})):
        response = client.post(path, json=payload)
        assert response.status_code == 422, response.text
        assert any(e["field"].endswith("kind") and "承办" in e["reason"] for e in response.json()["errors"])
