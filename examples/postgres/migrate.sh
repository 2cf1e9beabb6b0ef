#!/bin/sh
# `./migrate.sh up`: brings the database at $DATABASE_URL up to the newest migrations/NNN-*.sql.
# Slipway runs it once per deployment (slipway.yml `migrate:`), in the new release's folder, before
# any host switches. Each file not yet in schema_migrations is applied in one transaction together
# with its schema_migrations row, so a file that fails leaves nothing of itself behind. Every call
# is recorded in migration_runs: a run without finished_at is one that failed or was killed.
set -eu

if [ "${1:-}" != up ]; then
  echo "usage: $0 up" >&2
  exit 2
fi
if [ -z "${DATABASE_URL:-}" ]; then
  echo "migrate.sh: DATABASE_URL is not set: give it a libpq URL, e.g. postgres://inventory@db.internal/inventory (slipway secret set)" >&2
  exit 2
fi
cd "$(dirname "$0")"
# A database that does not answer fails the migration in seconds, not at Slipway's timeout.
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}"

# -X: no ~/.psqlrc on the host changes what runs; -q: only results and errors are printed.
sql() { psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }

sql <<'SQL'
set client_min_messages = warning;
create table if not exists schema_migrations (
  version text primary key,
  applied_at timestamptz not null default now()
);
create table if not exists migration_runs (
  id serial primary key,
  deployment text,
  started_at timestamptz not null default now(),
  finished_at timestamptz
);
SQL

run_id=$(printf '%s\n' "insert into migration_runs (deployment) values (nullif(:'deployment', '')) returning id;" |
  sql -tA -v deployment="${SLIPWAY_DEPLOYMENT_ID:-}")
applied=$(sql -tA -c 'select version from schema_migrations')

count=0
for file in migrations/[0-9][0-9][0-9]-*.sql; do
  [ -f "$file" ] || continue
  version=$(basename "$file" .sql)
  if printf '%s\n' "$applied" | grep -qxF -- "$version"; then continue; fi
  echo "applying $(basename "$file")"
  # The file and its row in one transaction: both are kept, or neither. A second migrate.sh racing
  # this one fails on the row's primary key instead of applying the file twice.
  if ! { cat "$file"; printf '\n%s\n' "insert into schema_migrations (version) values (:'version');"; } |
    sql --single-transaction -v version="$version" -f -; then
    echo "migrate.sh: $(basename "$file") failed: nothing of it was applied" >&2
    exit 1
  fi
  count=$((count + 1))
done

sql -c "update migration_runs set finished_at = now() where id = $run_id"
latest=$(sql -tA -c 'select max(version) from schema_migrations')
if [ "$count" -eq 0 ]; then
  echo "nothing to apply: the database is at ${latest:-no migration}"
else
  echo "applied $count migration(s): the database is at $latest"
fi
