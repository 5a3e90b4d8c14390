# shellcheck shell=bash
# Sourced by bench/run and bench/callgrind: installs what a fresh machine
# lacks and builds the C program (bench/c/uvbench.c) into bench/build.
# Usage: prepare_tools [extra Debian packages...]

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$bench/build"

prepare_tools() {
  # The C ceiling needs libuv headers and the HTTP scenario needs wrk; fresh
  # machines have neither, so install them here rather than documenting a
  # step.
  local missing=()
  dpkg -s libuv1-dev >/dev/null 2>&1 || missing+=(libuv1-dev)
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v cc >/dev/null 2>&1 || missing+=(gcc)
  local package
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "bench: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi

  mkdir -p "$build"
  if [ ! -x "$build/uvbench" ] || [ "$bench/c/uvbench.c" -nt "$build/uvbench" ]; then
    cc -O2 -Wall -o "$build/uvbench" "$bench/c/uvbench.c" -luv
  fi
}
