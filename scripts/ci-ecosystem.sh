#!/usr/bin/env bash
# CI for the ecosystem checks: installs the programs the tests drive (curl,
# netcat-openbsd's nc, openssl, iproute2's ss) and the C formatter when they are missing,
# then runs the checks that `npm test` does not: formatting (npm run lint)
# and the TypeScript declarations (npm run test:types).
#
# Run it after `npm ci` (the checks use the devDependencies) and before
# `npm test` (the tests need the programs installed here).
#
#   bash scripts/ci-ecosystem.sh              install, then check
#   bash scripts/ci-ecosystem.sh --install    install only
#
# Every check runs even when an earlier one failed; the exit code is
# non-zero when any failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

missing=()

command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v clang-format >/dev/null 2>&1 || missing+=(clang-format)
command -v ss >/dev/null 2>&1 || missing+=(iproute2)

# The tests use nc -N, which only the OpenBSD netcat has.
if ! command -v nc >/dev/null 2>&1 || ! nc -h 2>&1 | grep -q OpenBSD; then
  missing+=(netcat-openbsd)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "ci-ecosystem: installing ${missing[*]}"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; }; then
    echo "ci-ecosystem: could not install ${missing[*]}" >&2
    exit 1
  fi
fi

if [ "${1:-}" = "--install" ]; then exit 0; fi

failed=()

run() {
  local name=$1
  shift
  echo "ci-ecosystem: $name: $*"
  if ! "$@"; then
    failed+=("$name")
  fi
}

run lint:js npm run --silent lint:js
run lint:c npm run --silent lint:c
run types npm run --silent test:types

if [ "${#failed[@]}" -gt 0 ]; then
  echo "ci-ecosystem: failed: ${failed[*]}" >&2
  exit 1
fi

echo "ci-ecosystem: all checks passed"
