"""Time series of one observable with its thermalisation cut, and its autocorrelation function.

The cut is the one `ssbsim analyze FILE --write` stored in /analysis (or --skip N); the
autocorrelation function rho(t) and tau_int come from this script's own Gamma-method
(ssbsim.analysis.gamma_method), so they can be checked against analyze's values.

Example:
  ssbsim analyze ising2d_broken.h5 --write
  python3 -m ssbsim.plot timeseries ising2d_broken.h5 --observable abs_magnetization
"""

import argparse

import numpy as np

from .. import reader


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

    plt = reader.figure()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7))
    top.plot(steps, series, lw=0.6, color="C0")
    top.axvspan(steps[0], steps[skip], color="0.85", label=f"thermalisation ({skip} measurements)")
    top.hlines(gamma["mean"], steps[skip], steps[-1], color="C3", lw=1,
               label=f"mean {gamma['mean']:.5g} ± {gamma['error']:.2g}")
    top.set_xlabel("step")
    top.set_ylabel(name)
    top.set_title(f"{args.file}  ({run.size_label})")
    top.legend(loc="best", fontsize="small")
    lags = np.arange(len(gamma["rho"]))
    bottom.plot(lags, gamma["rho"], "o-", ms=2, lw=0.8)
    bottom.axhline(0, color="0.5", lw=0.5)
    bottom.axvline(gamma["window"], color="C3", lw=1,
                   label=f"window W = {gamma['window']}, tau_int = {gamma['tau_int']:.3g}"
                         f" ± {gamma['tau_int_error']:.2g}")
    bottom.set_xlabel("lag t (measurements)")
    bottom.set_ylabel("rho(t)")
    bottom.legend(loc="best", fontsize="small")
    output = reader.save_figure(fig, args, "_timeseries.png", run)

    reader.write_json(args.json, {
        "file": args.file, "observable": name, "skip": skip, "n_used": len(used),
        "mean": gamma["mean"], "error": gamma["error"], "tau_int": gamma["tau_int"],
        "tau_int_error": gamma["tau_int_error"], "window": gamma["window"],
        "analyze": analysed, "png": output})
    print(f"{output}: {name} = {gamma['mean']:.6g} ± {gamma['error']:.2g}, "
          f"tau_int = {gamma['tau_int']:.3g}, cut {skip}")


if __name__ == "__main__":
    main()
