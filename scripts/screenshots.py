"""Screenshots of the main pages for the README, taken in headless Chromium from the demo city.

Run after scripts/test has installed everything: .venv/bin/python scripts/screenshots.py
It serves the app from a thread on a throwaway SQLite database and writes static/screenshots/.
"""

import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from crm.clock import city_today  # noqa: E402
from crm.extensions import db  # noqa: E402
from demo.seed import DEMO_PASSWORD, seed_demo  # noqa: E402

OUT = ROOT / "static" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def serve(folder: Path) -> tuple[str, object]:
    # No tiles: the machine taking them has no internet, and the map is read for its points.
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.db'}",
                      "SECRET_KEY": "screenshots", "TILE_URL": "off"})  # fmt: skip
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        seed_demo(db.session, enterprises=2000, seed=1, today=city_today())
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def log_in(page, base: str, name: str = "zhaoshang") -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button.primary")


def show_top_target(page) -> None:
    """Open the top recommended segment from the table under the diagram, and its first
    target's introduction paths."""
    page.get_by_test_id("recommendations").locator("tbody button").first.click()
    page.get_by_test_id("show-paths").first.click()
    page.get_by_test_id("path").first.wait_for()
    page.get_by_test_id("segment-panel").scroll_into_view_if_needed()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        base, server = serve(Path(folder))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=CHROMIUM_ARGS)  # fmt: skip
            desktop = browser.new_context(viewport=DESKTOP, locale="zh-CN")
            page = desktop.new_page()
            log_in(page, base)
            shots = [
                ("dashboard", "/"),
                ("enterprises", "/enterprises?q=hj"),
                ("enterprise", None),
                ("enterprise-edit", None),
                ("import", "/imports/enterprises"),
                ("leads", "/leads"),
                ("lead-board", "/leads/board"),
                ("projects", "/projects?pool=construction"),
                ("project", None),
                ("chain", "/chain"),
                ("chain-segment", None),
                ("map", "/map"),
                ("ambassadors", "/ambassadors"),
                ("referral-inbox", "/ambassadors/inbox"),
                ("talent-desk", "/ambassadors/talent"),
                ("leaderboard", "/ambassadors/leaderboard"),
                ("reports", "/reports"),
                ("weekly", "/reports/weekly"),
                ("supervision", "/supervision"),
                ("monthly", "/reports/monthly"),
                ("quarterly", "/reports/quarterly"),
                ("annual", "/reports/annual"),
                ("targets", "/targets"),
            ]
            for name, path in shots:
                if name == "enterprise":
                    page.goto(f"{base}/enterprises?is_chain_leader=true")
                    page.locator("[data-testid=enterprise-table] tbody a").first.click()
                elif name == "enterprise-edit":
                    page.get_by_test_id("edit").click()
                elif name == "chain-segment":
                    show_top_target(page)
                elif name == "project":
                    page.goto(f"{base}/projects?pool=construction")
                    page.locator("[data-testid=project-table] tbody a").first.click()
                else:
                    page.goto(base + path)
                if name == "chain":
                    page.locator("#chain-app[data-ready=true]").wait_for()
                if name == "dashboard":
                    page.locator("[data-chart=funnel] canvas").wait_for()
                if name == "map":
                    page.get_by_test_id("map-count").filter(has_text="家").wait_for()
                page.screenshot(path=str(OUT / f"{name}.png"))
                print(f"{name}: {page.url}")
            page.goto(f"{base}/account")
            page.screenshot(path=str(OUT / "account.png"))
            admin = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
            log_in(admin, base, "admin")
            for name, path in (
                ("admin-users", "/admin/users?role=staff"),
                ("admin-units", "/admin/units"),
            ):
                admin.goto(base + path)
                admin.screenshot(path=str(OUT / f"{name}.png"))  # fmt: skip
            phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
            page = phone.new_page()
            log_in(page, base)
            page.goto(f"{base}/enterprises?q=丹江")
            page.screenshot(path=str(OUT / "enterprises-phone.png"))
            ambassador = phone.browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
            page = ambassador.new_page()
            log_in(page, base, "ambassador1")
            page.goto(f"{base}/portal")
            page.screenshot(path=str(OUT / "portal-phone.png"), full_page=True)
            page.goto(f"{base}/portal/recognition")
            page.screenshot(path=str(OUT / "recognition-phone.png"), full_page=True)
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
