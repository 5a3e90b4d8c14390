#!/usr/bin/env bash
# Runs a traffic script (test/fixtures/traffic.js by default: connect,
# transfer, half-close, reset, destroy in every state, teardown at exit)
# under valgrind memcheck, against a debug build of the addon, and fails on
# any invalid read or write, use of uninitialised memory or definite leak
# with a frame in the addon (binding.c, src/*.c).
#
#   bash scripts/valgrind.sh [fixture [args...]]
#
# Where things go, so that the normal build is never touched:
#   build-valgrind/          CMake build tree: debug info (DWARF 4, which
#                            valgrind 3.19 reads), -O1
#   build-valgrind/pkg/      a copy of the package with that addon in its own
#                            prebuilds/ (see scripts/test-asan.sh for why
#                            this works)
#   build-valgrind/bare      the Bare binary with its debug info stripped:
#                            valgrind 3.19 cannot read the DWARF 5 of the
#                            shipped binary and gives up; its symbols stay,
#                            so Bare's frames still have names
#   build-valgrind/memcheck.*.xml   valgrind's reports, one per process
#
# Bare and V8 are noisy under memcheck: scripts/valgrind-filter.js keeps
# only errors with one of our frames; scripts/valgrind.supp quiets known
# noise outside the addon and never names a frame of ours.
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root" || exit 1

build="$root/build-valgrind"
pkg="$build/pkg"

log() { echo "[valgrind] $*" >&2; }

if ! command -v valgrind >/dev/null 2>&1; then
  log "installing valgrind"
  apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >&2 || exit 1
fi

if ! command -v objcopy >/dev/null 2>&1; then
  log "installing binutils for objcopy"
  apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binutils >&2 || exit 1
fi

if ! command -v node >/dev/null 2>&1; then
  log "node is missing (it comes with npm)"
  exit 1
fi

bare="$root/node_modules/bare-runtime-linux-x64/bin/bare"
if [ ! -x "$bare" ]; then
  log "no Bare binary under node_modules: run npm install first"
  exit 1
fi

log "building the addon with debug info into $build"
mkdir -p "$build"
if ! {
  npx bare-make generate --build "$build" --debug --define "CMAKE_C_FLAGS=-gdwarf-4 -O1 -fno-omit-frame-pointer" &&
    npx bare-make build --build "$build" &&
    npx bare-make install --build "$build" --prefix "$pkg/prebuilds"
} >"$build/build.log" 2>&1; then
  cat "$build/build.log" >&2
  log "the debug build failed"
  exit 1
fi
echo '*' >"$build/.gitignore"

find "$pkg" -mindepth 1 -maxdepth 1 ! -name prebuilds -exec rm -rf {} +
tar -C "$root" -c \
  --exclude=./node_modules --exclude=./.git --exclude=./prebuilds \
  --exclude='./build*' --exclude=./coverage --exclude=./bench \
  . | tar -C "$pkg" -x

# Tests that look for the package's node_modules (test/helpers/ecosystem.js)
# find the repository's; Bare resolves modules to their real paths.
ln -s "$root/node_modules" "$pkg/node_modules"

cp "$bare" "$build/bare"
objcopy --strip-debug "$build/bare"

rm -f "$build"/memcheck.*.xml

fixture="${1:-test/fixtures/traffic.js}"
shift || true

log "running $fixture under memcheck (slow: minutes)"
cd "$pkg" || exit 1
# --fair-sched: V8's worker threads wait for each other in ways that, under
# valgrind's default scheduling, made one run take anywhere from 2 to 12
# minutes; with fair scheduling it takes about 90 s every time.
valgrind \
  --fair-sched=yes \
  --tool=memcheck \
  --leak-check=full \
  --show-leak-kinds=definite \
  --errors-for-leak-kinds=definite \
  --track-origins=yes \
  --num-callers=40 \
  --error-limit=no \
  --suppressions="$root/scripts/valgrind.supp" \
  --xml=yes \
  --xml-file="$build/memcheck.%p.xml" \
  "$build/bare" "$fixture" "$@" 2>&1 | tee "$build/output.log"
status=${PIPESTATUS[0]}
cd "$root" || exit 1

if [ "$status" -ne 0 ]; then
  log "the program failed under valgrind (exit $status)"
fi

node "$root/scripts/valgrind-filter.js" "$build"/memcheck.*.xml
filtered=$?

if [ "$status" -ne 0 ] || [ "$filtered" -ne 0 ]; then
  echo "valgrind: 0 passed, 1 failed"
  exit 1
fi

echo "valgrind: 1 passed, 0 failed"
