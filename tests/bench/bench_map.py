"""Benchmark: the industry map at city scale, against the naive folium page.

    .venv/bin/python tests/bench/bench_map.py [--enterprises 100000] [--repeat 5]
        [--sqlite PATH] [--naive 10000 | --naive 0]

Seeds the demo city into a SQLite file (kept and reused by later runs), then, through the Flask
test client as a city-bureau user: the /map page's HTML and its shell script (sizes), and
/api/v1/map/enterprises.geojson for every point and for a typical filter (median time of
--repeat runs after a warm-up, size raw and gzipped); and the first render in headless Chromium
(Debian's /usr/bin/chromium, tiles off): from asking for /map to the count of every point shown,
the points fetched and clustered (median of 3, after one warm-up). The floor is the naive page
the issue compares against, built in the same run: one folium Marker with a popup per
enterprise in a MarkerCluster, at --naive points (its build time and HTML size).
"""

import argparse
import gzip
import re
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import folium
from flask_migrate import upgrade
from folium.plugins import MarkerCluster
from sqlalchemy import func, select

from app import create_app
from crm.extensions import db
from crm.models import Enterprise, Unit, User
from crm.services.users import create_user
from demo.seed import seed_demo

PASSWORD = "bench-password-1"
USER = "bench.map"
TYPICAL = "district=420302&safety_at_least=B&tax_per_mu_min=5"


def prepared_app(path: Path, enterprises: int):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "bench",
            "TESTING": True,
            "TILE_URL": "off",
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        count = db.session.scalar(select(func.count()).select_from(Enterprise))
        if count < enterprises:
            started = time.perf_counter()
            seed_demo(db.session, enterprises=enterprises, seed=1, today=date(2026, 11, 28))
            print(f"seeded {enterprises:,} enterprises in {time.perf_counter() - started:.1f} s")
        if db.session.scalar(select(User).where(User.name == USER)) is None:
            city = db.session.scalar(select(Unit).where(Unit.kind == "city_bureau"))
            create_user(db.session, USER, "staff", PASSWORD, unit=city)
        db.session.commit()
    return app


def logged_in(app):
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"name": USER, "password": PASSWORD, "csrf_token": token})
    return client


def timed(client, url: str, repeat: int, headers=None):
    client.get(url, headers=headers)  # warm-up
    times, response = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - started)
    assert response.status_code == 200, response.status_code
    return statistics.median(times), response


def naive_page(app, points: int) -> tuple[float, int]:
    """The page as the folium tutorials would write it: a Marker with a popup per enterprise."""
    with app.app_context():
        rows = db.session.execute(
            select(Enterprise.name, Enterprise.lon, Enterprise.lat)
            .where(Enterprise.lon.isnot(None))
            .limit(points)
        ).all()
    started = time.perf_counter()
    figure = folium.Map(location=[32.6, 110.8], zoom_start=9)
    cluster = MarkerCluster().add_to(figure)
    for name, lon, lat in rows:
        folium.Marker([lat, lon], popup=folium.Popup(name)).add_to(cluster)
    html = figure.get_root().render()
    return time.perf_counter() - started, len(html.encode())


def first_render(app, repeat: int = 3) -> float:
    """Median seconds from navigating to /map until its count of every point is shown."""
    import threading

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    times = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(f"{base}/login")
            page.fill("input[name=name]", USER)
            page.fill("input[name=password]", PASSWORD)
            page.click("main button.primary")
            for attempt in range(repeat + 1):
                started = time.perf_counter()
                page.goto(f"{base}/map")
                page.get_by_test_id("map-count").filter(has_text="家").wait_for(timeout=120_000)
                if attempt:  # the first warms the server and the browser's cache
                    times.append(time.perf_counter() - started)
            browser.close()
    finally:
        server.shutdown()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sqlite", type=Path)
    parser.add_argument("--naive", type=int, default=10_000)
    args = parser.parse_args()
    path = args.sqlite or Path(tempfile.gettempdir()) / f"bench-map-{args.enterprises}.db"
    app = prepared_app(path, args.enterprises)
    client = logged_in(app)

    page = client.get("/map")
    shell = client.get("/map/shell.js")
    print(
        f"/map HTML: {len(page.data) / 1024:.0f} KB; shell script {len(shell.data) / 1024:.0f} KB"
    )
    gz = {"Accept-Encoding": "gzip"}
    for label, query in (("all points", ""), ("typical filter", TYPICAL)):
        url = f"/api/v1/map/enterprises.geojson?{query}"
        seconds, response = timed(client, url, args.repeat)
        zipped_seconds, zipped = timed(client, url, args.repeat, gz)
        body = response.get_json()
        assert len(gzip.decompress(zipped.data)) == len(response.data)
        print(
            f"GeoJSON, {label} ({body['count']:,} points): {seconds * 1000:.0f} ms, "
            f"{len(response.data) / 1e6:.1f} MB; gzipped {zipped_seconds * 1000:.0f} ms, "
            f"{len(zipped.data) / 1e6:.2f} MB"
        )
    print(f"first render in Chromium, every point: {first_render(app):.2f} s")
    if args.naive:
        seconds, size = naive_page(app, args.naive)
        print(
            f"floor: naive folium page, {args.naive:,} Markers with popups: "
            f"built in {seconds:.1f} s, {size / 1e6:.1f} MB of HTML"
        )


if __name__ == "__main__":
    main()
