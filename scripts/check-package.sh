#!/usr/bin/env bash
# Packs lagwatch as npm would publish it, installs the tarball into an empty prefix and runs the
# installed binary: `lagwatch --help` and `lagwatch migrate` on a fresh SQLite file. Fails loudly
# when the package lacks what it needs to run (dist/, a dependency) or ships what it should not.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { printf 'check-package: %s\n' "$*" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/lagwatch-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

# `npm pack` runs `prepare` (the build) first, so dist/ is fresh in the tarball.
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
[ -f "$work/$tarball" ] || fail "npm pack produced no tarball"

listing=$(tar -tzf "$work/$tarball")
unexpected=$(printf '%s\n' "$listing" | grep -vE '^package/(bin/|dist/|README\.md$|LICENSE$|package\.json$)' || true)
[ -z "$unexpected" ] || fail "the package ships files outside bin/, dist/, README.md, LICENSE:
$unexpected"
for needed in package/bin/lagwatch.js package/dist/cli/main.js package/dist/dashboard/index.html package/LICENSE package/README.md; do
  printf '%s\n' "$listing" | grep -qx "$needed" || fail "the package lacks $needed"
done

prefix="$work/prefix"
mkdir -p "$prefix"
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "$work/$tarball" >/dev/null \
  || fail "npm install of $tarball into an empty prefix failed"
bin="$prefix/node_modules/.bin/lagwatch"
[ -x "$bin" ] || fail "the installed package has no node_modules/.bin/lagwatch"

# Run from an empty directory with a clean environment, so nothing of the checkout is picked up.
run_dir="$work/run"
mkdir -p "$run_dir"
cd "$run_dir"
help=$(env -i PATH="$PATH" HOME="$work" "$bin" --help 2>&1) || fail "lagwatch --help failed:
$help"
printf '%s\n' "$help" | grep -q 'migrate' || fail "lagwatch --help does not list its commands:
$help"
migrated=$(env -i PATH="$PATH" HOME="$work" DB_DRIVER=sqlite DB_DATABASE="$work/state/lagwatch.db" \
  EMBEDDED_LOG_DB="$work/state/logs.db" "$bin" migrate 2>&1) || fail "lagwatch migrate failed:
$migrated"
[ -s "$work/state/lagwatch.db" ] || fail "lagwatch migrate created no database at DB_DATABASE"
echo "check-package: $tarball installs; lagwatch --help and lagwatch migrate work from the installed package"
