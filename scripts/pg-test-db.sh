#!/usr/bin/env bash
# Start the local PostgreSQL 15 cluster (Debian's postgresql-common) if needed, make sure the
# `app_test` role exists, and create a FRESH database owned by it.
#
#   scripts/pg-test-db.sh <dbname>          drop <dbname> if it exists, create it, print its URL
#   scripts/pg-test-db.sh --drop <dbname>   drop <dbname> if it exists (prints nothing on stdout)
#
# The DATABASE_URL (postgres://app_test:app_test@127.0.0.1:<port>/<dbname>) is the LAST line of
# stdout; all progress messages go to stderr. Idempotent: safe to run again and again.
# Must run as root (SQL runs as `postgres` via runuser; there is no sudo) or as the postgres user.
#
# Environment (all optional):
#   PG_VERSION (15), PG_CLUSTER (main), PG_TEST_ROLE (app_test), PG_TEST_PASSWORD (app_test),
#   PG_READY_TIMEOUT (seconds to wait for pg_isready, 60)
set -uo pipefail

PG_VERSION="${PG_VERSION:-15}"
PG_CLUSTER="${PG_CLUSTER:-main}"
ROLE="${PG_TEST_ROLE:-app_test}"
PASSWORD="${PG_TEST_PASSWORD:-app_test}"
READY_TIMEOUT="${PG_READY_TIMEOUT:-60}"

log() { echo "[pg-test-db] $*" >&2; }
die() { echo "[pg-test-db] ERROR: $*" >&2; exit 1; }

mode=create
if [[ "${1:-}" == "--drop" ]]; then mode=drop; shift; fi
DB="${1:-}"
[[ -n "$DB" ]] || die "usage: $0 [--drop] <dbname>"
# The name goes into SQL and a URL unquoted-safe: keep it to plain identifiers.
[[ "$DB" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "database name must match ^[a-z_][a-z0-9_]{0,62}\$ (got '$DB')"
[[ "$ROLE" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "role name must be a plain lower-case identifier (got '$ROLE')"
[[ "$PASSWORD" =~ ^[A-Za-z0-9_.~-]+$ ]] || die "PG_TEST_PASSWORD may only contain [A-Za-z0-9_.~-] (it goes into a URL)"

for cmd in pg_lsclusters pg_ctlcluster pg_isready psql; do
  command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' not found: install PostgreSQL $PG_VERSION (apt-get install -y postgresql-$PG_VERSION)"
done

# How to run things as the postgres OS user.
if [[ "$(id -u)" == 0 ]]; then
  command -v runuser >/dev/null 2>&1 || die "runuser not found (util-linux)"
  as_postgres() { (cd / && runuser -u postgres -- "$@"); }
elif [[ "$(id -un)" == postgres ]]; then
  as_postgres() { (cd / && "$@"); }
else
  die "must run as root or as the postgres user to start the cluster and create roles (there is no sudo here). Running as '$(id -un)'."
fi

# psql as the superuser over the Unix socket (peer auth), stop on the first error, quiet output.
psql_admin() { PGOPTIONS="-c client_min_messages=warning" as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres "$@"; }

cluster_line() { pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c'; }

# ---- 1. cluster exists and runs --------------------------------------------------------------
if [[ -z "$(cluster_line)" ]]; then
  log "cluster $PG_VERSION/$PG_CLUSTER does not exist: creating it"
  if [[ "$(id -u)" == 0 ]]; then
    pg_createcluster "$PG_VERSION" "$PG_CLUSTER" --start >&2 || die "pg_createcluster $PG_VERSION $PG_CLUSTER --start failed"
  else
    die "cluster $PG_VERSION/$PG_CLUSTER does not exist and only root can create it"
  fi
fi

status="$(cluster_line | awk '{print $4}')"
if [[ "$status" != online* ]]; then
  log "starting cluster $PG_VERSION/$PG_CLUSTER"
  pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start >&2
  rc=$?
  # Exit code 2 means "already running" (e.g. started by someone else meanwhile): fine.
  if [[ $rc -ne 0 && $rc -ne 2 ]]; then
    logfile="$(cluster_line | awk '{print $7}')"
    if [[ -n "$logfile" && -r "$logfile" ]]; then
      log "last lines of $logfile:"
      tail -n 20 "$logfile" >&2
    fi
    die "pg_ctlcluster $PG_VERSION $PG_CLUSTER start failed (exit $rc). If port $(cluster_line | awk '{print $3}') is used by another server, change 'port' in /etc/postgresql/$PG_VERSION/$PG_CLUSTER/postgresql.conf."
  fi
fi

# The cluster's port (5432 unless configured otherwise).
PORT="$(cluster_line | awk '{print $3}')"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "could not read the port of cluster $PG_VERSION/$PG_CLUSTER from pg_lsclusters"

# ---- 2. wait until it accepts connections -----------------------------------------------------
deadline=$((SECONDS + READY_TIMEOUT))
until pg_isready -q -h 127.0.0.1 -p "$PORT" -t 2; do
  if (( SECONDS >= deadline )); then
    die "PostgreSQL on 127.0.0.1:$PORT not ready after ${READY_TIMEOUT}s"
  fi
  sleep 0.5
done
# Our cluster really is the one answering on that port (not some other server on 5432).
as_postgres psql -X -q -p "$PORT" -d postgres -tAc "select 1" >/dev/null 2>&1 \
  || die "pg_isready succeeds on port $PORT but psql over the cluster's Unix socket fails"

if [[ "$mode" == drop ]]; then
  psql_admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >&2 || die "could not drop database $DB"
  log "dropped database $DB (if it existed)"
  exit 0
fi

# ---- 3. role (tolerates reruns and a concurrent run creating it at the same time) --------------
psql_admin >&2 <<SQL || die "could not create/update role $ROLE"
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '$ROLE') THEN
    BEGIN
      CREATE ROLE "$ROLE" LOGIN CREATEDB PASSWORD '$PASSWORD';
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END
\$\$;
ALTER ROLE "$ROLE" WITH LOGIN CREATEDB PASSWORD '$PASSWORD';
SQL

# ---- 4. fresh database -----------------------------------------------------------------------
# WITH (FORCE) (PostgreSQL 13+) also disconnects sessions left over from an earlier run.
psql_admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >&2 || die "could not drop database $DB"
psql_admin -c "CREATE DATABASE \"$DB\" OWNER \"$ROLE\"" >&2 || die "could not create database $DB"

URL="postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
# Check the URL really works (password auth over TCP, as the app will connect).
psql -X -q -w "$URL" -tAc "select 1" >/dev/null </dev/null \
  || die "created $DB but cannot connect as $ROLE over TCP (check pg_hba.conf for 127.0.0.1)"

log "database $DB is ready on port $PORT"
echo "$URL"
