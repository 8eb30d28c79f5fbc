#!/bin/sh
# The PostgreSQL container's first start (docker-entrypoint-initdb.d): the two roles of
# docs/operations.md. Their privileges are given by the database-roles service on every start.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_password="$POSTGRES_OWNER_PASSWORD" -v app_password="$POSTGRES_APP_PASSWORD" <<'SQL'
CREATE ROLE ejournal_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE ejournal_app LOGIN PASSWORD :'app_password';
SQL
