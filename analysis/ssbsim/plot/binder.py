"""Binder cumulant U and susceptibility chi versus the scanned coupling, one curve per lattice
size, with the crossings of successive sizes (the finite-size estimate of the critical coupling).

Reads what `ssbsim analyze FILES... --write` stored in each file's /analysis group: the
scanned deck key, U and chi with their Gamma-method errors, and the crossings. U is also
recomputed here from the raw |M|^2 and |M|^4 columns over the same samples (every measurement
after the cut), as a check of the two implementations.

Example (files of a scan, see docs/analysis.md):
  ssbsim analyze binder_scan_2d_*.h5 --write
  python3 -m ssbsim.plot binder binder_scan_2d_*.h5 -o binder.png
"""

import argparse
from collections import defaultdict

import numpy as np

from .. import reader


def binder_from_columns(run):
    """1 - <|M|^4>/(3 <|M|^2>^2) over the samples analyze used (all after the cut)."""
    skip = int(run.analysis["skip"])
    m2, m4 = run.series("magnetization2")[skip:], run.series("magnetization4")[skip:]
    return 1.0 - np.mean(m4) / (3.0 * np.mean(m2) ** 2)


def main(argv=None):
    parser = argparse.ArgumentParser(prog=reader.prog(__name__), description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", help="ssbsim outputs of a scan, analysed with --write")
    reader.add_common_arguments(parser, "_binder.png")
    args = parser.parse_args(argv)

    runs = reader.open_runs(args.files)
    curves = defaultdict(list)
    key = None
    try:
        for run in runs:
            k, x = run.coupling()
            if k is None:
                reader.fail(f"{run.path}: analyze found no scanned coupling; analyse the files "
                            "of a scan together with --write")
            key = key or k
            u, chi = run.estimate("binder"), run.estimate("chi")
            curves[run.dims].append({
                "file": run.path, "x": x, "binder": u["value"], "binder_error": u["error"],
                "binder_recomputed": float(binder_from_columns(run)),
                "chi": chi["value"], "chi_error": chi["error"]})
    except reader.UsageError as e:
        reader.fail(str(e))
    crossings = runs[0].crossings

    plt = reader.figure()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for dims in sorted(curves, key=lambda d: np.prod(d)):
        points = sorted(curves[dims], key=lambda p: p["x"])
        label = "x".join(map(str, dims))
        x = [p["x"] for p in points]
        left.errorbar(x, [p["binder"] for p in points], [p["binder_error"] for p in points],
                      marker="o", ms=3, capsize=2, label=label)
        right.errorbar(x, [p["chi"] for p in points], [p["chi_error"] for p in points],
                       marker="o", ms=3, capsize=2, label=label)
    for c in crossings:
        if c["x"] is None or not np.isfinite(c["x"]):
            continue
        left.axvspan(c["x"] - c["x_error"], c["x"] + c["x_error"], color="0.85")
        left.errorbar([c["x"]], [c["binder"]], [c["binder_error"]], xerr=[c["x_error"]],
                      fmt="k*", ms=9, capsize=3,
                      label=f"{c['small']}/{c['large']}: {c['x']:.4g} ± {c['x_error']:.2g}")
    left.set_xlabel(key)
    left.set_ylabel("U = 1 - <|M|^4> / (3 <|M|^2>^2)")
    left.legend(fontsize="small")
    right.set_xlabel(key)
    right.set_ylabel("chi = V (<|M|^2> - <|M|>^2)")
    right.legend(fontsize="small")
    output = reader.save_figure(fig, args, "_binder.png", runs[0])
    reader.write_json(args.json, {
        "coupling": key, "png": output, "crossings": crossings,
        "curves": {"x".join(map(str, d)): sorted(p, key=lambda q: q["x"]) for d, p in curves.items()}})
    for c in crossings:
        print(f"{c['small']} / {c['large']}: {key}* = {c['x']:.5g} ± {c['x_error']:.2g}, "
              f"U* = {c['binder']:.4g} ± {c['binder_error']:.2g}")
    print(output)


if __name__ == "__main__":
    main()
