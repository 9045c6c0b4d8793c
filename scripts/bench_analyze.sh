#!/bin/sh
# Benchmark of `ssbsim analyze` on a long run: writes a file of N measurements (default 10^7) with
# ssbsim itself -- a 4-site free field, Euler-Maruyama, measured every step, so every column has
# real autocorrelations (tau_int 1-10) -- and times the analysis of it (wall clock and peak
# memory from /usr/bin/time). The file is kept and reused when it exists (~2 GB at 10^7).
#
#   scripts/bench_analyze.sh                       # 10^7 measurements into /tmp/ssbsim-bench-1e7.h5
#   N=1000000 FILE=/tmp/b.h5 scripts/bench_analyze.sh
#
# Environment: N (measurements - 1 = steps), FILE (output), SSBSIM_BUILD (build directory,
# default build/release, the `release` CMake preset).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${SSBSIM_BUILD:-$root/build/release}
n=${N:-10000000}
file=${FILE:-/tmp/ssbsim-bench-1e7.h5}

if [ ! -x "$build/ssbsim" ]; then
    echo "bench_analyze: no ssbsim in $build (cmake --preset release && cmake --build --preset release)" >&2
    exit 2
fi
if [ ! -f "$file" ]; then
    deck=$(mktemp /tmp/ssbsim-bench-XXXXXX.ini)
    cat > "$deck" <<DECK
[run]
seed = 7
[lattice]
dims = 4
[action]
m2 = 1.0
lambda = 0.0
[dynamics]
method = langevin
step = 0.1
temperature = 1.0
steps = $n
[measure]
every = 1
[checkpoint]
keep = false
DECK
    echo "bench_analyze: writing $n measurements to $file" >&2
    "$build/ssbsim" run "$deck" -o "$file" > /dev/null
    rm -f "$deck"
fi
uptime
"$build/ssbsim" info "$file" | grep '^measurements'
/usr/bin/time -f "analyze: %e s wall, %U s user, %S s system, %M KiB peak memory" \
    "$build/ssbsim" analyze "$file" > /dev/null
