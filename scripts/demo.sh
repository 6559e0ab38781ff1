#!/usr/bin/env bash
# Set up (if needed) and run the main job: check the generated bindings, then the demo: the
# reference CSMS and several stations over real loopback sockets on an embedded SQLite file
# (./demo-data/), running the basic use cases with progress and a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

ocppgen generate --check
ocppgen show --version 2.0.1 | sed -n 1,2p  # sed reads all: no SIGPIPE under pipefail
ocppgen demo "$@"
