"""A property: for any small city of leads, projects and stage logs and any day, the pools and
the three headline rates the dashboard and the achievement service compute agree with counts
made directly from the raw rows in Python."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.models import Lead, Project, StageChange
from crm.services.achievement import achievement_of
from crm.services.dashboard import build_dashboard
from crm.vocabulary import LEAD_STAGE, PROJECT_STAGE

FIRST, LAST = date(2025, 10, 1), date(2027, 3, 31)
STARTED = {term.key for term in PROJECT_STAGE if term.pool != "reserve"}
POOL = {term.key: term.pool for term in PROJECT_STAGE}

days = st.dates(min_value=FIRST, max_value=LAST)
moments = st.builds(
    lambda day, minutes: datetime.combine(day, time()) + timedelta(minutes=minutes),
    days,
    st.integers(0, 24 * 60 - 1),
)
lead_logs = st.lists(st.tuples(moments, st.sampled_from(LEAD_STAGE.keys)), max_size=3)
project_logs = st.lists(st.tuples(moments, st.sampled_from(PROJECT_STAGE.keys)), max_size=3)
leads = st.lists(
    st.fixed_dictionaries(
        {
            "stage": st.sampled_from(LEAD_STAGE.keys),
            "signed_on": st.none() | days,
            "log": lead_logs,
        }
    ),
    max_size=6,
)
projects = st.lists(
    st.fixed_dictionaries(
        {
            "lead": st.none() | st.integers(0, 5),
            "stage": st.sampled_from(PROJECT_STAGE.keys),
            "in_statistics_on": st.none() | days,
            "log": project_logs,
        }
    ),
    max_size=6,
)


def stage_then(current: str, log: list, as_of: date) -> str | None:
    """The stage at the end of the day from the raw log: the latest change before the next
    day (the later-added one on a tie); None when the log began later; the current stage
    without any log."""
    if not log:
        return current
    end = datetime.combine(as_of + timedelta(days=1), time())
    before = [(at, index, stage) for index, (at, stage) in enumerate(log) if at < end]
    return max(before)[2] if before else None


def raw_counts(lead_rows: list, project_rows: list, as_of: date) -> dict:
    year_start = date(as_of.year, 1, 1)
    alive_leads = {
        index
        for index, lead in enumerate(lead_rows)
        if stage_then(lead["stage"], lead["log"], as_of) is not None
    }
    pools = {"reserve": 0, "construction": 0, "in_effect": 0}
    project_of_lead = {}
    for project in project_rows:
        stage = stage_then(project["stage"], project["log"], as_of)
        if stage is None:
            continue
        pools[POOL[stage]] += 1
        counted = project["in_statistics_on"] is not None and project["in_statistics_on"] <= as_of
        if project["lead"] is not None:
            project_of_lead[project["lead"]] = (stage in STARTED, counted)
    signed = [
        index
        for index in alive_leads
        if lead_rows[index]["signed_on"] is not None
        and year_start <= lead_rows[index]["signed_on"] <= as_of
    ]
    landed = [index for index in signed if index in project_of_lead]
    started = [index for index in landed if project_of_lead[index][0]]
    in_statistics = [index for index in started if project_of_lead[index][1]]
    return {
        "pools": pools,
        "landing": (len(landed), len(signed)),
        "starting": (len(started), len(landed)),
        "in_statistics": (len(in_statistics), len(started)),
    }


def insert(session, leader, lead_rows: list, project_rows: list) -> list:
    """The rows in the database; projects pointing at a missing or taken lead get none."""
    made = []
    for index, lead in enumerate(lead_rows):
        row = Lead(name=f"线索{index}", source="online", stage=lead["stage"],
                   signed_on=lead["signed_on"], signed_amount_wan=Decimal(100))  # fmt: skip
        session.add(row)
        session.flush()
        for at, stage in lead["log"]:
            session.add(StageChange(subject="lead", lead_id=row.id, to_stage=stage, changed_at=at))
            session.flush()  # ids in the log's order: the later one wins a tie
        made.append(row)
    taken = set()
    for index, project in enumerate(project_rows):
        lead = project["lead"]
        if lead is not None and (lead >= len(made) or lead in taken):
            project["lead"] = lead = None
        taken.add(lead)
        row = Project(
            name=f"项目{index}",
            project_type="new_build",
            sector="industry",
            leader=leader,
            total_investment_wan=Decimal(1000),
            stage=project["stage"],
            lead=None if lead is None else made[lead],
            in_statistics=project["in_statistics_on"] is not None,
            in_statistics_on=project["in_statistics_on"],
        )
        session.add(row)
        session.flush()
        for at, stage in project["log"]:
            session.add(StageChange(subject="project", project_id=row.id, to_stage=stage,
                                    changed_at=at))  # fmt: skip
            session.flush()
    return made


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lead_rows=leads, project_rows=projects, as_of=days)
def test_pools_and_rates_agree_with_the_raw_rows(session, lead_rows, project_rows, as_of):
    nested = session.begin_nested()
    try:
        leader = make_leader(session)
        insert(session, leader, lead_rows, project_rows)
        expected = raw_counts(lead_rows, project_rows, as_of)

        board = build_dashboard(session, leader, as_of, today=date(2100, 1, 1))
        assert {pool: count for pool, count, _amount in board.projects_by_pool} == expected["pools"]
        for name in ("landing", "starting", "in_statistics"):
            rate = getattr(board, name)
            assert (rate.numerator, rate.denominator) == expected[name], name

        tally = achievement_of(session, as_of).tally
        assert tally.pools == expected["pools"]
        assert (tally.landed, tally.signed) == expected["landing"]
        assert (tally.started, tally.landed) == expected["starting"]
        assert (tally.counted, tally.started) == expected["in_statistics"]
    finally:
        nested.rollback()


def make_leader(session):
    """An official (the whole city's scope) to lead the projects and read the dashboard."""
    from crm.models import User

    user = User(name="property-leader", role="official", password_hash="x")
    session.add(user)
    session.flush()
    return user
