"""Small helpers the tests share (fixtures live in conftest.py)."""

import os
import re

from app import create_app

PASSWORD = "correct-horse-9"


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def make_app(database_url: str, instance_path) -> object:
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "UPLOAD_FOLDER": str(instance_path / "uploads"),
            "SERVER_NAME": None,
        }
    )
