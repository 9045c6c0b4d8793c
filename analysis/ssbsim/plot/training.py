"""The order parameter versus training time t = sum of the step sizes, for schedule runs.

Plots an observable (default |M|) of one or more runs against training time, with the scheduled
parameters that vary (temperature, m2, step size) on a second axis. The "ordering time" is the
first time at which a running mean (over 2 % of the run) of the observable reaches half its
final value: when the broken symmetry appears.

Example:
  ssbsim run inputs/anneal.ini
  python3 -m ssbsim.plot training anneal.h5 -o training.png
"""

import argparse

import numpy as np

from .. import reader


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
    plt = reader.figure()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    right = None
    results = []
    for i, run in enumerate(runs):
        try:
            t = run.series("time")
            y = run.series(args.observable, args.index)
        except reader.UsageError as e:
            reader.fail(str(e))
        ax.plot(t, y, lw=0.8, color=f"C{i}", label=f"{run.path} ({run.size_label})")
        varying = []
        for name, style in (("temperature", "--"), ("m2", ":"), ("step_size", "-.")):
            p = run.series(name) if name in run.observables else None
            if p is None or np.all(p == p[0]):
                continue
            varying.append(name)
            right = right or ax.twinx()
            right.plot(t, p, style, lw=1, color=f"C{i}", alpha=0.6, label=f"{name} ({run.path})")
        tau = ordering_time(t, y)
        if tau is not None:
            ax.axvline(tau, color=f"C{i}", lw=0.8, alpha=0.6)
        results.append({"file": run.path, "observable": args.observable, "n": len(t),
                        "t_final": float(t[-1]), "final": float(y[-1]),
                        "ordering_time": tau, "varying": varying})
    ax.set_xlabel("training time t")
    ax.set_ylabel(args.observable)
    ax.legend(loc="upper left", fontsize="small")
    if right is not None:
        right.set_ylabel("scheduled parameter")
        right.legend(loc="lower right", fontsize="small")
    output = reader.save_figure(fig, args, "_training.png", runs[0])
    reader.write_json(args.json, {"runs": results, "png": output})
    for r in results:
        print(f"{r['file']}: final {args.observable} = {r['final']:.5g} at t = {r['t_final']:.5g}"
              + (f", ordering time {r['ordering_time']:.4g}" if r["ordering_time"] else ""))
    print(output)


if __name__ == "__main__":
    main()
