#!/usr/bin/env bash
# Builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer
# (clang 14) and runs the test suite, or the files given as arguments,
# against it. Exits non-zero on a failed test or on any sanitizer report.
#
#   bash scripts/test-asan.sh                   # every test/*.js but package.js
#   bash scripts/test-asan.sh test/reset.js     # some of them
#   ASAN_RUN='test/stress/soak.js' bash scripts/test-asan.sh --run
#                                               # a plain Bare program instead
#
# Where things go, so that the normal build is never touched:
#
#   build-asan/               the CMake build tree (-D BARE_TCP_SANITIZE=ON)
#   build-asan/pkg/           a copy of the package (index.js, lib/, test/,
#                             ...) with the sanitized addon installed in its
#                             own prebuilds/linux-x64/. require.addon()
#                             looks for prebuilds/ in the package directory
#                             first and only then in its parents, so the
#                             copy loads the sanitized addon while the
#                             repository keeps its own prebuild, and a test
#                             run elsewhere at the same time is unaffected.
#   build-asan/reports/       one file per process and report (log_path)
#
# The Bare binary is not instrumented, so the sanitizer runtime must be the
# first library loaded: LD_PRELOAD, inherited by every child process the
# tests spawn. Dependencies resolve from the repository's node_modules, a
# parent of the copy.
#
# What fails the run:
#   - any AddressSanitizer or UndefinedBehaviorSanitizer report, from any
#     process (an ASan report in a libuv frame is still ours when libuv was
#     handed our memory);
#   - any LeakSanitizer report that is not suppressed (the sanitizer's exit
#     code fails the run). Bare does not free some allocations of its own at
#     exit; scripts/lsan.supp suppresses those by naming Bare's functions,
#     never ours. A report is labelled the addon's when it names one of our
#     frames or when the allocation's caller is in an unloaded module (Bare
#     unloads addons before the leak report is printed).
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root" || exit 1

build="$root/build-asan"
pkg="$build/pkg"
reports="$build/reports"

log() { echo "[test-asan] $*" >&2; }

need_apt_update=1
apt_install() {
  if [ "$need_apt_update" = 1 ]; then
    apt-get update -qq >&2 || true
    need_apt_update=0
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# clang 14 and its sanitizer runtimes.
if ! command -v clang >/dev/null 2>&1; then
  log "installing clang"
  apt_install clang || exit 1
fi

runtime="$(clang -print-file-name=libclang_rt.asan-x86_64.so)"
if [ ! -f "$runtime" ]; then
  log "installing libclang-rt-14-dev for the sanitizer runtimes"
  apt_install libclang-rt-14-dev || exit 1
  runtime="$(clang -print-file-name=libclang_rt.asan-x86_64.so)"
fi
if [ ! -f "$runtime" ]; then
  log "no ASan runtime found for $(clang --version | head -1)"
  exit 1
fi

bare="$(ls "$root"/node_modules/bare-runtime-linux-x64/bin/bare 2>/dev/null || true)"
if [ ! -x "$bare" ]; then
  log "no Bare binary under node_modules: run npm install first"
  exit 1
fi

# Build and install into the copy.
log "building the sanitized addon into $build"
npx bare-make generate --build "$build" --define BARE_TCP_SANITIZE=ON >"$build.log" 2>&1 &&
  npx bare-make build --build "$build" >>"$build.log" 2>&1 &&
  npx bare-make install --build "$build" --prefix "$pkg/prebuilds" >>"$build.log" 2>&1
status=$?
if [ $status -ne 0 ]; then
  cat "$build.log" >&2
  log "the sanitized build failed"
  exit 1
fi
mv "$build.log" "$build/build.log"
echo '*' >"$build/.gitignore"

symbols="$(nm -D "$pkg/prebuilds/linux-x64/bare-tcp.bare")"
if ! grep -q __asan_init <<<"$symbols"; then
  log "the installed addon is not instrumented"
  exit 1
fi

# Refresh the copy of the package: everything but builds, dependencies and
# version control.
find "$pkg" -mindepth 1 -maxdepth 1 ! -name prebuilds -exec rm -rf {} +
tar -C "$root" -c \
  --exclude=./node_modules --exclude=./.git --exclude=./prebuilds \
  --exclude='./build*' --exclude=./coverage --exclude=./bench \
  . | tar -C "$pkg" -x

# Tests that look for the package's node_modules (test/helpers/ecosystem.js)
# find the repository's; Bare resolves modules to their real paths.
ln -s "$root/node_modules" "$pkg/node_modules"

rm -rf "$reports"
mkdir -p "$reports"

# Programs the tests spawn that are not Bare (curl, nc, Node.js, ...) run
# without the sanitizer runtime: LD_PRELOAD is inherited, and some of them
# hang with ASan loaded into them. These wrappers come first on PATH, drop
# the runtime and run the real program.
plain="$build/plain-bin"
rm -rf "$plain"
mkdir -p "$plain"
for tool in curl nc node npm npx openssl ss unshare; do
  real="$(command -v "$tool" || true)"
  [ -n "$real" ] || continue
  printf '#!/bin/sh\nunset LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS\nexec %s "$@"\n' "$real" >"$plain/$tool"
  chmod +x "$plain/$tool"
done
export PATH="$plain:$PATH"

export LD_PRELOAD="$runtime"
export ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=30:halt_on_error=1:abort_on_error=0:exitcode=86:detect_odr_violation=0:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87:log_path=$reports/ubsan"
export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp:print_suppressions=0"

cd "$pkg" || exit 1
out="$build/output.log"

if [ "${1:-}" = "--run" ]; then
  # A plain program, for the stress checks.
  log "running ${ASAN_RUN:?set ASAN_RUN to the program and its arguments}"
  # shellcheck disable=SC2086
  "$bare" $ASAN_RUN 2>&1 | tee "$out"
  status=${PIPESTATUS[0]}
else
  files=("$@")
  if [ ${#files[@]} -eq 0 ]; then
    # test/package.js packs this copy, sanitized addon included, and runs it
    # from a fresh project through npm, that is without the sanitizer
    # runtime, where it cannot load: it checks packaging, not memory.
    for file in test/*.js; do
      [ "$file" = test/package.js ] || files+=("$file")
    done
  fi
  log "running ${#files[@]} test files with ASan and UBSan"
  "$bare" "$root/node_modules/brittle/cmd.js" "${files[@]}" 2>&1 | tee "$out"
  status=${PIPESTATUS[0]}
fi

unset LD_PRELOAD
cd "$root" || exit 1

# Sort the reports: sanitizer errors always count, leaks only with our
# frames in them.
found=0
for file in "$reports"/*; do
  [ -f "$file" ] || continue
  if grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: UndefinedBehaviorSanitizer' "$file"; then
    log "sanitizer report in $(basename "$file"):"
    cat "$file" >&2
    found=1
  elif grep -q 'ERROR: LeakSanitizer' "$file"; then
    # Bare unloads addons before LeakSanitizer prints, so an allocation made
    # by the addon shows its caller as "<unknown module>" right above the
    # allocator. Bare and V8 are linked into the binary and always named.
    if grep -qE 'bare-tcp\.bare|bare_tcp_|/src/[a-z_]+\.c|binding\.c' "$file" ||
      grep -qE '^ +#1 0x[0-9a-f]+ +\(<unknown module>\)' "$file"; then
      log "leak in the addon, $(basename "$file"):"
      cat "$file" >&2
      found=1
    else
      log "leaks outside the addon ignored ($(basename "$file"), $(grep -c 'leak of' "$file") stacks)"
    fi
  fi
done

if [ "${1:-}" = "--run" ]; then
  # One program, one check.
  if [ "$status" -eq 0 ]; then passed=1; failed=0; else passed=0; failed=0; fi
else
  passed=$(grep -c '^ok ' "$out" || true)
  failed=$(grep -c '^not ok ' "$out" || true)
fi

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$found" -ne 0 ]; then
  log "FAILED: sanitizer reports above"
  failed=$((failed + 1))
  status=1
fi

echo
echo "asan: $passed passed, $failed failed"
exit "$status"
