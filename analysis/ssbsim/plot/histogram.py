"""Histogram of the magnetisation M over the measurements after the thermalisation cut.

One peak around 0 in the symmetric phase; two peaks at +-M0 once the Z2 symmetry is broken
(on a finite lattice the field tunnels between them, so both show up in a long enough run).
Several files (e.g. couplings across the transition) are overlaid. The number of peaks is
counted on a Gaussian kernel density estimate: local maxima above 10 % of the highest.

Example:
  ssbsim analyze a.h5 b.h5 --write
  python3 -m ssbsim.plot histogram a.h5 b.h5 -o histogram.png
"""

import argparse

import numpy as np
from scipy.stats import gaussian_kde

from .. import reader
from . import style


def peaks(samples):
    """Positions of the modes of a kernel density estimate of the samples."""
    if np.all(samples == samples[0]):
        return [float(samples[0])]
    grid = np.linspace(samples.min(), samples.max(), 400)
    density = gaussian_kde(samples)(grid)
    inner = (density[1:-1] > density[:-2]) & (density[1:-1] >= density[2:])
    found = [i + 1 for i in np.nonzero(inner)[0] if density[i + 1] > 0.1 * density.max()]
    for edge in (0, len(grid) - 1):  # a mode at the edge of the range
        if density[edge] == density.max():
            found.append(edge)
    return sorted(float(grid[i]) for i in found)


def main(argv=None):
    parser = argparse.ArgumentParser(prog=reader.prog(__name__), description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", help="ssbsim outputs (HDF5)")
    parser.add_argument("--component", type=int, default=0, help="component of M (default 0)")
    parser.add_argument("--bins", type=int, default=60)
    parser.add_argument("--skip", type=int, help="thermalisation cut in measurements "
                        "(default: the one stored by ssbsim analyze --write)")
    reader.add_common_arguments(parser, "_histogram.png")
    args = parser.parse_args(argv)

    runs = reader.open_runs(args.files)
    plt, fig, ax = style.figure(1, width=6.4, height=4.2)
    results = []
    for i, run in enumerate(runs):
        try:
            skip = run.skip(args.skip)
            m = run.series("magnetization", args.component)[skip:]
            abs_m = run.series("abs_magnetization")[skip:]
        except reader.UsageError as e:
            reader.fail(str(e))
        key, x = run.coupling()
        label = style.size(run) + (f", {style.symbol(key)} = {x:g}" if key else f" ({run.path})")
        found = peaks(m)
        st = style.curve_style(i)
        ax.hist(m, bins=args.bins, density=True, histtype="step", lw=1.4, color=st["color"],
                linestyle=st["linestyle"] if i < 8 else "--",
                label=f"{label}: {len(found)} peak{'s' if len(found) != 1 else ''}")
        ax.plot(found, np.zeros(len(found)), linestyle="none", marker=st["marker"], ms=7,
                color=st["color"], clip_on=False, zorder=5)
        results.append({"file": run.path, "label": label, "skip": skip, "n_used": len(m),
                        "mean_m": float(np.mean(m)), "mean_abs_m": float(np.mean(abs_m)),
                        "peaks": found, "n_peaks": len(found)})
    ax.set_xlabel(f"$M_{args.component}$ [{style.LATTICE}], after the thermalisation cut")
    ax.set_ylabel(r"probability density $P(M)$")
    ax.set_ylim(bottom=0)
    style.legend(ax, loc="upper left", title="markers: the peaks found")
    output = reader.save_figure(fig, args, "_histogram.png", runs[0])
    reader.write_json(args.json, {"files": results, "png": output})
    for r in results:
        print(f"{r['file']}: {r['n_peaks']} peak(s) at {', '.join(f'{p:.3g}' for p in r['peaks'])}")
    print(output)


if __name__ == "__main__":
    main()
