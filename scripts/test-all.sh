#!/usr/bin/env bash
# Runs EVERY test suite, from a fresh machine (Debian 12, Node 20) up:
#   1 npm-ci           npm ci (only if node_modules is missing/stale, always when CI=true)
#   2 chromium         apt-get install -y chromium if /usr/bin/chromium is missing (needs root)
#   3 postgres         start the local PostgreSQL 15 cluster, create two fresh test databases
#   4 lint             npm run lint
#   5 typecheck        npm run typecheck
#   6 vitest-pglite    vitest on in-memory PGlite (DATABASE_URL unset)
#   7 vitest-postgres  vitest against Postgres (DATABASE_URL + random AUTH_SECRET)
#   8 build            npm run build
#   9 playwright       Playwright e2e (server on PGlite; E2E_DATABASE_URL = a separate Postgres DB)
# Every step runs even if an earlier one failed; the exit status is non-zero if any step failed.
# The last line of output is "N passed, N failed, N skipped" (scripts/summarize-results.mjs).
#
# Environment (optional):
#   TEST_RESULTS_DIR  where reports go (default .data/test-results; old reports there are removed first)
#   TEST_STEPS        space-separated subset of the step names above, e.g. "postgres vitest-postgres"
#   KEEP_TEST_DBS=1   keep the two Postgres test databases (dropped at the end by default)
#   TEST_DB_NAME / E2E_DB_NAME  database names (default app_test_vitest_<pid> / app_test_e2e_<pid>)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

export NEXT_TELEMETRY_DISABLED=1
is_ci() { [[ "${CI:-}" == true || "${CI:-}" == 1 ]]; }

RESULTS_DIR="${TEST_RESULTS_DIR:-$ROOT/.data/test-results}"
mkdir -p "$RESULTS_DIR" || { echo "cannot create $RESULTS_DIR" >&2; exit 1; }
RESULTS_DIR="$(cd "$RESULTS_DIR" && pwd)"
rm -f "$RESULTS_DIR"/steps.txt "$RESULTS_DIR"/vitest-pglite.json "$RESULTS_DIR"/vitest-postgres.json "$RESULTS_DIR"/playwright.json
STEPS_FILE="$RESULTS_DIR/steps.txt"
: >"$STEPS_FILE"

ALL_STEPS=(npm-ci chromium postgres lint typecheck vitest-pglite vitest-postgres build playwright)
SELECTED="${TEST_STEPS:-${ALL_STEPS[*]}}"
for s in $SELECTED; do
  if [[ " ${ALL_STEPS[*]} " != *" $s "* ]]; then
    echo "TEST_STEPS: unknown step '$s' (known: ${ALL_STEPS[*]})"
    echo "0 passed, 1 failed"
    exit 2
  fi
done

TEST_DB_NAME="${TEST_DB_NAME:-app_test_vitest_$$}"
E2E_DB_NAME="${E2E_DB_NAME:-app_test_e2e_$$}"
PG_URL=""      # vitest-postgres database
E2E_PG_URL=""  # separate database for the two-instance e2e spec
ANY_FAILED=0
STEP_NO=0
RUN_START=$SECONDS

# ---------------------------------------------------------------------------------------------
selected() { [[ " $SELECTED " == *" $1 "* ]]; }

header() {
  STEP_NO=$((STEP_NO + 1))
  echo
  echo "================================================================================"
  echo "==> [$STEP_NO/${#ALL_STEPS[@]}] $1: $2"
  echo "================================================================================"
}

# record <step> <passed|failed|skipped> [notes…]
record() {
  local name=$1 status=$2; shift 2
  echo "$name $status $*" >>"$STEPS_FILE"
  [[ "$status" == failed ]] && ANY_FAILED=1
  echo "<== $name: $status${*:+ ($*)}"
}

# step <name> <description> <command…>: runs the command (a program or a shell function, in this
# shell so functions can set variables), stdin from /dev/null, and records the outcome.
step() {
  local name=$1 desc=$2; shift 2
  if ! selected "$name"; then
    STEP_NO=$((STEP_NO + 1))
    return 0
  fi
  header "$name" "$desc"
  local t0=$SECONDS rc
  "$@" </dev/null
  rc=$?
  local secs=$((SECONDS - t0))
  case $rc in
    0) record "$name" passed "${secs}s" ;;
    124) record "$name" failed "timed out, ${secs}s" ;;
    *) record "$name" failed "exit $rc, ${secs}s" ;;
  esac
  return 0
}

# run_timeout <seconds> <command…>: the command under GNU timeout (which kills its whole process
# group when time is up). It runs in the background and we `wait` for it, so Ctrl-C / SIGTERM reach
# this script at once, and on_signal stops the command's process group (including servers it started).
CHILD=""
run_timeout() {
  local secs=$1; shift
  timeout --kill-after=30 "$secs" "$@" </dev/null &
  CHILD=$!
  wait "$CHILD"
  local rc=$?
  CHILD=""
  return $rc
}
on_signal() {
  trap - INT TERM
  echo
  echo "interrupted: stopping the running step"
  # timeout forwards the signal to its process group; it sends SIGKILL after --kill-after.
  if [[ -n "$CHILD" ]]; then kill -TERM "$CHILD" 2>/dev/null; wait "$CHILD" 2>/dev/null; fi
  exit 130
}

# ---- step bodies ------------------------------------------------------------------------------
do_npm_ci() {
  local why=""
  if is_ci; then
    why="CI=$CI"
  elif [[ ! -d node_modules ]]; then
    why="node_modules is missing"
  elif [[ ! -f node_modules/.package-lock.json ]]; then
    why="node_modules/.package-lock.json is missing"
  elif [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
    why="package-lock.json is newer than node_modules"
  fi
  if [[ -z "$why" ]]; then
    echo "node_modules is up to date with package-lock.json: skipping npm ci"
    return 0
  fi
  echo "running npm ci ($why)"
  run_timeout 1200 npm ci --no-audit --no-fund
}

apt_busy() { pgrep -x apt-get >/dev/null || pgrep -x apt >/dev/null || pgrep -x dpkg >/dev/null || pgrep -f unattended-upgrade >/dev/null; }

do_chromium() {
  if [[ -x /usr/bin/chromium ]]; then
    echo "/usr/bin/chromium is present"
    return 0
  fi
  if [[ "$(id -u)" != 0 ]]; then
    echo "ERROR: /usr/bin/chromium is missing and this is not root (there is no sudo)." >&2
    echo "       Install it as root first: apt-get update && apt-get install -y chromium" >&2
    return 1
  fi
  # Someone else's apt may be installing it right now: wait for that rather than racing it.
  local waited=0
  while apt_busy && (( waited < 900 )); do
    (( waited % 30 == 0 )) && echo "apt/dpkg is busy (another install running): waiting…"
    sleep 5
    waited=$((waited + 5))
  done
  if [[ -x /usr/bin/chromium ]]; then
    echo "/usr/bin/chromium appeared while waiting"
    return 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  run_timeout 900 apt-get -o DPkg::Lock::Timeout=600 update \
    && run_timeout 1200 apt-get -o DPkg::Lock::Timeout=600 install -y chromium \
    || return 1
  [[ -x /usr/bin/chromium ]] || { echo "ERROR: apt-get succeeded but /usr/bin/chromium is still missing" >&2; return 1; }
}

do_postgres() {
  local out
  out="$(timeout --kill-after=10 180 bash "$ROOT/scripts/pg-test-db.sh" "$TEST_DB_NAME" </dev/null)" || return 1
  PG_URL="$(tail -n1 <<<"$out")"
  out="$(timeout --kill-after=10 180 bash "$ROOT/scripts/pg-test-db.sh" "$E2E_DB_NAME" </dev/null)" || return 1
  E2E_PG_URL="$(tail -n1 <<<"$out")"
  [[ "$PG_URL" == postgres://* && "$E2E_PG_URL" == postgres://* ]] || { echo "ERROR: pg-test-db.sh printed no URL" >&2; return 1; }
  echo "vitest database: $TEST_DB_NAME, e2e database: $E2E_DB_NAME"
}

do_vitest_pglite() {
  # About 9 minutes on a 2-core machine under load; the limit leaves room for a slower one.
  run_timeout 1500 env -u DATABASE_URL -u E2E_DATABASE_URL \
    npx --no -- vitest run --reporter=default --reporter=json --outputFile="$RESULTS_DIR/vitest-pglite.json"
}

do_vitest_postgres() {
  if [[ -z "$PG_URL" ]]; then
    echo "ERROR: no Postgres test database (the postgres step failed or was not selected)" >&2
    return 1
  fi
  local secret
  secret="$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64url"))')" || return 1
  run_timeout 1500 env -u E2E_DATABASE_URL DATABASE_URL="$PG_URL" AUTH_SECRET="$secret" \
    npx --no -- vitest run --reporter=default --reporter=json --outputFile="$RESULTS_DIR/vitest-postgres.json"
}

do_build() {
  run_timeout 900 env -u DATABASE_URL NEXT_TELEMETRY_DISABLED=1 npm run build
}

do_playwright() {
  local -a envs=(PLAYWRIGHT_JSON_OUTPUT_NAME="$RESULTS_DIR/playwright.json")
  if [[ -n "$E2E_PG_URL" ]]; then
    envs+=(E2E_DATABASE_URL="$E2E_PG_URL")
  else
    echo "WARNING: no Postgres database for E2E_DATABASE_URL (the postgres step failed or was not selected)" >&2
  fi
  # The main e2e server runs on PGlite: DATABASE_URL must not leak into Playwright's webServer.
  run_timeout 1800 env -u DATABASE_URL -u E2E_DATABASE_URL "${envs[@]}" \
    npx --no -- playwright test --reporter=list,json
}

drop_test_dbs() {
  [[ "${KEEP_TEST_DBS:-}" == 1 ]] && return 0
  local db
  for db in ${PG_URL:+"$TEST_DB_NAME"} ${E2E_PG_URL:+"$E2E_DB_NAME"}; do
    timeout 60 bash "$ROOT/scripts/pg-test-db.sh" --drop "$db" >/dev/null 2>&1 || true
  done
  PG_URL="" E2E_PG_URL=""
}
trap drop_test_dbs EXIT
trap on_signal INT TERM

# ---- run --------------------------------------------------------------------------------------
echo "test-all: repo $ROOT, results in $RESULTS_DIR"
echo "node $(node --version 2>/dev/null || echo missing), npm $(npm --version 2>/dev/null || echo missing), CI=${CI:-}"

step npm-ci "npm ci (if needed)" do_npm_ci
step chromium "Debian chromium at /usr/bin/chromium" do_chromium
step postgres "PostgreSQL 15 cluster + fresh test databases" do_postgres
step lint "npm run lint" run_timeout 600 npm run lint
step typecheck "npm run typecheck" run_timeout 600 npm run typecheck
step vitest-pglite "vitest on PGlite" do_vitest_pglite
step vitest-postgres "vitest on PostgreSQL" do_vitest_postgres
step build "npm run build" do_build
step playwright "Playwright e2e" do_playwright

drop_test_dbs

echo
echo "================================================================================"
echo "==> summary (total $((SECONDS - RUN_START))s)"
echo "================================================================================"
node "$ROOT/scripts/summarize-results.mjs" "$RESULTS_DIR"
summary_rc=$?
if [[ $summary_rc -ne 0 && $summary_rc -ne 1 ]]; then
  # The summarizer itself broke: still end with a summary line.
  failed=$(grep -c ' failed' "$STEPS_FILE" 2>/dev/null)
  [[ "${failed:-0}" =~ ^[1-9][0-9]*$ ]] || failed=1
  echo "0 passed, $failed failed"
  exit 1
fi
if [[ $ANY_FAILED -ne 0 || $summary_rc -ne 0 ]]; then
  exit 1
fi
exit 0
