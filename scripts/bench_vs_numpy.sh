#!/bin/sh
# ssbsim against a NumPy peer (scripts/numpy_langevin.py) on the same lattice: Euler-
# Maruyama Langevin, 2D, N = 1, the peer's action (m2 = -1, lambda = 1, eps = 0.01, T = 1).
# The two run alternately for ROUNDS rounds, so that a change in the machine's load hits both;
# the ratio of the medians is printed at the end. Builds ssbsim first if there is no binary.
#
#   scripts/bench_vs_numpy.sh                 # L = 2048, 3 rounds, all threads
#   L=1024 ROUNDS=5 OMP_NUM_THREADS=1 scripts/bench_vs_numpy.sh
#
# Environment: L (extent, default 2048), ROUNDS (3), STEPS (peer steps per round, 20),
# SSBSIM_BUILD (build directory, default build/release, the `release` CMake preset), PEER (the
# peer script), PYTHON (/usr/bin/python3, Debian's python3-numpy).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${SSBSIM_BUILD:-$root/build/release}
L=${L:-2048}
rounds=${ROUNDS:-3}
steps=${STEPS:-20}
peer=${PEER:-$root/scripts/numpy_langevin.py}
python=${PYTHON:-/usr/bin/python3}

if [ ! -f "$peer" ]; then
    echo "bench_vs_numpy: no peer script at $peer (set PEER)" >&2
    exit 2
fi
if [ ! -x "$build/ssbsim" ]; then
    echo "bench_vs_numpy: building ssbsim in $build" >&2
    if [ -z "${SSBSIM_BUILD:-}" ]; then
        (cd "$root" && cmake --preset release >&2)
    else
        cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >&2
    fi
    cmake --build "$build" -j"$(nproc)" --target ssbsim >&2
fi

ours=""
theirs=""
i=1
while [ "$i" -le "$rounds" ]; do
    load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
    rate=$("$build/ssbsim" bench --lattice "${L}x${L}" --lattice3d none --methods langevin \
        --no-scaling --reps 3 --json 2>/dev/null |
        "$python" -c 'import json, sys
d = json.load(sys.stdin)
print(d["cases"][0]["methods"]["langevin"]["site_updates_per_s"]["median"], d["max_threads"])')
    threads=${rate#* }
    rate=${rate% *}
    peer_rate=$("$python" "$peer" --L "$L" --steps "$steps" |
        sed -n 's/.*site_updates_per_s=\([^ ]*\).*/\1/p')
    printf 'round %d (load %s): ssbsim langevin %.4g site-updates/s (%s threads), numpy %.4g\n' \
        "$i" "$load" "$rate" "$threads" "$peer_rate"
    ours="$ours $rate"
    theirs="$theirs $peer_rate"
    i=$((i + 1))
done

"$python" - "$L" "$ours" "$theirs" <<'EOF'
import statistics, sys
L, ours, theirs = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
a, b = statistics.median(ours), statistics.median(theirs)
print(f"L = {L}: ssbsim {a / 1e6:.1f} M site-updates/s, numpy {b / 1e6:.1f} M; ratio {a / b:.1f}x "
      f"(medians of {len(ours)} rounds; per round {min(o / t for o, t in zip(ours, theirs)):.1f}x"
      f" .. {max(o / t for o, t in zip(ours, theirs)):.1f}x)")
EOF
