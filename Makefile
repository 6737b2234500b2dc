# `make plan` and `make test` each do all set-up first: a pinned uv in .tools/, then .venv from uv.lock.
STACK ?= dev
UV_VERSION := 0.13.8
UV := .tools/bin/uv
CODE := components finplatform policies __main__.py

.PHONY: setup plan test lint typecheck unit benchmark policy-packs

setup: .venv/.synced

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked
	@touch $@

plan: setup
	.venv/bin/python -m finplatform plan --stack $(STACK)

lint: setup
	.venv/bin/ruff check $(CODE) tests
	.venv/bin/ruff format --check $(CODE) tests

typecheck: setup
	.venv/bin/mypy

unit: setup
	.venv/bin/pytest

test: lint typecheck unit

benchmark: setup
	.venv/bin/python -m finplatform benchmark --stack $(STACK)

# Self-contained copies of the policy packs in dist/policies/<pack>/, for `pulumi policy publish`.
policy-packs: setup
	.venv/bin/python -m finplatform build-policy-packs
