"""How many referrals an ambassador may submit: REFERRAL_LIMITS (Flask-Limiter's notation,
"20 per hour"), counted per ambassador over the portal and the API together, investor and
talent referrals alike. Only submissions that were recorded count: a form sent back with a
mistake does not use the allowance up. The counts live in RATELIMIT_STORAGE_URI, as the
log-in throttle's do."""

import math
import time

from flask import current_app
from flask_babel import gettext as _
from limits import parse_many

from crm.extensions import limiter

NAMESPACE = "referral-submissions"


def _limits():
    return parse_many(current_app.config["REFERRAL_LIMITS"])


def wait_seconds(ambassador_id: int) -> int | None:
    """None while the ambassador may submit one more; else the seconds until they may."""
    if not limiter.enabled:
        return None
    strategy = limiter.limiter
    waits = []
    for item in _limits():
        if not strategy.test(item, NAMESPACE, str(ambassador_id)):
            reset_at, _remaining = strategy.get_window_stats(item, NAMESPACE, str(ambassador_id))
            waits.append(max(1, math.ceil(reset_at - time.time())))
    return max(waits) if waits else None


def counted(ambassador_id: int) -> None:
    """One submission recorded."""
    if not limiter.enabled:
        return
    for item in _limits():
        limiter.limiter.hit(item, NAMESPACE, str(ambassador_id))


def message(wait: int) -> str:
    return _(
        "您提交推荐过于频繁，请在 %(minutes)d 分钟后再提交；如有大量推荐，请联系招商局。",
        minutes=max(1, math.ceil(wait / 60)),
    )
