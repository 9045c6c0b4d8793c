"""The order parameter versus training time t = sum of the step sizes, for schedule runs.

Plots an observable (default |M|) of one or more runs against training time, with the scheduled
parameters that vary (temperature, m2, step size) in a panel below. The "ordering time" is the
first time at which a running mean (over 2 % of the run) of the observable reaches half its
final value: when the broken symmetry appears.

Example:
  ssbsim run inputs/anneal.ini
  python3 -m ssbsim.plot training anneal.h5 -o training.png
"""

import argparse

import numpy as np

from .. import reader
from . import style


def running_mean(y, width):
    width = max(1, width)
    kernel = np.ones(width) / width
    return np.convolve(y, kernel, mode="same") if len(y) >= width else y


def ordering_time(t, y):
    smooth = running_mean(y, len(y) // 50)
    final = smooth[-max(1, len(y) // 50):].mean()
    if not final > 0:
        return None
    above = np.nonzero(smooth >= 0.5 * final)[0]
    return float(t[above[0]]) if len(above) else None


def main(argv=None):
    parser = argparse.ArgumentParser(prog=reader.prog(__name__), description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", help="ssbsim outputs (HDF5)")
    parser.add_argument("--observable", default="abs_magnetization")
    parser.add_argument("--index", type=int, default=0, help="entry of a vector column")
    reader.add_common_arguments(parser, "_training.png")
    args = parser.parse_args(argv)

    runs = reader.open_runs(args.files)
    data = []
    for run in runs:
        try:
            t = run.series("time")
            y = run.series(args.observable, args.index)
        except reader.UsageError as e:
            reader.fail(str(e))
        params = {name: run.series(name) for name in ("temperature", "m2", "step_size")
                  if name in run.observables and np.ptp(run.series(name)) > 0}
        data.append((run, t, y, params))
    scheduled = any(params for *_, params in data)
    # The schedule gets its own panel below: a second y axis would run through the legend.
    plt, fig, axes = style.figure(1, 2 if scheduled else 1, width=7.2, height=3.0, sharex=True,
                                  gridspec_kw={"height_ratios": [2, 1]} if scheduled else {})
    ax, below = (axes[0], axes[1]) if scheduled else (axes, None)
    results = []
    for i, (run, t, y, params) in enumerate(data):
        st = style.curve_style(i)
        ax.plot(t, y, lw=0.9, color=st["color"], marker="none",
                label=f"{run.path} ({style.size(run)})")
        for j, (name, p) in enumerate(params.items()):
            below.plot(t, p, color=st["color"], marker="none", lw=1.2,
                       linestyle=style.LINESTYLES[j % len(style.LINESTYLES)],
                       label=style.symbol(name) + (f" ({run.path})" if len(data) > 1 else ""))
        tau = ordering_time(t, y)
        if tau is not None:
            style.reference_line(ax, x=tau, color=st["color"], alpha=0.8,
                                 text=rf"ordering time $t_\mathrm{{o}} = {tau:.4g}$")
        results.append({"file": run.path, "observable": args.observable, "n": len(t),
                        "t_final": float(t[-1]), "final": float(y[-1]),
                        "ordering_time": tau, "varying": list(params)})
    ax.set_ylabel(style.label(args.observable))
    style.legend(ax, loc="upper left")
    if below is not None:
        below.set_xlabel(style.label("time"))
        below.set_ylabel(f"schedule [{style.LATTICE}]")
        style.legend(below, loc="best")
    else:
        ax.set_xlabel(style.label("time"))
    output = reader.save_figure(fig, args, "_training.png", runs[0])
    reader.write_json(args.json, {"runs": results, "png": output})
    for r in results:
        print(f"{r['file']}: final {args.observable} = {r['final']:.5g} at t = {r['t_final']:.5g}"
              + (f", ordering time {r['ordering_time']:.4g}" if r["ordering_time"] else ""))
    print(output)


if __name__ == "__main__":
    main()
