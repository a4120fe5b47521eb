#!/usr/bin/env bash
# Until the first release, the schema lives in one initial migration that is
# regenerated from the models. After release, add revisions instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f db/migrations/versions/0001_initial.py
XUEJI_DATABASE_URL="sqlite+aiosqlite:///$tmp/empty.sqlite3" \
  alembic revision --autogenerate --rev-id 0001 -m initial >/dev/null
ruff format -q db/migrations/versions/0001_initial.py || true
rm -rf "$tmp"
echo "regenerated db/migrations/versions/0001_initial.py"
