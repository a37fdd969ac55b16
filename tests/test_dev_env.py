"""A development checkout starts like any Django project; production still needs a secret key.

``make install`` writes ``.env`` with ``KEJIN_DEV=1`` when there is none, and
``config/settings.py`` reads it. Each test copies ``config/`` and ``manage.py`` into a
temporary directory (``BASE_DIR`` is where settings look for ``.env`` and ``var/``) and runs
``manage.py check`` there in a clean environment, importing ``kejin`` from this checkout.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEVELOPMENT_VARIABLES = ("KEJIN_DEV", "DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    shutil.copytree(
        REPO / "config", tmp_path / "config", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(REPO / "manage.py", tmp_path / "manage.py")
    return tmp_path


def _clean_environment() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in DEVELOPMENT_VARIABLES}
    environment.pop("MAKEFLAGS", None)
    environment["PYTHONPATH"] = str(REPO)
    return environment


def _manage_check(checkout: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=checkout,
        env=_clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_dotenv_or_secret_key_manage_py_refuses_to_start(checkout):
    result = _manage_check(checkout)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set." in result.stderr
    assert not (checkout / "var" / "secret_key").exists()


def test_make_install_writes_dotenv_and_manage_py_then_starts(checkout):
    shutil.copy(REPO / "Makefile", checkout / "Makefile")

    made = subprocess.run(
        ["make", "--no-print-directory", ".env"],
        cwd=checkout,
        env=_clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    result = _manage_check(checkout)

    assert made.returncode == 0, made.stderr
    assert "KEJIN_DEV=1" in (checkout / ".env").read_text().splitlines()
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert (checkout / "var" / "secret_key").exists()


def test_make_keeps_an_existing_dotenv(checkout):
    shutil.copy(REPO / "Makefile", checkout / "Makefile")
    (checkout / ".env").write_text("SECRET_KEY=production-secret\n")

    subprocess.run(
        ["make", "--no-print-directory", ".env"],
        cwd=checkout,
        env=_clean_environment(),
        check=True,
        capture_output=True,
        timeout=60,
    )

    assert (checkout / ".env").read_text() == "SECRET_KEY=production-secret\n"


def test_gitignore_keeps_dotenv_out_of_the_repository():
    assert ".env" in (REPO / ".gitignore").read_text().splitlines()
