#!/usr/bin/env bash
# Runs every test file under test/ with brittle-bare and ends with the plain
# summary line CI reads: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

brittle-bare "$@" test/*.js 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")

# A crash ends the run before brittle's own summary: count it as a failure.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi

echo
echo "$passed passed, $failed failed"
exit "$status"
