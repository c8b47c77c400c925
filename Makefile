# Two commands set everything up on a fresh machine with Python 3.11+ and git:
#   make demo   checks the bundled example landscape, renders prod, previews it offline
#               and walks through a pull request that asks for a VM
#   make test   runs the whole test suite (the fast layer: no engine, no cluster)
# And with Go 1.26 and the Go module proxy:
#   make e2e    builds the real engine and a loopback control plane from Go modules
#               (make e2e-tools; cached in ~/.cache/platform-e2e), then applies the
#               bundled landscape with the real `platform up` and tests what the cluster holds
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint lock bench bench-apply bench-catalog docs clean e2e e2e-tools fuzz browser catalog

# Every dependency comes from the hash-pinned lock (requirements/dev.txt, which `make lock`
# writes from pyproject.toml); the project itself is installed without resolving anything.
$(STAMP): pyproject.toml requirements/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The locks CI installs from: requirements/run.txt (what apply and drift need) and
# requirements/dev.txt (with the dev extra), every file of every version by its sha256,
# the build backend included. Run it after changing a dependency in pyproject.toml;
# `make lock UPGRADE=--upgrade` moves every pin to the newest version allowed.
LOCK_FLAGS := --quiet --generate-hashes --strip-extras --all-build-deps --allow-unsafe \
	--no-emit-index-url --no-emit-find-links --no-header
lock: $(STAMP)
	$(BIN)/python -m piptools compile $(LOCK_FLAGS) $(UPGRADE) -o requirements/run.txt pyproject.toml
	$(BIN)/python -m piptools compile $(LOCK_FLAGS) $(UPGRADE) --extra dev -o requirements/dev.txt pyproject.toml

demo: $(STAMP)
	$(BIN)/platform check
	$(BIN)/platform render --stack prod --out build/manifests/prod
	$(BIN)/platform preview --offline --stack prod
	scripts/demo-pr.sh
	$(BIN)/platform catalog --out build/catalog

# The browser tests of the catalog (tests/test_catalog_browser.py) drive Debian's
# chromium through Playwright; they fail, never skip, without it.
test: $(STAMP) browser
	PLATFORM_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest

# Debian's chromium for the catalog's browser tests (Playwright cannot download a browser
# here): installed once, when /usr/bin/chromium is missing. Needs root, as CI has.
# CHROMIUM=/path/to/chrome uses another Chromium-based browser instead.
CHROMIUM ?= /usr/bin/chromium
browser:
	test -x $(CHROMIUM) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; }
	test -x $(CHROMIUM)

# The landscape catalog, a static site: open build/catalog/index.html
catalog: $(STAMP)
	$(BIN)/platform catalog --out build/catalog

# Random and mutated documents through the reader and the whole `platform check` for
# FUZZ_SECONDS (10 minutes by default); prints the inputs tried and the findings by rule.
# `make test` runs the same targets briefly, with fixed inputs.
FUZZ_SECONDS ?= 600
fuzz: $(STAMP)
	PLATFORM_FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/python -m pytest -m fuzz tests/test_fuzz.py -s -q

# The Pulumi CLI and language host, the Kubernetes provider, etcd, the Kubernetes control
# plane, kwok and the operators' CRDs, at the versions in scripts/e2e/pins.env. Cold: about
# 40 minutes on two cores; warm: seconds (docs/operations.md).
e2e-tools:
	scripts/e2e/build-tools.sh

e2e: $(STAMP) e2e-tools
	$(BIN)/python -m pytest -m e2e tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/zizmor --offline --persona auditor --min-severity medium .github

# Benchmarks at 1,000, 10,000 and 50,000 resources; rewrites docs/performance.md.
# Takes a while (tens of minutes on two cores); SIZES=1000,10000 for a shorter run.
SIZES ?= 1000,10000,50000
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --sizes $(SIZES)

# The real apply (cold, parallel, no-op and one-change) on the e2e control plane; rewrites
# its block of docs/performance.md. About 15 minutes on two cores.
bench-apply: $(STAMP) e2e-tools
	$(BIN)/python -m benchmarks.apply

# The catalog's build time against a cold check, on the bundled landscape and on a
# generated one; rewrites its block of docs/performance.md. A few minutes.
bench-catalog: $(STAMP)
	$(BIN)/python -m benchmarks.catalog --sizes 10000

docs: $(STAMP)
	$(BIN)/python -m platform_cli.report.docgen .
	$(BIN)/platform policies --markdown > docs/policies.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build
