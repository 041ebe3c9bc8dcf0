# `make demo` and `make test` both start with `make install`, which does nothing when up to date.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ENV := IDP_CONFIG=config/demo.toml

.PHONY: install demo test lint clean translations bench soak

MO := idp/translations/vi/LC_MESSAGES/messages.mo

install: $(STAMP) $(MO)

$(MO): idp/translations/vi/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d idp/translations

$(STAMP): pyproject.toml tests/e2e/node/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	npm ci --prefix tests/e2e/node --no-audit --no-fund
	@# Browser tests drive Debian's chromium (Playwright cannot download browsers here).
	command -v chromium >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	touch $(STAMP)

demo: install
	$(DEMO_ENV) $(BIN)/flask --app idp db upgrade
	$(DEMO_ENV) $(BIN)/flask --app idp keys generate
	@echo
	@echo "Identity provider:   http://localhost:5000   (your account: /account)"
	@echo "Relying-party demo:  http://127.0.0.1:5001   (a bank, a landlord, a public portal)"
	@echo "Registry (simulated): http://127.0.0.1:5002  (synthetic residents to register with)"
	@echo "Staff console:       http://localhost:5000/admin   (officers: /admin/applications)"
	@echo "Create an account:   http://localhost:5000/register, then /activate"
	@echo "Demo credentials:"
	@$(DEMO_ENV) $(BIN)/flask --app idp demo seed
	@echo
	@echo "Notifications (activation codes too) are printed here by the console sender."
	@echo "Ctrl-C stops everything."
	@# One IdP worker: the demo's in-process store lives in that process (threads share it).
	@# The registry simulator keeps its people in memory: one worker too.
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/gunicorn --workers 1 --threads 8 --bind 127.0.0.1:5002 \
		'registry_simulator:create_app()' & \
	$(DEMO_ENV) $(BIN)/gunicorn --workers 1 --threads 8 --bind 127.0.0.1:5000 \
		--access-logfile - 'idp:create_app()' & \
	$(DEMO_ENV) $(BIN)/flask --app idp notify deliver --loop --interval 2 & \
	$(DEMO_ENV) $(BIN)/flask --app idp registry sync --loop --interval 60 & \
	RP_ISSUER=http://localhost:5000 RP_CLIENTS_FILE=instance/demo-clients.json \
	$(BIN)/gunicorn --workers 1 --threads 8 --bind 127.0.0.1:5001 \
		--access-logfile - 'relying_party_demo:create_app()' & \
	wait

test: install lint
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .

translations: install
	@# Re-extract the English texts and merge them into the Vietnamese catalogue.
	$(BIN)/pybabel extract -F babel.cfg -k _l -o idp/translations/messages.pot idp
	$(BIN)/pybabel update -i idp/translations/messages.pot -d idp/translations

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

# Our IdP beside panva's oidc-provider under the same load, 127.0.0.1 only; writes
# bench/RESULTS.md (about 30 minutes; BENCH_ARGS="--duration 5 --passes production" for less).
bench: install
	test bench/peer/node_modules/.package-lock.json -nt bench/peer/package-lock.json || \
		npm ci --prefix bench/peer --no-audit --no-fund
	timeout 2700 $(BIN)/python bench/run.py --compare-servers sync,gthread:4,granian:4 $(BENCH_ARGS)

# The full code flow at 5 flows/s for 10 minutes against the production shape; fails on any error.
soak: install
	timeout 1200 $(BIN)/python bench/soak.py $(SOAK_ARGS)
