#!/usr/bin/env bash
# mypy --strict over a copy of the package laid out as installed (build/typecheck/), errors
# reported at the repository's paths: see scripts/typecheck.py. Arguments go to mypy.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
[ -x "$python" ] || python=python3
exec "$python" scripts/typecheck.py "$@"
