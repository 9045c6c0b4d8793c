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
from . import style


def binder_from_columns(run):
    """1 - <|M|^4>/(3 <|M|^2>^2) over the samples analyze used (all after the cut)."""
    skip = int(run.analysis["skip"])
    m2, m4 = run.series("magnetization2")[skip:], run.series("magnetization4")[skip:]
    return 1.0 - np.mean(m4) / (3.0 * np.mean(m2) ** 2)


def critical(key):
    """The symbol of the scanned coupling at the crossing: $m^2_\\mathrm{c}$."""
    symbol = style.symbol(key)
    if symbol.startswith("$") and symbol.endswith("$") and symbol.count("$") == 2:
        return "${" + symbol[1:-1] + r"}_\mathrm{c}$"
    return symbol + "*"


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

    plt, fig, (left, right) = style.figure(2, width=10, height=4.2)
    for i, dims in enumerate(sorted(curves, key=lambda d: np.prod(d))):
        points = sorted(curves[dims], key=lambda p: p["x"])
        label = "$" + r"\times ".join(map(str, dims)) + "$"
        x = [p["x"] for p in points]
        kw = dict(style.curve_style(i), capsize=2, label=label)
        left.errorbar(x, [p["binder"] for p in points], [p["binder_error"] for p in points], **kw)
        right.errorbar(x, [p["chi"] for p in points], [p["chi_error"] for p in points], **kw)
    if runs[0].components == 1 and len(runs[0].dims) == 2:
        style.reference_line(left, y=style.ISING_2D_BINDER,
                             text=rf"$U^* = {style.ISING_2D_BINDER}$ (2D Ising)")
    crossing_markers = ["*", "P", "X", "h"]
    for j, c in enumerate(crossings):
        if c["x"] is None or not np.isfinite(c["x"]):
            continue
        left.errorbar([c["x"]], [c["binder"]], [c["binder_error"]], xerr=[c["x_error"]],
                      fmt=crossing_markers[j % 4], color="k", ms=10, capsize=3, zorder=5,
                      mfc="none" if j % 2 else "k",
                      label=(f"crossing {c['small']}/{c['large']}: "
                             f"{critical(key)} = ${style.value_error(c['x'], c['x_error'])}$, "
                             f"$U^* = {style.value_error(c['binder'], c['binder_error'])}$"))
    left.set_xlabel(style.label(key))
    left.set_ylabel(style.label("binder"))
    style.legend(left, fontsize=7)
    right.set_xlabel(style.label(key))
    right.set_ylabel(style.label("chi"))
    style.legend(right)
    output = reader.save_figure(fig, args, "_binder.png", runs[0])
    reader.write_json(args.json, {
        "coupling": key, "png": output, "crossings": crossings,
        "curves": {"x".join(map(str, d)): sorted(p, key=lambda q: q["x"]) for d, p in curves.items()}})
    for c in crossings:
        print(f"{c['small']} / {c['large']}: {key}* = {style.value_error(c['x'], c['x_error'])}, "
              f"U* = {style.value_error(c['binder'], c['binder_error'])}")
    print(output)


if __name__ == "__main__":
    main()
