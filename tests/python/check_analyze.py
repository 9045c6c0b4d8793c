"""Checks the ssbsim package's analysis (ssbsim.analyze) against `ssbsim analyze --json` on the
same file: cut, replicas, and every estimate's value, error and tau_int (relative
1e-9: two implementations of the same definitions, FFT against direct sums).
Usage: check_analyze.py FILE ANALYZE_JSON; exit 1 listing every difference."""

import json
import math
import sys

import ssbsim


def close(a, b):
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b)) + 1e-300


def main(path, analyze_json):
    cpp = json.load(open(analyze_json))["files"][0]
    py = ssbsim.analyze(path)
    bad = [f"{k}: analyze {cpp[k]}, package {py[k]}"
           for k in ("skip", "replicas") if cpp[k] != py[k]]
    compared = 0
    for name, e in cpp["estimates"].items():
        if name == "xi2":  # formed from the structure factors; not in the package
            continue
        p = py["estimates"].get(name)
        if p is None:
            bad.append(f"{name}: missing from the package's estimates")
            continue
        for field in ("value", "error", "tau_int"):
            if field in p or field != "tau_int":
                compared += 1
                if not close(e[field], p.get(field)):
                    bad.append(f"{name}.{field}: analyze {e[field]!r}, package {p.get(field)!r}")
    print(f"{compared} numbers compared, {len(bad)} differ; replicas {py['replicas']}")
    for b in bad:
        print("  " + b)
    return 1 if bad or compared < 40 else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
