#!/usr/bin/env bash
# Build the wheel, install it in a clean venv with the extras of the commands (`apps`, `codegen`;
# no dev tools) and run the installed `ocppgen` from a scratch folder, away from the checkout:
# what a user of the package gets. (tests/test_install_wheel.py checks the bare install.)
#   --version; generate (needs --out outside a checkout; --check reads the installed bindings);
#   demo; csms + station (secrets from a file and the environment): the station boots Accepted,
#   seen through the operator API; conformance against that CSMS (the generated property-test
#   tables ship in the wheel for it; no pytest needed); then both are stopped. Last, with the
#   `testing` extra: the installed property tests (`pytest --pyargs`).
# Takes a minute or two (most of it installing the dependencies). PYTHON picks the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/ocppgen-wheel.XXXXXX")
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
step() { echo "== check-wheel: $*"; }
fail() {
    echo "check-wheel: FAILED: $*" >&2
    exit 1
}

step "build the wheel from the working tree (tracked and not ignored files)"
mkdir "$work/src" "$work/dist" "$work/run"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -c | tar -x -C "$work/src"
"$python" -m venv "$work/venv"
pip=("$work/venv/bin/python" -m pip --quiet)
"${pip[@]}" wheel --no-deps -w "$work/dist" "$work/src"
wheel=$(ls "$work/dist"/ocppgen-*.whl)

step "install $(basename "$wheel")[apps,codegen] in a clean venv"
"${pip[@]}" install "$wheel[apps,codegen]"
"$work/venv/bin/python" -c 'import pytest' 2>/dev/null && fail "pytest came with the extras"
export PATH="$work/venv/bin:$PATH"
cd "$work/run"
[ "$(command -v ocppgen)" = "$work/venv/bin/ocppgen" ] || fail "ocppgen is not the venv's"

step "ocppgen --version"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/pyproject.toml")
[ "$(ocppgen --version)" = "ocppgen $version" ] || fail "--version: $(ocppgen --version)"

step "ocppgen generate"
ocppgen generate --check --version 2.0.1 # the installed bindings match the installed spec
if ocppgen generate --version 1.6 2>"$work/err"; then fail "generate wrote without --out"; fi
grep -q -- "--out is required" "$work/err" || fail "generate without --out: $(cat "$work/err")"
ocppgen generate --version 2.0.1 --out "$work/run/generated"
[ -f "$work/run/generated/v201/messages.py" ] || fail "generate --out wrote no v201/messages.py"

step "ocppgen demo"
ocppgen demo --stations 2 --data-dir "$work/run/demo-data" >"$work/demo.log" 2>&1 ||
    fail "demo: $(tail -n 20 "$work/demo.log")"
tail -n 3 "$work/demo.log"

step "ocppgen csms + ocppgen station"
printf 'cs1-secret\n' >cs1.secret
printf 'cs2-secret\n' >cs2.secret
printf 'CS1:cs1-secret\nCS2:cs2-secret\n' >stations
export OCPPGEN_OPERATOR_PASSWORD=operator-secret
ocppgen csms --port 0 --api-port 0 --database csms.sqlite3 --stations-file stations \
    >csms.log 2>&1 &
pids+=($!)
wait_for() { # wait_for SECONDS COMMAND...: until the command succeeds
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}
wait_for 30 grep -q "Ctrl+C" csms.log || fail "csms did not start: $(cat csms.log)"
ocpp_url=$(sed -n 's/^OCPP endpoint *\(ws:[^<]*\)<station identity>$/\1/p' csms.log)
api_url=$(sed -n 's/^operator API *\(http:[^ ]*\)\/api .*/\1/p' csms.log)
ocppgen station --url "$ocpp_url" --id CS1 --password-file cs1.secret --db cs1.db \
    >station.log 2>&1 &
pids+=($!)
booted() {
    curl -sf -u "operator:$OCPPGEN_OPERATOR_PASSWORD" "$api_url/api/stations/CS1" >station.json &&
        "$work/venv/bin/python" -c '
import json, sys
station = json.load(open("station.json"))
sys.exit(not (station["connected"] and station["boots"] and station["boots"][-1]["status"] == "Accepted"))'
}
wait_for 30 booted || fail "CS1 did not boot: $(cat csms.log station.log)"
echo "CS1 connected and booted Accepted ($api_url/api/stations/CS1)"

step "ocppgen conformance csms (as CS2: valid and mutated Authorize requests)"
ocppgen conformance csms --url "$ocpp_url" --id CS2 --password-file cs2.secret \
    --only B01/boot --only messages/Authorize --seed 1 --max-examples 3 --quiet \
    --junit conformance.xml >conformance.log 2>&1 || fail "conformance: $(tail -n 30 conformance.log)"
grep -q 'messages/Authorize/mutations' conformance.xml || fail "no mutation checks ran"
tail -n 2 conformance.log
for pid in "${pids[@]}"; do kill -INT "$pid"; done
for pid in "${pids[@]}"; do wait "$pid" || fail "a process exited with $?: $(cat csms.log station.log)"; done
pids=()
! grep -q Traceback csms.log station.log || fail "a traceback: $(cat csms.log station.log)"

step "the installed property tests, with the testing extra"
"${pip[@]}" install "$wheel[testing]"
python -m pytest -q -p no:cacheprovider --pyargs ocppgen.generated.v16.proptests \
    -k "round_trip or dispatch" >pytest.log 2>&1 || fail "property tests: $(tail -n 30 pytest.log)"
tail -n 1 pytest.log
step "ok"
