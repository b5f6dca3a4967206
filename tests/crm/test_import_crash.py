"""An import killed with SIGKILL while it writes leaves nothing of itself in the database."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, func, select

from crm.models import Enterprise, ImportBatch
from tests.support import drop_schema, make_app, own_database_url, recreate_schema

ROOT = Path(__file__).resolve().parents[2]
ROWS = 60_000


def test_an_import_killed_while_writing_leaves_nothing(database_url, tmp_path):
    url = own_database_url(database_url, tmp_path, "crash")
    app = make_app(url, tmp_path)
    recreate_schema(app)
    try:
        file = tmp_path / "big.csv"
        lines = [
            "企业名称,年产值（万元）",
            *(f"十堰崩溃测试{n:06d}有限公司,{n}" for n in range(ROWS)),
        ]
        file.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
        environment = os.environ | {"DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "import", "enterprises", str(file)],
            cwd=ROOT,
            env=environment,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        seen = []
        for line in process.stderr:  # progress lines; the first "writing" one is mid-transaction
            seen.append(line)
            if "writing" in line:
                process.send_signal(signal.SIGKILL)
                break
        process.stderr.close()
        process.wait(timeout=120)
        assert process.returncode == -signal.SIGKILL, seen[-5:]

        engine = create_engine(url)
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(Enterprise)) == 0
            assert connection.scalar(select(func.count()).select_from(ImportBatch)) == 0
        engine.dispose()
    finally:
        drop_schema(app)
