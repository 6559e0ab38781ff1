#!/usr/bin/env bash
# Set up (if needed) and run every check: lint, types, generated-code drift, the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy --strict (scripts/typecheck.sh)"
bash scripts/typecheck.sh
echo "== generated/ matches the generator"
ocppgen generate --check
echo "== pytest"
pytest -n 2 -p no:cacheprovider "$@"
