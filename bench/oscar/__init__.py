"""django-oscar 4.2.1 for the bench's comparison, in a virtualenv of its own (never the shop's).

`bench/oscar/.venv` is made on first use from `requirements.txt` (and again when that file
changes); `benchshop/` is a minimal Django project set up as Oscar's "Building your own shop"
page says (its settings say what was chosen where the page leaves a choice); `load_catalog.py`
migrates it and loads the shop's demo catalog through Oscar's own import commands. This module
runs in the shop's virtualenv and only starts processes in Oscar's.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..seed import OscarCatalog
from ..servers import Gunicorn, ServerFailed

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
PYTHON = VENV / "bin" / "python"
REQUIREMENTS = HERE / "requirements.txt"
STAMP = VENV / "requirements.sha256"
APP = "benchshop.wsgi:application"

SETUP = ("django-oscar {oscar} on Django {django}, in bench/oscar/.venv (pinned in bench/oscar/requirements.txt); "
         "the project bench/oscar/benchshop set up as Oscar's \"Building your own shop\" says (Oscar's apps, "
         "context processors and middleware, e-mail sign-in, ATOMIC_REQUESTS), DEBUG off, Whoosh search as in "
         "Oscar's sandbox, persistent database connections, prices in euros and 12 products a page as the shop's, "
         "SQLite in WAL mode with IMMEDIATE transactions (without them concurrent product views fail, as Oscar "
         "counts each view in the request's transaction; with them those transactions, each holding SQLite's "
         "write lock, run one at a time). "
         "Catalogue: the shop's demo catalog through oscar_import_catalogue and oscar_import_catalogue_images "
         "({products} products, one per demo product at its lowest price with all its stock and its first "
         "picture; {categories} categories), then rebuild_index.")


def ensure_venv(say) -> Path:
    """Oscar's virtualenv, made (or remade) if it is missing or older than requirements.txt.

    :raise ServerFailed: if pip cannot install it."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == digest:
        return PYTHON
    say("Making django-oscar's virtualenv, bench/oscar/.venv (first run only; about a minute)")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    done = subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "-r", str(REQUIREMENTS)], capture_output=True, text=True)
    if done.returncode != 0:
        raise ServerFailed(f"pip could not install bench/oscar/requirements.txt:\n{done.stderr[-3000:]}")
    STAMP.write_text(digest)
    return PYTHON


def versions() -> dict[str, str]:
    done = subprocess.run([str(PYTHON), "-c", "import django, oscar; print(oscar.get_version(), django.get_version())"],
                          capture_output=True, text=True, check=True)
    oscar, django = done.stdout.split()
    return {"oscar": oscar, "django": django}


@dataclass
class OscarShop:
    """One migrated, loaded Oscar shop: its environment and the paths to measure."""

    name: str
    env: dict[str, str]
    product_path: str
    catalogue_path: str
    products: int
    categories: int

    def server(self, log: Path) -> Gunicorn:
        return Gunicorn(APP, env=self.env, ready_path=self.catalogue_path, log=log, python=PYTHON, cwd=HERE)


def prepare(name: str, folder: Path, database_url: str, catalog: OscarCatalog) -> OscarShop:
    """Migrate Oscar's database at `database_url` (sqlite:////file or postgresql://…), load the
    catalog and build the search index, its files in `folder`.

    :raise ServerFailed: if a step fails."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {"BENCH_OSCAR_DATA": str(folder), "BENCH_OSCAR_DATABASE": database_url,
           "DJANGO_SETTINGS_MODULE": "benchshop.settings"}
    done = subprocess.run([str(PYTHON), "load_catalog.py", str(catalog.csv), str(catalog.images), catalog.product_upc],
                          cwd=HERE, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        raise ServerFailed(f"django-oscar ({name}) could not be set up:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    return OscarShop(name=name, env=env, product_path=loaded["product"], catalogue_path=loaded["catalogue"],
                     products=loaded["products"], categories=loaded["categories"])
