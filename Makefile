# `make plan` and `make test` each do all set-up first: a pinned uv in .tools/, then .venv from uv.lock.
STACK ?= dev
UV_VERSION := 0.13.8
UV := .tools/bin/uv
CODE := components finplatform policies __main__.py

.PHONY: setup plan plan-all test lint typecheck unit benchmark policy-packs

setup: .venv/.synced

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked
	@touch $@

plan: setup
	.venv/bin/python -m finplatform plan --stack $(STACK)

# Every Pulumi.<stack>.yaml planned offline with the policy packs, in parallel processes, as one table.
# Exits 1 on a mandatory policy violation, 2 when a stack cannot be planned.
plan-all: setup
	.venv/bin/python -m finplatform plan --all

lint: setup
	.venv/bin/ruff check $(CODE) tests
	.venv/bin/ruff format --check $(CODE) tests

typecheck: setup
	.venv/bin/mypy

# A worker per core (each keeps its own cache of planned stacks); then the slow tests alone, since the benchmark
# times the plan against the SDK's floor and must not share the machine with other tests.
unit: setup
	.venv/bin/pytest -n auto -m "not slow"
	.venv/bin/pytest -m slow

test: lint typecheck unit plan-all

benchmark: setup
	.venv/bin/python -m finplatform benchmark --stack $(STACK)

# Self-contained copies of the policy packs in dist/policies/<pack>/, for `pulumi policy publish`.
policy-packs: setup
	.venv/bin/python -m finplatform build-policy-packs
