# The two commands a new user needs: `make run` and `make test`. Everything else is for developers.
VENV      := .venv
PY        := $(VENV)/bin/python
FLASK     := $(VENV)/bin/flask --app wsgi
PORT      ?= 5000
# Settings for `make run` only (the tests pin their own): links in e-mails point here; the demo
# social page (/demo/) frames the shop from the other loopback name, a real cross-site frame, so
# the shop lets both names frame it and its cookie is SameSite=None; Secure; Partitioned.
run: export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
run: export FRAME_ANCESTORS ?= http://127.0.0.1:$(PORT),http://localhost:$(PORT)
run: export EMBEDDED_COOKIES ?= true
run: export DEMO_PAGE ?= true
# The PostgreSQL server the second test pass runs on (each run makes and drops its own database).
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# Two test processes (pytest-xdist), one per core: each has its own database, upload folder and
# servers, so the suite's time halves without any test depending on another's. worksteal: a
# process that runs out of tests takes some of the other's, so no core idles while the other
# finishes a long queue of browser tests.
PYTEST_ARGS ?= -q -p no:cacheprovider -n 2 --dist worksteal
# The PostgreSQL pass leaves out the tests marked `database_independent` (tests/conftest.py):
# pure functions, the message catalogs and the browser sweeps (HTML, CSS, axe), whose outcome
# cannot depend on the database; and `browser_ui`, Chromium driving back-office and reading pages
# whose server side the HTTP tests cover on both. Every HTTP, service, race and limit test runs in
# both passes, and so do the browser tests of a shopper's way to paying.
PG_PYTEST_MARKERS ?= -m "not database_independent and not browser_ui"

RUN_STAMP := $(VENV)/.run-deps
DEV_STAMP := $(VENV)/.dev-deps

# Python may write its compiled modules (__pycache__, ignored by git): some environments set
# PYTHONDONTWRITEBYTECODE, and then every test process, every server a test starts and pytest's
# assertion rewriting of its plugins (hypothesis, schemathesis) compile everything again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-sqlite test-postgres bench bench-reviews cluster translations extract-messages clean

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(RUN_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(DEV_STAMP): requirements-dev.txt requirements.txt $(RUN_STAMP)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# Compiled catalogs (.mo) are build output; the .po files are the source.
translations: $(RUN_STAMP)
	@$(VENV)/bin/pybabel compile -d translations

extract-messages: $(RUN_STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations

run: $(RUN_STAMP) translations
	$(FLASK) db upgrade
	$(FLASK) demo load
	@echo "Serving the shop on http://127.0.0.1:$(PORT)/  (staff sign-in: http://127.0.0.1:$(PORT)/account/login)"
	@echo "The demo social page with the shop in its tab: http://127.0.0.1:$(PORT)/demo/"
	@# The task worker (mail, expired stock holds) runs beside the web server and stops with it.
	@$(VENV)/bin/huey_consumer storefront.worker.huey --workers 2 --worker-type thread & \
	worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn -c python:storefront.gunicorn_conf --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

test: $(DEV_STAMP) translations
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(DEV_STAMP) translations
	@echo "== tests on SQLite"
	$(PY) -m pytest $(PYTEST_ARGS)

# Skipped with a notice on a machine without PostgreSQL; under CI=true that is a failure.
test-postgres: $(DEV_STAMP) translations
	@if $(PY) tests/postgres_available.py "$(PG_TEST_URL)"; then \
		echo "== tests on PostgreSQL"; \
		TEST_DATABASE_URL="$(PG_TEST_URL)" $(PY) -m pytest $(PYTEST_ARGS) $(PG_PYTEST_MARKERS); \
	elif [ "$$CI" = "true" ]; then \
		echo "CI=true and PostgreSQL is not reachable at $(PG_TEST_URL)"; exit 1; \
	else \
		echo "== PostgreSQL is not reachable at $(PG_TEST_URL): the PostgreSQL pass was skipped"; \
	fi

# The page benchmark, the back-office dashboard (1,000 and 100,000 orders), search (100 and
# 100,000 products), then the flash sale (2,000 checkouts at once against a capped offer, on a
# throwaway database made on the server of $(PG_TEST_URL), or on SQLite if it is not reachable),
# and the CPU each of its steps costs the shop.
bench: $(DEV_STAMP) translations
	$(PY) -m bench
	$(PY) -m bench.dashboard --postgres "$(PG_TEST_URL)"
	$(PY) -m bench.search --postgres "$(PG_TEST_URL)"
	$(PY) -m bench.flash_sale --postgres "$(PG_TEST_URL)"
	$(PY) -m bench.checkout_path --postgres "$(PG_TEST_URL)"

# Only the product page with 10,000 reviews next to one with none (and the hello world).
bench-reviews: $(DEV_STAMP) translations
	$(PY) -m bench --only-reviews

# For operators: the shop as it runs in production, on this machine's loopback: two app nodes
# (gunicorn) on the PostgreSQL database shop_cluster (made, migrated and given the demo if missing),
# one task worker, all sharing Redis (REDIS_URL, default redis://127.0.0.1:6379/0), behind HAProxy
# on http://127.0.0.1:$(PORT) (installed from Debian's packages when missing and run as root).
# Images in a bucket with the S3 settings (README, "Production"), or CLUSTER_ARGS=--local-s3.
# See bench/cluster.py; Ctrl-C stops everything.
cluster: $(DEV_STAMP) translations
	$(PY) -m bench.cluster --port $(PORT) $(CLUSTER_ARGS)

clean:
	rm -rf $(VENV) instance tests/artifacts bench/oscar/.venv
