#!/usr/bin/env bash
# Regenerate the golden outputs under tests/golden/ (see tests/golden/README.md); review the diff.
set -euo pipefail
cd "$(dirname "$0")/.."
ocppgen=.venv/bin/ocppgen
"$ocppgen" diff 2.0.1 2.1 > tests/golden/diff-2.0.1-2.1.txt
"$ocppgen" diff 2.0.1 2.1 --format json > tests/golden/diff-2.0.1-2.1.json
echo "regenerated tests/golden/; review with: git diff tests/golden/"
