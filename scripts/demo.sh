#!/usr/bin/env bash
# Set up (if needed) and run the main job: regenerate the bindings and show what they contain.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

ocppgen generate
ocppgen show --version 2.0.1
