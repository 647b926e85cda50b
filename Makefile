# Two commands set up a machine: `make run` and `make test`; `make lint` checks the code.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-pg test-browser lint translations extract-messages clean mutation

# Versions come from constraints.txt (what the suite last passed with); setup.cfg holds the ranges.
$(STAMP): setup.cfg pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,lint]'
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel -q compile -d tipline/translations

run: translations
	$(BIN)/tipline db upgrade
	$(BIN)/tipline demo
	$(BIN)/tipline serve --host 127.0.0.1 --port 5000

# The whole suite (services, views, migrations, browser journeys) on SQLite.
# Set TIPLINE_TEST_DATABASE_URL to run the same suite on PostgreSQL.
test: translations
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-pg: translations
	TIPLINE_TEST_DATABASE_URL=$${TIPLINE_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-browser: translations
	$(BIN)/python -m pytest -q -m browser $(PYTEST_ARGS)

# ruff (pycodestyle, pyflakes, isort, bugbear, bandit) and mypy, configured in pyproject.toml.
# LINT_PATHS narrows ruff (mypy checks what pyproject.toml's `files` names, following imports).
LINT_PATHS ?= tipline tests
# Both always run (all findings in one go); either one failing fails the target.
lint: $(STAMP)
	@status=0; \
	$(BIN)/ruff check $(LINT_PATHS) || status=1; \
	$(BIN)/mypy || status=1; \
	exit $$status

# Mutation testing of the reward arithmetic and the calendar (docs/testing.md); not part of CI.
# Configuration in pyproject.toml [tool.mutmut]; one worker, SQLite. Half an hour or more.
MUTMUT_VERSION := 3.8.1
mutation: translations
	$(BIN)/pip install --quiet 'mutmut==$(MUTMUT_VERSION)'
	rm -rf mutants
	$(BIN)/mutmut run --max-children 1
	$(BIN)/mutmut results

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o tipline/translations/messages.pot .
	$(BIN)/pybabel update -i tipline/translations/messages.pot -d tipline/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) *.egg-info
