#!/usr/bin/env bash
# `cmake --install` of the build into a fresh prefix, then tests/consumer (a separate project)
# configured with find_package(ssbsim), built and run; the installed program must run too.
# Usage: test_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
test -x "$work/prefix/bin/ssbsim"
test -f "$work/prefix/include/ssbsim/version.hpp"
test -f "$work/prefix/lib/cmake/ssbsim/ssbsimConfig.cmake"
"$work/prefix/bin/ssbsim" version
cmake -S "$src/tests/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_BUILD_TYPE=Release > "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/consumer" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
"$work/consumer/consumer"
