"""A small hand-built dataset for the 周调度 sheet, dated in the past, whose right answers the
tests write down. The week is Monday 2026-06-08 to Sunday 2026-06-14, read as of Wednesday
2026-06-10."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from crm.models import (
    District,
    Lead,
    Milestone,
    Project,
    ProjectProblem,
    ProjectProgress,
    StageChange,
    Unit,
)
from crm.services.users import create_user
from tests.conftest import city_bureau
from tests.support import PASSWORD

AS_OF = date(2026, 6, 10)
JAN = datetime(2026, 1, 5, 9)


@dataclass
class Weekly:
    big: Project  # 汽车零部件产业园, 茅箭区
    threshold: Project  # exactly 3,000万, 张湾区
    small: Project
    later: Project
    leader: object
    maojian_unit: Unit
    maojian: District
    problem: ProjectProblem
    next_week: Milestone
    lead: Lead


def build_weekly_data(session) -> Weekly:
    maojian = session.scalar(select(District).where(District.code == "420302"))
    zhangwan = session.scalar(select(District).where(District.code == "420303"))
    city = city_bureau(session)
    maojian_unit = Unit(name="茅箭区招商局", kind="district_bureau", district=maojian, parent=city)
    session.add(maojian_unit)
    leader = create_user(session, "wang.leader", "official", PASSWORD, display_name="王副市长")
    session.flush()

    def project(name, total, plan, district, unit, stage, created=JAN):
        record = Project(
            name=name, project_type="new_build", sector="industry", district=district,
            owner_unit_id=unit.id, total_investment_wan=Decimal(total),
            planned_investment_this_year_wan=Decimal(plan) if plan is not None else None,
            stage=stage, leader_id=leader.id, created_at=created, updated_at=created,
            started_on=date(2026, 1, 5) if stage == "under_construction" else None,
        )  # fmt: skip
        session.add(record)
        session.flush()
        return record

    big = project("汽车零部件产业园", 50000, 12000, maojian, maojian_unit, "under_construction")
    threshold = project("新能源电池项目", 3000, None, zhangwan, city, "ready_to_start")
    small = project("小型技改", 2999, 500, maojian, maojian_unit, "under_construction")
    later = project(
        "六月新项目", 9000, 1000, maojian, maojian_unit, "planning", datetime(2026, 6, 11, 9)
    )
    session.add_all(
        [
            StageChange(subject="project", project_id=big.id, from_stage=None,
                        to_stage="newly_started", changed_at=JAN),
            StageChange(subject="project", project_id=big.id, from_stage="newly_started",
                        to_stage="under_construction", changed_at=datetime(2026, 6, 9, 3)),
        ]
    )  # fmt: skip

    def progress(start, period, amount, cumulative, image=None, created=None):
        session.add(
            ProjectProgress(
                project_id=big.id, period=period, period_start_on=start,
                investment_period_wan=Decimal(amount),
                investment_cumulative_wan=Decimal(cumulative), image_progress=image,
                created_at=created or datetime.combine(start, datetime.min.time()),
                updated_at=created or datetime.combine(start, datetime.min.time()),
            )
        )  # fmt: skip

    progress(date(2025, 12, 1), "month", 800, 800, "场平完成")  # last year: not this year's
    progress(date(2026, 5, 25), "week", 3700, 4500)
    progress(date(2026, 6, 1), "week", 500, 5000)
    progress(date(2026, 6, 8), "week", 800, 5800, "主体结构封顶", datetime(2026, 6, 10, 2))
    # Entered after the day: not known on 2026-06-10.
    progress(date(2026, 6, 1), "month", 1300, 5800, "月报", datetime(2026, 6, 11, 2))

    problem = ProjectProblem(
        project_id=big.id, description="施工用电需协调", status="open",
        created_at=datetime(2026, 6, 2), updated_at=datetime(2026, 6, 2),
    )  # fmt: skip
    solved = ProjectProblem(
        project_id=big.id, description="用地手续", status="solved",
        created_at=datetime(2026, 3, 2), updated_at=datetime(2026, 3, 2),
    )  # fmt: skip
    next_week = Milestone(
        project_id=big.id, name="设备安装", planned_on=date(2026, 6, 17), status="pending",
        created_at=JAN, updated_at=JAN,
    )  # fmt: skip
    session.add_all(
        [
            problem,
            solved,
            next_week,
            Milestone(project_id=big.id, name="主体验收", planned_on=date(2026, 6, 1),
                      status="in_progress", created_at=JAN, updated_at=JAN),
            Milestone(project_id=big.id, name="立项", planned_on=date(2026, 1, 10),
                      actual_on=date(2026, 1, 9), status="done", created_at=JAN, updated_at=JAN),
            Milestone(project_id=small.id, name="小项目节点", planned_on=date(2026, 6, 2),
                      status="pending", created_at=JAN, updated_at=JAN),
        ]
    )  # fmt: skip
    lead = Lead(
        name="氢能电堆线索", source="online", district=maojian, owner_unit_id=maojian_unit.id,
        intended_investment_wan=Decimal(20000), created_at=datetime(2026, 6, 9, 2),
        updated_at=datetime(2026, 6, 9, 2),
    )  # fmt: skip
    old_lead = Lead(
        name="上周的线索", source="online", district=maojian, owner_unit_id=maojian_unit.id,
        created_at=datetime(2026, 6, 1, 2), updated_at=datetime(2026, 6, 1, 2),
    )  # fmt: skip
    session.add_all([lead, old_lead])
    session.flush()
    session.add(
        StageChange(subject="lead", lead_id=lead.id, from_stage=None, to_stage="clue",
                    changed_at=datetime(2026, 6, 9, 2))
    )  # fmt: skip
    session.commit()
    return Weekly(
        big, threshold, small, later, leader, maojian_unit, maojian, problem, next_week, lead
    )
