"""The demo city's past adds up: dated in order, nothing in the future, stages from their
history, and a dashboard that reads like a real bureau's for each of the past three years."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from crm import models
from crm.services.dashboard import build_dashboard
from crm.vocabulary import LEAD_STAGE, PROJECT_STAGE
from demo.seed import seed_demo

TODAY = date(2026, 6, 22)
PAST_YEARS = (2023, 2024, 2025)


@pytest.fixture
def city(session):
    seed_demo(session, enterprises=1000, seed=3, today=TODAY)
    session.flush()


def scalar(session, sql: str, **values):
    """The SQL's one value; {day}(x) is the date of a timestamp in either database."""
    if session.get_bind().dialect.name == "sqlite":
        sql = sql.replace("{day}(", "date(").replace(" AS_DAY)", ")")
    else:
        sql = sql.replace("{day}(", "CAST(").replace(" AS_DAY)", " AS DATE)")
    return session.execute(text(sql), {"today": TODAY, **values}).scalar()


def test_nothing_is_dated_after_today(session, city):
    tomorrow = datetime.combine(TODAY + timedelta(days=1), datetime.min.time())
    checks = {
        "leads signed": "SELECT count(*) FROM leads WHERE signed_on > :today",
        "projects signed": "SELECT count(*) FROM projects WHERE signed_on > :today",
        "projects started": "SELECT count(*) FROM projects WHERE started_on > :today",
        "statistics": "SELECT count(*) FROM projects WHERE in_statistics_on > :today",
        "funds": "SELECT count(*) FROM funds_arrivals WHERE arrived_on > :today",
        "progress": "SELECT count(*) FROM project_progress WHERE period_start_on > :today",
        "milestones": "SELECT count(*) FROM milestones WHERE actual_on > :today",
        "activities": "SELECT count(*) FROM activities WHERE occurred_on > :today",
    }
    for name, sql in checks.items():
        assert scalar(session, sql) == 0, name
    later = session.execute(
        text("SELECT count(*) FROM stage_changes WHERE changed_at >= :tomorrow"),
        {"tomorrow": tomorrow},
    ).scalar()
    assert later == 0


def test_projects_sign_then_start_then_spend(session, city):
    assert scalar(session, "SELECT count(*) FROM projects WHERE signed_on IS NULL") == 0
    # Funds only after the signing; the project's total is the sum of its arrivals.
    assert scalar(session, """
        SELECT count(*) FROM funds_arrivals f JOIN projects p ON p.id = f.project_id
        WHERE f.arrived_on < p.signed_on""") == 0  # fmt: skip
    assert scalar(session, """
        SELECT count(*) FROM projects p WHERE p.funds_in_place_wan <>
          (SELECT coalesce(sum(f.amount_wan), 0) FROM funds_arrivals f
           WHERE f.project_id = p.id)""") == 0  # fmt: skip
    assert scalar(session, "SELECT count(*) FROM funds_arrivals") > 100
    # Started after the signing; started exactly when the stage says construction began.
    assert scalar(session, "SELECT count(*) FROM projects WHERE started_on < signed_on") == 0
    # A converted lead's project stays with the unit that owned the lead.
    assert scalar(session, """
        SELECT count(*) FROM projects p JOIN leads l ON l.id = p.lead_id
        WHERE p.owner_unit_id <> l.owner_unit_id""") == 0  # fmt: skip
    # What the stage rules ask of 竣工 and 达产 is there, as if entered through the form.
    assert scalar(session, """
        SELECT count(*) FROM projects WHERE (stage IN ('completed', 'in_production'))
          <> (completed_on IS NOT NULL) OR completed_on < started_on""") == 0  # fmt: skip
    assert scalar(session, """
        SELECT count(*) FROM projects WHERE stage = 'in_production'
          AND (full_output_wan IS NULL OR full_tax_wan IS NULL)""") == 0  # fmt: skip
    started = tuple(term.key for term in PROJECT_STAGE if term.pool != "reserve")
    keys = ", ".join(f"'{key}'" for key in started)
    assert scalar(session, f"""
        SELECT count(*) FROM projects WHERE (stage IN ({keys})) <> (started_on IS NOT NULL)
        """) == 0  # fmt: skip
    assert scalar(session, f"""
        SELECT count(*) FROM projects p WHERE p.started_on IS NOT NULL AND p.started_on <>
          (SELECT min({{day}}(s.changed_at AS_DAY)) FROM stage_changes s
           WHERE s.project_id = p.id AND s.to_stage IN ({keys}))""") == 0  # fmt: skip
    # Progress only after the start; in the statistics only after the start.
    assert scalar(session, """
        SELECT count(*) FROM project_progress r JOIN projects p ON p.id = r.project_id
        WHERE p.started_on IS NULL OR r.period_start_on < p.started_on""") == 0  # fmt: skip
    assert scalar(session, """
        SELECT count(*) FROM projects
        WHERE in_statistics AND (started_on IS NULL OR in_statistics_on < started_on)""") == 0  # fmt: skip
    # Milestones are done after the signing; 开工建设 on the day construction started, and only
    # then; 竣工验收 only once completed.
    assert scalar(session, """
        SELECT count(*) FROM milestones m JOIN projects p ON p.id = m.project_id
        WHERE m.actual_on < p.signed_on OR (m.actual_on IS NULL) = (m.status = 'done')""") == 0  # fmt: skip
    assert scalar(session, """
        SELECT count(*) FROM milestones m JOIN projects p ON p.id = m.project_id
        WHERE m.name = '开工建设' AND m.actual_on IS DISTINCT FROM p.started_on""") == 0  # fmt: skip
    assert scalar(session, """
        SELECT count(*) FROM milestones m JOIN projects p ON p.id = m.project_id
        WHERE m.name = '竣工验收' AND (m.actual_on IS NOT NULL)
          <> (p.stage IN ('completed', 'in_production'))""") == 0  # fmt: skip
    # A lead's signing is the day it reached 签约, and its project landed that day.
    assert scalar(session, """
        SELECT count(*) FROM leads l WHERE l.stage = 'signed' AND l.signed_on <>
          (SELECT {day}(s.changed_at AS_DAY) FROM stage_changes s
           WHERE s.lead_id = l.id AND s.to_stage = 'signed')""") == 0  # fmt: skip
    assert scalar(session, """
        SELECT count(*) FROM projects p JOIN leads l ON l.id = p.lead_id
        WHERE l.signed_on IS NULL OR p.signed_on <> l.signed_on""") == 0  # fmt: skip


def test_stage_changes_follow_the_vocabulary_in_date_order(session, city):
    rows = session.execute(text("""
        SELECT subject, coalesce(lead_id, project_id), from_stage, to_stage, changed_at,
               lag(to_stage) OVER w, lag(changed_at) OVER w
        FROM stage_changes
        WINDOW w AS (PARTITION BY subject, coalesce(lead_id, project_id)
                     ORDER BY changed_at, id)""")).all()  # fmt: skip
    assert len(rows) > 500
    order = {"lead": LEAD_STAGE.keys, "project": PROJECT_STAGE.keys}
    for subject, record, before, after, at, previous, previous_at in rows:
        keys = order[subject]
        if previous is None:  # the record's creation
            assert (before, after) == (None, keys[0]), (subject, record)
            continue
        assert before == previous, (subject, record)  # from where the last change left it
        assert at > previous_at, (subject, record)  # strictly later
        assert keys.index(after) == keys.index(before) + 1, (subject, record)  # one step on
    # Every record's stage is its last change's.
    for table, column in (("leads", "lead_id"), ("projects", "project_id")):
        assert scalar(session, f"""
            SELECT count(*) FROM {table} r WHERE r.stage IS DISTINCT FROM
              (SELECT s.to_stage FROM stage_changes s WHERE s.{column} = r.id
               ORDER BY s.changed_at DESC, s.id DESC LIMIT 1)""") == 0, table  # fmt: skip
    # Created with the first change: no record without a history.
    assert scalar(session, """
        SELECT count(*) FROM projects p
        WHERE NOT EXISTS (SELECT 1 FROM stage_changes s WHERE s.project_id = p.id)""") == 0  # fmt: skip


def test_the_dashboard_of_each_past_year_reads_like_a_bureaus(session, city):
    official = session.scalar(select(models.User).where(models.User.name == "leader1"))
    boards = {
        year: build_dashboard(session, official, date(year, 12, 31), today=TODAY)
        for year in PAST_YEARS
    }
    for year, board in boards.items():
        assert board.signed_count >= 5, year
        assert board.signed_amount_wan > 0 and board.funds_in_place_wan > 0, year
        assert 50 <= board.landing.percent <= 100, year
        assert 40 <= board.starting.percent <= 95, year
        assert 20 <= board.in_statistics.percent <= 100, year
        # The pools hold only projects signed by then.
        signed_by_then = scalar(
            session, "SELECT count(*) FROM projects WHERE signed_on <= :day", day=board.as_of
        )
        assert sum(count for _, count, _ in board.projects_by_pool) == signed_by_then, year
    # The pools fill as the years go by; more is in effect each year.
    in_effect = [dict((p, c) for p, c, _ in boards[y].projects_by_pool)["in_effect"]
                 for y in PAST_YEARS]  # fmt: skip
    assert in_effect == sorted(in_effect) and in_effect[-1] > in_effect[0]
    # Today's dashboard, which counts stages as they stand, agrees with the history's.
    now = build_dashboard(session, official, TODAY)
    reckoned = build_dashboard(session, official, TODAY - timedelta(days=1), today=TODAY)
    assert sum(c for _, c, _ in now.projects_by_pool) >= sum(
        c for _, c, _ in reckoned.projects_by_pool
    )


def test_chain_leaders_get_aftercare(session, city):
    """企业诉求: several for each chain leader (东风's divisions), some answered, some overdue."""
    leaders = session.execute(text("""
        SELECT e.id, count(r.id) FROM enterprises e
        LEFT JOIN service_requests r ON r.enterprise_id = e.id
        WHERE e.is_chain_leader GROUP BY e.id""")).all()  # fmt: skip
    assert leaders and all(count >= 3 for _, count in leaders)
    statuses = set(session.execute(text("SELECT DISTINCT status FROM service_requests")).scalars())
    assert {"open", "closed"} <= statuses
    assert scalar(session, """
        SELECT count(*) FROM service_requests
        WHERE status IN ('answered', 'closed') AND response IS NULL""") == 0  # fmt: skip
    assert scalar(session, """
        SELECT count(*) FROM service_requests r JOIN enterprises e ON e.id = r.enterprise_id
        WHERE NOT e.is_local""") == 0  # fmt: skip
    assert scalar(session, """
        SELECT count(*) FROM service_requests
        WHERE status IN ('open', 'in_progress') AND deadline_on < :today""") > 0  # fmt: skip
