"""Supply links over /api/v1/supply-links: who sells to whom in which segment, for what share."""

from crm.models import District
from crm.services.enterprises import create_enterprise


def make(session, name, district=None):
    values = {"name": name} | ({"district": district} if district else {})
    enterprise = create_enterprise(session, values, None)
    session.commit()
    return enterprise


def test_create_read_list_update_delete(client, session, make_user, bearer, places):
    headers = bearer(make_user("staff"))
    supplier, customer = make(session, "十堰电池有限公司"), make(session, "东风商用车有限公司")
    body = {"supplier_id": supplier.id, "customer_id": customer.id, "segment": "M501",
            "share": "0.35"}  # fmt: skip
    created = client.post("/api/v1/supply-links", json=body, headers=headers)
    assert created.status_code == 201, created.json
    link = created.json
    assert (link["segment"], link["share"], link["customer_name"]) == (
        "M501",
        "0.35",
        "东风商用车有限公司",
    )
    url = f"/api/v1/supply-links/{link['id']}"
    assert client.get(url, headers=headers).json["supplier_name"] == "十堰电池有限公司"
    listed = client.get(f"/api/v1/supply-links?enterprise={customer.id}", headers=headers)
    assert [item["id"] for item in listed.json["items"]] == [link["id"]]
    assert client.get("/api/v1/supply-links?segment=M502", headers=headers).json["items"] == []
    changed = client.patch(url, json={"share": "0.5", "version": link["version"]}, headers=headers)
    assert changed.status_code == 200 and changed.json["share"] == "0.5"
    stale = client.patch(url, json={"share": "0.6", "version": link["version"]}, headers=headers)
    assert stale.status_code == 409
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404


def test_refusals(client, session, make_user, make_unit, bearer, places):
    headers = bearer(make_user("staff"))
    one, other = make(session, "甲公司", "420302"), make(session, "乙公司", "420303")
    base = {"supplier_id": one.id, "customer_id": other.id}
    for wrong, field in (
        ({"customer_id": one.id}, "customer_id"),
        ({"share": "1.5"}, "share"),
        ({"segment": "X999"}, "segment"),
        ({"supplier_id": 999999}, "supplier_id"),
    ):
        answer = client.post("/api/v1/supply-links", json=base | wrong, headers=headers)
        assert answer.status_code == 422 and field in answer.json["error"]["fields"], wrong
    assert client.post("/api/v1/supply-links", json=base | {"colour": 1},
                       headers=headers).status_code == 400  # fmt: skip
    assert client.post("/api/v1/supply-links", json=base, headers=headers).status_code == 201
    again = client.post("/api/v1/supply-links", json=base, headers=headers)
    assert again.status_code == 422 and "segment" in again.json["error"]["fields"]
    # A district's staff write only links with one end in their district.
    zhushan = District(code="420323", name="竹山县", kind="county_district")
    session.add(zhushan)
    city = make_unit("市招商局", kind="city_bureau")
    outsider = make_user("staff", unit=make_unit("竹山县招商局", parent=city, district=zhushan))
    refused = client.post("/api/v1/supply-links", json=base | {"segment": "M501"},
                          headers=bearer(outsider))  # fmt: skip
    assert refused.status_code == 403
    assert client.get("/api/v1/supply-links/999999", headers=headers).status_code == 404
