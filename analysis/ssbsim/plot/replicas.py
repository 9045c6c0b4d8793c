"""The replica measure of symmetry breaking versus training time, for one or more runs.

R replicas of a run start from the same weights and differ only by their noise (run.replicas,
docs/output.md). Plotted per file from /replicas: the replica distance
d = V^-1 sum_x |phi^a_x - phi^b_x|^2 and the overlap q = sum_x phi^a.phi^b / (|phi^a| |phi^b|),
both averaged over the R(R-1)/2 pairs, and each replica's |M|. Identical replicas (gradient flow
from a symmetric start, or shared noise) have d = 0 and q = 1 exactly; noise separates them, and
replicas that settle in different vacua of a broken symmetry have q < 0.

Numbers (printed, and with --json): per file the number of replicas, the largest distance, the
smallest overlap, their final values, and the first training time at which d > 0.

Example:
  ssbsim run inputs/nn_symmetric_init.ini
  ssbsim run inputs/nn_symmetric_init.ini --set dynamics.method=langevin -o nn_sgd.h5
  python3 -m ssbsim.plot replicas nn_symmetric_init.h5 nn_sgd.h5 -o replicas.png
"""

import argparse

import numpy as np

from .. import reader
from . import style


def analyse(run, rep):
    t = reader.times_of_steps(run, rep["step"])
    distance, overlap = rep["distance"], rep["overlap"]
    apart = np.nonzero(distance > 0)[0]
    abs_m = rep["abs_magnetization"]
    return {
        "file": run.path,
        "replicas": int(abs_m.shape[1]),
        "measurements": int(len(t)),
        "max_distance": float(distance.max()),
        "final_distance": float(distance[-1]),
        "min_overlap": float(overlap.min()),
        "final_overlap": float(overlap[-1]),
        "first_time_apart": float(t[apart[0]]) if len(apart) else None,
        "final_abs_m": [float(v) for v in abs_m[-1]],
    }, t


def main(argv=None):
    parser = argparse.ArgumentParser(prog=reader.prog(__name__), description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", help="ssbsim outputs with run.replicas >= 2 (HDF5)")
    reader.add_common_arguments(parser, "_replicas.png")
    args = parser.parse_args(argv)

    runs = reader.open_runs(args.files)
    results, curves = [], []
    try:
        for run in runs:
            rep = reader.read_group(run.path, "replicas")
            result, t = analyse(run, rep)
            results.append(result)
            curves.append((t, rep))
    except reader.UsageError as e:
        reader.fail(str(e))

    plt, fig, axes = style.figure(1, 3, width=7.2, height=2.4, sharex=True)
    for i, (result, (t, rep)) in enumerate(zip(results, curves)):
        st = style.curve_style(i)
        colour, dash = st["color"], st["linestyle"]
        label = f"{result['file']} ($R = {result['replicas']}$)"
        every = max(1, len(t) // 12)  # markers tell the files apart in print, too
        axes[0].plot(t, rep["distance"], color=colour, lw=1.2, ls=dash, marker=st["marker"],
                     markevery=every, label=label)
        axes[1].plot(t, rep["overlap"], color=colour, lw=1.2, ls=dash, marker=st["marker"],
                     markevery=every, label=label)
        for r in range(result["replicas"]):
            axes[2].plot(t, rep["abs_magnetization"][:, r], color=colour, lw=0.7, alpha=0.7,
                         ls=dash, marker="none", label=label if r == 0 else None)
    # Linear near 0 so that an exact 0 shows as 0, logarithmic above.
    positive = [r["max_distance"] for r in results if r["max_distance"] > 0]
    if positive:
        axes[0].set_yscale("symlog", linthresh=max(1e-12, 1e-3 * min(positive)))
    style.reference_line(axes[1], y=1, text=r"$q = 1$: identical replicas")
    axes[0].set_ylabel(r"distance $d_{ab}$ [lattice units]")
    axes[1].set_ylabel(style.label("overlap"))
    axes[2].set_ylabel(r"$|M|$ per replica [lattice units]")
    axes[2].set_xlabel(style.label("time"))
    style.legend(axes[0], loc="best")
    style.legend(axes[1], loc="best")
    output = reader.save_figure(fig, args, "_replicas.png", runs)
    reader.write_json(args.json, {"files": results, "png": output})
    for r in results:
        print(f"{r['file']}: {r['replicas']} replicas; max distance {r['max_distance']:.4g}, "
              f"final {r['final_distance']:.4g}; min overlap {r['min_overlap']:.6g}, "
              f"final {r['final_overlap']:.6g}")
    print(output)


if __name__ == "__main__":
    main()
