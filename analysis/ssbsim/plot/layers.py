"""Per-layer symmetry breaking of a network run versus training time t = sum of the step sizes.

Three panels from /layers of a [network] run (replica 0): the order parameter |M_l| of every
layer, the neuron diversity D_l (0 exactly while all neurons of the layer are identical) and the
gradient variance G_l (variance over the layer of dS/dw). A learning-rate schedule is drawn on a
second axis of the first panel (the noise temperature T = eta sigma^2 / (2B) it implies).

Numbers (printed, and with --json): per layer the mean |M_l| over the first --early fraction of
the measurements and over the last --late fraction, with errors from 20 block means; the largest
and the final D_l and G_l; and the ordering time, the first measurement at which the
layer-averaged |M_l| reaches half its late mean (with the temperature then).

Example:
  ssbsim run inputs/nn_anneal.ini
  python3 -m ssbsim.plot layers nn_anneal.h5 -o layers.png
"""

import argparse

import numpy as np

from .. import reader
from . import style


def window(n, fraction, last):
    """Row slice of the first (or last) `fraction` of n rows, at least one row."""
    k = max(1, int(fraction * n + 0.5))  # rounded half up
    return slice(n - k, n) if last else slice(0, k)


def analyse(run, layers, early, late):
    steps = layers["step"]
    t = reader.times_of_steps(run, steps)
    temperature = np.interp(steps, run.series("step"), run.series("temperature"))
    abs_m = layers["abs_magnetization"]
    diversity = layers["diversity"]
    gvar = layers["grad_variance"]
    n, depth = abs_m.shape
    e, l_ = window(n, early, False), window(n, late, True)
    early_mean, early_error = reader.block_mean(abs_m[e])
    late_mean, late_error = reader.block_mean(abs_m[l_])
    average = abs_m.mean(axis=1)
    target = 0.5 * late_mean.mean()
    above = np.nonzero(average >= target)[0] if target > 0 else []
    order = int(above[0]) if len(above) else None
    return {
        "file": run.path,
        "depth": depth,
        "measurements": n,
        "early_rows": [e.start, e.stop],
        "late_rows": [l_.start, l_.stop],
        "t_final": float(t[-1]),
        "layers": [{
            "layer": i,
            "early_abs_m": float(early_mean[i]), "early_abs_m_error": float(early_error[i]),
            "late_abs_m": float(late_mean[i]), "late_abs_m_error": float(late_error[i]),
            "max_diversity": float(diversity[:, i].max()),
            "final_diversity": float(diversity[-1, i]),
            "max_grad_variance": float(gvar[:, i].max()),
            "final_grad_variance": float(gvar[-1, i]),
        } for i in range(depth)],
        "ordering_row": order,
        "ordering_time": float(t[order]) if order is not None else None,
        "ordering_temperature": float(temperature[order]) if order is not None else None,
    }, t, temperature


def main(argv=None):
    parser = argparse.ArgumentParser(prog=reader.prog(__name__), description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="ssbsim output of a [network] run (HDF5)")
    parser.add_argument("--early", type=float, default=0.25,
                        help="fraction of the measurements that is 'early' (default 0.25)")
    parser.add_argument("--late", type=float, default=0.1,
                        help="fraction of the measurements that is 'late' (default 0.1)")
    parser.add_argument("--x", choices=("time", "step"), default="time",
                        help="horizontal axis: training time t (default) or step")
    reader.add_common_arguments(parser, "_layers.png")
    args = parser.parse_args(argv)
    for name in ("early", "late"):
        if not 0 < getattr(args, name) <= 1:
            reader.fail(f"--{name} must be a fraction in (0, 1]")

    run = reader.open_runs([args.file])[0]
    try:
        layers = reader.read_group(run.path, "layers")
        result, t, temperature = analyse(run, layers, args.early, args.late)
    except reader.UsageError as e:
        reader.fail(str(e))

    scheduled = not np.all(temperature == temperature[0])
    panels = [("abs_magnetization", "order parameter\n$|M_l|$"),
              ("diversity", "neuron diversity\n$D_l$"),
              ("grad_variance", "gradient variance\n$G_l$")]
    # The schedule gets a panel of its own (a second y axis would hide the legend) and the
    # layers a colour bar (eight legend entries would cover the curves).
    plt, fig, axes = style.figure(1, len(panels) + scheduled, width=7.2, height=2.3,
                                  sharex=True)
    depth = result["depth"]
    cmap = plt.get_cmap("viridis")
    colours = cmap(np.linspace(0, 0.9, depth))
    x = t if args.x == "time" else layers["step"]
    for ax, (name, text) in zip(axes, panels):
        for i in range(depth):
            ax.plot(x, layers[name][:, i], lw=0.9, color=colours[i], marker="none")
        ax.set_ylabel(text)
    if scheduled:
        axes[-1].plot(x, temperature, color="k", marker="none", lw=1.2)
        axes[-1].set_ylabel("noise temperature\n$T$")
    if result["ordering_time"] is not None:
        for k, ax in enumerate(axes):
            style.reference_line(ax, x=x[result["ordering_row"]],
                                 text="ordering" if k == 0 else None)
        style.legend(axes[0], loc="upper left")
    import matplotlib as mpl
    bar = fig.colorbar(mpl.cm.ScalarMappable(norm=mpl.colors.BoundaryNorm(
        np.arange(depth + 1) - 0.5, depth), cmap=mpl.colors.ListedColormap(colours)),
        ax=list(axes), ticks=range(depth), aspect=40, pad=0.02)
    bar.set_label(r"layer $l$")
    axes[0].set_title(f"{run.path}: {depth} layers, {style.size(run)} (all in lattice units)")
    axes[-1].set_xlabel(style.label("time") if args.x == "time" else style.label("step"))
    output = reader.save_figure(fig, args, "_layers.png", run)
    result["png"] = output
    reader.write_json(args.json, result)

    ls = result["layers"]
    line = (f"{run.path}: {depth} layers; |M_l| early <= "
            f"{max(x['early_abs_m'] for x in ls):.4g}, late >= {min(x['late_abs_m'] for x in ls):.4g}; "
            f"max D_l = {max(x['max_diversity'] for x in ls):.4g}")
    if result["ordering_time"] is not None:
        line += (f"; ordering at t = {result['ordering_time']:.4g} "
                 f"(T = {result['ordering_temperature']:.4g})")
    print(line)
    print(output)


if __name__ == "__main__":
    main()
