"""Time series of one observable with its thermalisation cut, and its autocorrelation function.

The cut is the one `ssbsim analyze FILE --write` stored in /analysis, else the same automatic
cut computed here (or --skip N, in measurements); the
autocorrelation function rho(t) and tau_int come from this script's own Gamma-method
(ssbsim.analysis.gamma_method), so they can be checked against analyze's values.

Example:
  ssbsim analyze ising2d_broken.h5 --write
  python3 -m ssbsim.plot timeseries ising2d_broken.h5 --observable abs_magnetization
"""

import argparse

import numpy as np

from .. import reader
from . import style


def main(argv=None):
    parser = argparse.ArgumentParser(prog=reader.prog(__name__), description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="ssbsim output (HDF5)")
    parser.add_argument("--observable", default="abs_magnetization",
                        help="column of /observables (default: abs_magnetization)")
    parser.add_argument("--index", type=int, default=0,
                        help="entry of a vector column, e.g. the component of magnetization")
    parser.add_argument("--skip", type=int, help="thermalisation cut in measurements "
                        "(default: the one stored by ssbsim analyze --write)")
    reader.add_common_arguments(parser, "_timeseries.png")
    args = parser.parse_args(argv)

    [run] = reader.open_runs([args.file])
    try:
        series = run.series(args.observable, args.index)
        skip = run.skip(args.skip)
    except reader.UsageError as e:
        reader.fail(str(e))
    steps = run.series("step")
    used = series[skip:]
    gamma = reader.gamma_method(used)
    if gamma is None:
        reader.fail(f"{args.file}: {args.observable} after the cut is constant, shorter than 20 "
                    "samples, or too short for its autocorrelation time")
    name = args.observable if run.observables[args.observable].ndim == 1 \
        else f"{args.observable}[{args.index}]"
    analysed = run.estimate(name) if run.analysis is not None else None

    every = int(steps[1] - steps[0]) if len(steps) > 1 else 1
    plt, fig, (top, bottom) = style.figure(1, 2, width=7.5, height=3.2)
    top.plot(steps, series, lw=0.6, color=style.COLORS[0], marker="none",
             label=style.symbol(args.observable) + (f" (entry {args.index})"
                                                    if name != args.observable else ""))
    top.axvspan(steps[0], steps[skip], color="0.88", zorder=0,
                label=f"thermalisation cut: steps < {int(steps[skip])} ({skip} measurements)")
    top.hlines(gamma["mean"], steps[skip], steps[-1], color=style.COLORS[1], lw=1.5,
               label=f"mean ${style.value_error(gamma['mean'], gamma['error'])}$")
    top.set_xlabel(style.label("step"))
    top.set_ylabel(style.label(args.observable))
    fig.suptitle(f"{run.path}  ({style.size(run)}"
                 + (", replica 0 of " + str(run.replica_count) if run.replica_count > 1 else "")
                 + ")", fontsize=10)
    style.legend_above(top, ncols=2)
    lags = np.arange(len(gamma["rho"]))
    bottom.plot(lags * every, gamma["rho"], color=style.COLORS[0], marker="o", ms=2.5, lw=0.8,
                label=r"$\rho(t)$, normalised autocorrelation")
    bottom.axhline(0, color="0.5", lw=0.5)
    style.reference_line(bottom, x=gamma["window"] * every,
                         text=rf"window $W = {gamma['window']}$ measurements, "
                              rf"$\tau_\mathrm{{int}} = "
                              rf"{style.value_error(gamma['tau_int'], gamma['tau_int_error'])}$")
    bottom.set_xlabel(rf"lag $t$ [steps; measured every {every}]")
    bottom.set_ylabel(r"$\rho(t)$")
    style.legend(bottom, loc="upper right")
    output = reader.save_figure(fig, args, "_timeseries.png", run)

    reader.write_json(args.json, {
        "file": args.file, "observable": name, "skip": skip, "n_used": len(used),
        "mean": gamma["mean"], "error": gamma["error"], "tau_int": gamma["tau_int"],
        "tau_int_error": gamma["tau_int_error"], "window": gamma["window"],
        "analyze": analysed, "png": output})
    print(f"{output}: {name} = {style.value_error(gamma['mean'], gamma['error'])}, "
          f"tau_int = {style.value_error(gamma['tau_int'], gamma['tau_int_error'])}, cut {skip}")


if __name__ == "__main__":
    main()
