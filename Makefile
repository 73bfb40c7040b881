# The two commands of the quick start are `make run` and `make test`; everything else is optional.
# Only Python 3.11+ and make are needed: the first run creates .tools/ (uv) and .venv/ (the
# locked dependencies from uv.lock).

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test lint format bench-logins bench-provisioning bench-eoffice bench-billing bench-report bench-request-path bench-web-cpu bench-web-workers bench-load bench-faults terraform-check clean-local help

help:
	@echo "make run    serve the demo at http://localhost:8000 (web server + worker)"
	@echo "make test   run the whole test suite"
	@echo "make lint   ruff check, ruff format --check and mypy"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

run: $(VENV)/.synced
	$(PY) platform/localstack.py run

test: $(VENV)/.synced
	$(PY) platform/localstack.py test $(PYTEST_ARGS)

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: $(VENV)/.synced
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

terraform-check: $(UV)
	@if command -v terraform >/dev/null; then terraform fmt -check -recursive terraform; fi
	$(UV) tool run --from "checkov==3.3.30" checkov --quiet --compact -d terraform

clean-local:
	@echo "This deletes the embedded database and every local file under .local/."
	@read -p "Type 'delete' to confirm: " answer && [ "$$answer" = delete ] && rm -rf .local

bench-logins: $(VENV)/.synced
	$(PY) bench/logins.py --officers 100

bench-provisioning: $(VENV)/.synced
	$(PY) bench/provisioning.py

bench-eoffice: $(VENV)/.synced
	$(PY) bench/eoffice.py

bench-billing: $(VENV)/.synced
	$(PY) bench/billing.py

bench-report: $(VENV)/.synced
	$(PY) bench/report.py

bench-request-path: $(VENV)/.synced
	$(PY) bench/request_path.py

bench-web-cpu: $(VENV)/.synced
	$(PY) bench/web_cpu.py

bench-web-workers: $(VENV)/.synced
	$(PY) bench/web_workers.py

bench-load: $(VENV)/.synced
	$(PY) -m bench.load.run $(BENCH_ARGS)

bench-faults: $(VENV)/.synced
	$(PY) -m bench.load.faults $(BENCH_ARGS)
