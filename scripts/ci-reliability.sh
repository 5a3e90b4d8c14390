#!/usr/bin/env bash
# The reliability checks that are not part of `npm test`, for CI:
#
#   asan       the whole test suite against the addon built with
#              AddressSanitizer and UndefinedBehaviorSanitizer
#              (scripts/test-asan.sh)
#   asan-stress  2,000 concurrent connections and a 20 s soak, both against
#              the sanitized addon
#   valgrind   a traffic script under valgrind memcheck (scripts/valgrind.sh)
#   fuzz       more and longer fuzz runs than npm test does, against the
#              normal build (test/fuzz.js with FUZZ_RUNS and FUZZ_OPS)
#   large      one write of more than 4 GiB (test/stress/large-write.js)
#   stress10k  10,000 concurrent connections (test/stress/10k.js)
#   soak       60 s of mixed traffic with a memory bound (test/stress/soak.js)
#
#   bash scripts/ci-reliability.sh              # all of them
#   bash scripts/ci-reliability.sh soak asan    # some
#
# It installs what it needs with apt-get (clang, libclang-rt-14-dev,
# valgrind) when missing, expects `npm ci` to have run, and exits non-zero
# if any check failed. FUZZ_SEED fixes the seeds of the fuzz and the soak.
# Every check has a time limit. Measured on a 2-core machine: about 6
# minutes in all: the ASan suite about 2, valgrind 1.5, the soak 1, the ASan
# stress 0.5, the rest under a minute together.
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root" || exit 1

bare="$root/node_modules/bare-runtime-linux-x64/bin/bare"
if [ ! -x "$bare" ]; then
  echo "[reliability] no Bare binary under node_modules: run npm ci first" >&2
  exit 1
fi

export PATH="$root/node_modules/.bin:$PATH"

checks=("$@")
if [ ${#checks[@]} -eq 0 ]; then checks=(asan asan-stress valgrind fuzz large stress10k soak); fi

# The soft descriptor limit raised as far as the hard one allows; 10,000
# connections need a little over 10,000 per process.
descriptors() {
  local hard
  hard="$(ulimit -Hn)"
  if [ "$hard" = unlimited ]; then echo 65536; else echo "$hard"; fi
}

run_check() {
  case "$1" in
    asan)
      timeout 1200 bash scripts/test-asan.sh
      ;;
    asan-stress)
      local limit
      limit="$(descriptors)"
      ASAN_RUN='test/stress/10k.js 2000' timeout 600 bash -c "ulimit -n $limit && exec bash scripts/test-asan.sh --run" &&
        SOAK_SECONDS=20 SOAK_WARMUP=5 ASAN_RUN='--expose-gc test/stress/soak.js' timeout 600 bash scripts/test-asan.sh --run
      ;;
    valgrind)
      timeout 900 bash scripts/valgrind.sh
      ;;
    fuzz)
      FUZZ_RUNS="${FUZZ_RUNS:-20}" FUZZ_OPS="${FUZZ_OPS:-3000}" timeout 900 brittle-bare test/fuzz.js
      ;;
    large)
      timeout 300 brittle-bare test/stress/large-write.js
      ;;
    stress10k)
      local limit
      limit="$(descriptors)"
      if [ "$limit" -lt 10100 ]; then
        echo "[reliability] the descriptor limit is $limit; 10,000 connections need 10,100" >&2
        return 1
      fi
      timeout 300 bash -c "ulimit -n $limit && exec \"\$0\" test/stress/10k.js 10000" "$bare"
      ;;
    soak)
      SOAK_SECONDS="${SOAK_SECONDS:-60}" timeout 300 "$bare" --expose-gc test/stress/soak.js
      ;;
    *)
      echo "[reliability] unknown check: $1" >&2
      return 1
      ;;
  esac
}

passed=0
failed=0
summary=()

for check in "${checks[@]}"; do
  echo
  echo "=== reliability: $check ==="
  started=$SECONDS
  run_check "$check"
  status=$?
  took=$((SECONDS - started))

  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
    summary+=("ok      $check (${took}s)")
  else
    failed=$((failed + 1))
    if [ "$status" -eq 124 ]; then
      summary+=("FAILED  $check (${took}s, timed out)")
    else
      summary+=("FAILED  $check (${took}s, exit $status)")
    fi
  fi
done

echo
echo "=== reliability summary ==="
for line in "${summary[@]}"; do echo "$line"; done
echo
echo "reliability: $passed passed, $failed failed"

[ "$failed" -eq 0 ]
