"""Browser journeys: a live server on its own database, driven in Debian's headless Chromium."""

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from crm.clock import city_today
from crm.extensions import db
from crm.models import Unit
from crm.services.users import create_user
from demo.seed import seed_demo
from tests.support import (
    PASSWORD,
    drop_schema,
    make_app,
    own_database_url,
    recreate_schema,
    running_in_ci,
)

CHROMIUM = "/usr/bin/chromium"
DEMO_ENTERPRISES = 400
# Not under test-results/: pytest-playwright empties that folder at the start of each run.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip("!!! " + message + " !!!")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def live_app(database_url, tmp_path_factory):
    # A database of its own: the live server commits, which the rolled-back tests must not see.
    url = own_database_url(database_url, tmp_path_factory.mktemp("e2e"), "e2e")
    app = make_app(url, tmp_path_factory.mktemp("e2e-instance"))
    app.config["IMPORT_IN_BACKGROUND"] = True  # as in production: the page shows progress
    recreate_schema(app)
    with app.app_context():
        seed_demo(db.session, enterprises=DEMO_ENTERPRISES, seed=11, today=city_today())
        # Of the city bureau, which the demo city made: staff without a unit see nothing.
        city = db.session.scalar(select(Unit).where(Unit.kind == "city_bureau"))
        create_user(db.session, "li.staff", "staff", PASSWORD, display_name="李招商", unit=city)
        create_user(db.session, "chen.ambassador", "ambassador", PASSWORD, display_name="陈大使")
        db.session.commit()
        db.session.remove()
    yield app
    drop_schema(app)


@pytest.fixture(scope="session")
def live_server(live_app):
    """The app served from a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def screenshot(page, request):
    """screenshot(name): saves the page under test-output/screenshots/<database>/."""
    folder = SCREENSHOTS / os.environ.get("TEST_RUN_NAME", "local")
    folder.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = folder / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
