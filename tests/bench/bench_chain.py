"""Benchmark: the chain analysis at city scale (100,000 enterprises, 300,000 supply links).

    .venv/bin/python tests/bench/bench_chain.py [--enterprises 100000] [--repeat 30]
        [--sqlite PATH] [--postgres URL | --no-postgres]

On the demo city (seeded and kept as by bench_pipeline.py, whose databases it shares) it times,
through the API with a Bearer token:
- the analysis after a data change (one supply link's share changed and committed, so the
  change counter moves and the request rebuilds): median of 5;
- the analysis when nothing changed (the kept one, worded once per language): median of --repeat;
- introduction paths of the top recommended target, and what-if for the largest chain leader;
and the memory the kept analysis holds (tracemalloc, what stays allocated after a rebuild).
Its floor, in the same run: a bare networkx DiGraph of every enterprise and supply link with
their attributes (the graph a naive design would keep), its build time and its memory.
"""

import argparse
import gc
import platform
import sqlite3
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import networkx as nx
from bench_pipeline import POSTGRES, seeded  # its neighbour: the same demo-city databases
from sqlalchemy import select, text

from app import create_app  # noqa: F401  (seeded builds the app)
from chainmap import kept
from chainmap.api import chain_settings
from crm.extensions import db
from crm.models import SupplyLink


def median_ms(timings: list[float]) -> float:
    return statistics.median(timings) * 1000


def change_one_link(app) -> None:
    with app.app_context():
        link = db.session.scalar(select(SupplyLink).order_by(SupplyLink.id).limit(1))
        link.share = 0.5 if link.share != 0.5 else 0.4
        db.session.commit()
        db.session.remove()


def timed_get(client, path: str, headers: dict) -> float:
    started = time.perf_counter()
    answer = client.get(path, headers=headers)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, (path, answer.status_code, answer.get_data()[:300])
    return elapsed


def bare_networkx(app) -> tuple[float, float, int, int]:
    """Build time (s), memory (MB), nodes and edges of the naive graph of the same data."""
    with app.app_context():
        connection = db.session.connection()
        firms = connection.execute(
            text(
                "SELECT id, is_local, is_chain_leader, is_leading, output_wan FROM enterprises "
                "WHERE deleted_at IS NULL"
            )
        ).all()
        links = connection.execute(
            text("SELECT supplier_id, customer_id, segment_id, share FROM supply_links")
        ).all()
        db.session.remove()
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    graph = nx.MultiDiGraph()
    for firm, is_local, leader, leading, output in firms:
        graph.add_node(firm, local=bool(is_local), leader=bool(leader), leading=bool(leading),
                       output=float(output or 0))  # fmt: skip
    for supplier, customer, segment, share in links:
        graph.add_edge(supplier, customer, segment=segment, share=share)
    elapsed = time.perf_counter() - started
    size, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, size / 2**20, graph.number_of_nodes(), graph.number_of_edges()


def kept_memory(app) -> tuple[float, float]:
    """What one rebuild keeps allocated (MB) and its peak (MB)."""
    kept.forget()
    gc.collect()
    with app.test_request_context():
        tracemalloc.start()
        before, _ = tracemalloc.get_traced_memory()
        found = kept.current(db.session, "automotive", chain_settings())
        db.session.remove()
        gc.collect()
        after, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert found is not None
    return (after - before) / 2**20, (peak - before) / 2**20


def run(url: str, enterprises: int, repeat: int) -> dict:
    app, token, _counts = seeded(url, enterprises)  # a city-bureau staff user's token
    headers = {"Authorization": f"Bearer {token}"}
    with app.app_context():
        links = db.session.scalar(select(db.func.count()).select_from(SupplyLink))
        db.session.remove()
    client = app.test_client()
    path = "/api/v1/chains/automotive/analysis"
    kept.forget()
    timed_get(client, path, headers)  # warm the process: imports, the first connection

    after_change = []
    for _ in range(5):
        change_one_link(app)
        after_change.append(timed_get(client, path, headers))
    unchanged = [timed_get(client, path, headers) for _ in range(repeat)]

    document = client.get(path, headers=headers).get_json()
    target = next(
        target["enterprise"]["id"]
        for item in document["recommendations"]
        for target in item["targets"]
    )
    leader = max(
        (entry for entry in document["leaders"] if entry["is_chain_leader"]),
        key=lambda entry: entry["local_suppliers"],
    )["enterprise"]["id"]
    paths = [
        timed_get(client, f"/api/v1/enterprises/{target}/introduction-paths", headers)
        for _ in range(max(5, repeat // 3))
    ]
    what_if = [
        timed_get(client, f"/api/v1/chains/automotive/what-if?enterprise={leader}", headers)
        for _ in range(5)
    ]
    kept_mb, rebuild_peak_mb = kept_memory(app)
    floor_s, floor_mb, nodes, edges = bare_networkx(app)
    return {
        "links": links,
        "after change ms": median_ms(after_change),
        "unchanged ms": median_ms(unchanged),
        "paths ms": median_ms(paths),
        "what-if ms": median_ms(what_if),
        "kept MB": kept_mb,
        "rebuild peak MB": rebuild_peak_mb,
        "networkx build s": floor_s,
        "networkx MB": floor_mb,
        "graph": f"{nodes:,} nodes, {edges:,} edges",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--sqlite", type=Path)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args()
    sqlite_path = options.sqlite or Path(tempfile.gettempdir()) / (
        f"investatlas-pipeline-bench-{options.enterprises}.db"
    )
    databases = [f"sqlite:///{sqlite_path}"]
    if not options.no_postgres:
        databases.append(options.postgres)
    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"networkx {nx.__version__}")  # fmt: skip
    for url in databases:
        dialect = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        result = run(url, options.enterprises, options.repeat)
        print(f"\n{dialect}: {options.enterprises:,} enterprises, {result.pop('links'):,} links")
        for name, value in result.items():
            print(
                f"  {name:18} {value:.1f}" if isinstance(value, float) else f"  {name:18} {value}"
            )


if __name__ == "__main__":
    main()
