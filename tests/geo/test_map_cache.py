"""Every point, unfiltered, is kept encoded between requests, and answered afresh as soon as an
enterprise is added, changed or deleted."""

import pytest

from crm.models import Enterprise
from crm.services.enterprises import create_enterprise, delete_enterprise, update_enterprise

ALL = "/api/v1/map/enterprises.geojson"


@pytest.fixture
def staff(make_user, bearer):
    return bearer(make_user("staff"))


def names(client, headers) -> set[str]:
    return {f["properties"]["n"] for f in client.get(ALL, headers=headers).get_json()["features"]}


def test_the_kept_points_follow_every_change(client, staff, places, session):
    first = create_enterprise(session, {"name": "十堰缓存一号有限公司", "location": {
        "lon": 110.79, "lat": 32.63}}, None)  # fmt: skip
    session.commit()
    assert names(client, staff) == {"十堰缓存一号有限公司"}
    assert names(client, staff) == {"十堰缓存一号有限公司"}  # the kept answer
    create_enterprise(session, {"name": "十堰缓存二号有限公司", "location": {
        "lon": 110.80, "lat": 32.64}}, None)  # fmt: skip
    session.commit()
    assert names(client, staff) == {"十堰缓存一号有限公司", "十堰缓存二号有限公司"}
    first = session.get(Enterprise, first.id)  # each request closed the session it was in
    update_enterprise(session, first, {"name": "十堰缓存改名有限公司"}, first.version, None)
    session.commit()
    assert "十堰缓存改名有限公司" in names(client, staff)
    delete_enterprise(session, session.get(Enterprise, first.id), None)
    session.commit()
    assert names(client, staff) == {"十堰缓存二号有限公司"}
