"""Many people logging in at once against the live server: nobody gets a server error."""

import http.cookiejar
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from tests.support import PASSWORD, csrf_token


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def log_in(base: str) -> int:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect
    )
    form = opener.open(f"{base}/login").read().decode()
    data = urllib.parse.urlencode(
        {"name": "li.staff", "password": PASSWORD, "csrf_token": csrf_token(form)}
    ).encode()
    try:
        return opener.open(f"{base}/login", data=data).status
    except urllib.error.HTTPError as answer:  # 302 (not followed) and errors both land here
        return answer.code


def test_sixteen_simultaneous_logins_all_succeed(live_server):
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(log_in, [live_server] * 32))
    assert statuses == [302] * 32
