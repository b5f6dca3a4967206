"""The district choropleth's figures on the hand-built set, and its class bounds."""

import pytest

from geo.choropleth import class_breaks, class_of

API = "/api/v1/map/district-figures"


def test_the_figures_per_district_on_the_hand_built_set(client, headers, firms):
    # 420302: 甲 (output 5,000 on 10 亩) and 丙 (no land: counted, but not in output per mu);
    #   its project: 甲's (3,000 万元); 丙's deleted one does not count.
    # 420303: 乙 (2,000 on 20 亩), and 乙's project (1,000 万元).
    # 丁 records no district; 戊 is deleted.
    body = client.get(API, headers=headers).get_json()
    assert body["districts"] == {
        "420302": {"enterprises": 2, "output_per_mu": 500.0, "projects": 1, "investment": 3000.0},
        "420303": {"enterprises": 1, "output_per_mu": 100.0, "projects": 1, "investment": 1000.0},
    }
    assert body["breaks"]["enterprises"] == [1]
    assert body["breaks"]["output_per_mu"] == [100.0]


def test_a_districts_staff_count_their_own_projects(client, bearer, make_user, make_unit, firms):
    staff = make_user("staff", unit=make_unit("茅箭区招商局"))
    body = client.get(API, headers=bearer(staff)).get_json()
    assert body["districts"]["420302"]["enterprises"] == 2  # the registry is shared
    assert body["districts"]["420302"]["projects"] == 0
    assert client.get(API).status_code == 401


@pytest.mark.parametrize(
    ("values", "breaks"),
    [
        ([1, 2, 3, 4, 5], [1, 2, 3, 4]),
        ([8, 1, 7, 2, 6, 3, 5, 4], [1, 3, 4, 6]),
        ([5, 5, 5], []),
        ([None, 3, None, 1], [1]),
        ([], []),
    ],
)
def test_class_bounds_at_quantiles(values, breaks):
    assert class_breaks(values) == breaks


def test_a_value_is_in_the_class_of_the_bounds_below_it():
    breaks = [1, 3, 4, 6]
    assert [class_of(v, breaks) for v in (1, 2, 3, 4, 5, 6, 7, 8)] == [0, 1, 1, 2, 3, 3, 4, 4]
