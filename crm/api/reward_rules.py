"""Reward rules and the ambassadors' leaderboard over JSON: list, read, create and update of the resource layer, for the city's
own rules (crm.services.reward_rules). No DELETE: a year's figures rest on its rule, so a rule
is corrected, not removed. Ambassadors' tokens are refused (403 on the list, 404 on a record)."""

from flask import current_app, request
from flask_babel import gettext as _

from crm.api import blueprint, resource
from crm.api.auth import api_user, require_right
from crm.api.errors import invalid, service_errors
from crm.api.openapi import describe, json_content, responses
from crm.extensions import db
from crm.schemas.formats import decimal_text
from crm.schemas.reward_rules import REWARD_RULES
from crm.services import ambassador_leaderboard, reward_rules


def _create(session, data, actor):
    return reward_rules.create_rule(session, data, actor, city=current_app.config["CITY"])


REWARD_RULE_RESOURCE = resource.Resource(
    path="reward-rules",
    singular="reward_rule",
    title="RewardRule",
    read_right=reward_rules.READ,
    write_right=reward_rules.WRITE,
    declaration=REWARD_RULES,
    search=reward_rules.list_rules,
    get=reward_rules.get_rule,
    create=_create,
    update=reward_rules.update_rule,
    delete=None,
    record_values=reward_rules.rule_values,
    summary_values=lambda rule: reward_rules.rule_values(None, rule),
)
resource.register(blueprint, REWARD_RULE_RESOURCE)


@blueprint.get("/ambassador-leaderboard")
def ambassador_leaderboard_json():
    """The leaderboard's figures: per ambassador and per kind."""
    require_right(ambassador_leaderboard.READ)
    year = request.args.get("year")
    if year is not None and not (year.isascii() and year.isdigit() and 2000 <= int(year) <= 2100):
        raise invalid({"year": [_("应为 2000 到 2100 之间的年份")]})
    sort = request.args.get("sort", "reward_wan")
    if sort not in ambassador_leaderboard.SORTS:
        raise invalid(
            {"sort": [_("应为以下之一：%(keys)s", keys=", ".join(ambassador_leaderboard.SORTS))]}
        )
    with service_errors():
        board = ambassador_leaderboard.leaderboard(
            db.session,
            current_app.config["CITY"],
            api_user(),
            int(year) if year else None,
            sort,
            current_app.config["TIMEZONE"],
        )
    return {
        "year": board.year,
        "sort": board.sort,
        "ambassadors": [_standing_json(row) for row in board.rows],
        "kinds": [_standing_json(row) for row in board.kinds],
    }


def _standing_json(row) -> dict:
    values = row.values()
    for name in ambassador_leaderboard.AMOUNTS:
        values[name] = decimal_text(values[name])
    return values


describe(
    "/ambassador-leaderboard",
    "get",
    {
        "operationId": "ambassadorLeaderboard",
        "summary": "Referrals, accepted, signed, landed, funds in place and reward, per "
        "ambassador and per kind.",
        "description": "For staff and officials. `year` limits referrals to those submitted in "
        "it, and funds and reward to those of the year; without it, all years. `sort` is one of "
        "referrals, accepted, signed, landed, funds_wan, reward_wan (descending) or name. Amounts "
        "are decimal strings in 万元; reward_wan is null when nothing was computed.",
        "parameters": [
            {"name": "year", "in": "query", "schema": {"type": "integer"}},
            {"name": "sort", "in": "query", "schema": {"enum": list(ambassador_leaderboard.SORTS)}},
        ],
        "responses": responses(
            {"200": json_content("The leaderboard.", {"type": "object"})}, "401 403 422"
        ),
    },
)
