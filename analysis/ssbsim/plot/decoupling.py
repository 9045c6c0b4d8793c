"""Layer decoupling: per-layer symmetry breaking across a scan of the coupling between layers.

For each file of a scan over network.layer_coupling (J_layer; inputs/nn_decoupling.ini), over
the late part of the run (the last --late fraction of the measurements, default one half):
  - |M_l| of every layer (replica 0, /layers) with its error from 20 block means, and the number
    of sign changes of M_l (0: the layer stays in one vacuum, its Z2 symmetry is broken);
  - the alignment of neighbouring layers, the mean of sign(M_l M_{l+1}) over the window and the
    layer pairs: 1 when the whole network breaks the symmetry together, random (about 0) when
    each layer chooses its own vacuum;
  - |M| of the whole network in every replica (/replicas; /observables with one replica), which is
    as large as |M_l| only when the layers are aligned.
Left panel: |M_l| versus layer, one curve per J_layer. Right panel, versus J_layer: the mean
|M_l|, the whole-network |M| averaged over the replicas, and the alignment.

Example:
  ssbsim run inputs/nn_decoupling.ini --all
  python3 -m ssbsim.plot decoupling nn_decoupling_*.h5 -o decoupling.png
"""

import argparse

import numpy as np

from .. import reader
from . import style


def analyse(run, late):
    if "network.layer_coupling" not in run.deck:
        raise reader.UsageError(f"{run.path}: not a [network] run (no network.layer_coupling "
                                "in its deck)")
    layers = reader.read_group(run.path, "layers")
    n = len(layers["step"])
    k = max(1, int(late * n + 0.5))  # rounded half up
    rows = slice(n - k, n)
    abs_m = layers["abs_magnetization"][rows]
    m = layers["magnetization"][rows][:, :, 0]
    mean, error = reader.block_mean(abs_m)
    align_mean, align_error = reader.block_mean(np.sign(m[:, 1:] * m[:, :-1]).mean(axis=1))
    flips = (np.diff(np.sign(m), axis=0) != 0).sum(axis=0)
    alignment = float(np.sign(m[:, 1:] * m[:, :-1]).mean())
    try:
        whole = reader.read_group(run.path, "replicas")["abs_magnetization"][rows]
    except reader.UsageError:
        whole = run.series("abs_magnetization")[rows][:, None]
    per_replica = whole.mean(axis=0)  # independent replicas: their spread gives the error
    if len(per_replica) > 1:
        network_error = float(per_replica.std(ddof=1) / np.sqrt(len(per_replica)))
    else:
        network_error = float(reader.block_mean(whole[:, 0])[1])
    return {
        "file": run.path,
        "layer_coupling": float(run.deck["network.layer_coupling"]),
        "late_rows": [rows.start, rows.stop],
        "abs_m_layers": [float(v) for v in mean],
        "abs_m_layers_error": [float(v) for v in error],
        "sign_changes": [int(v) for v in flips],
        "mean_abs_m_layers": float(mean.mean()),
        # the layers' block errors combined as if independent (neighbours are correlated when
        # coupled: a lower bound there)
        "mean_abs_m_layers_error": float(np.sqrt((error ** 2).sum()) / len(error)),
        "alignment": alignment,
        "alignment_error": float(align_error),
        "abs_m_network": [float(v) for v in per_replica],
        "mean_abs_m_network": float(whole.mean()),
        "mean_abs_m_network_error": network_error,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog=reader.prog(__name__), description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", help="outputs of a scan over network.layer_coupling")
    parser.add_argument("--late", type=float, default=0.5,
                        help="fraction of the measurements at the end to average (default 0.5)")
    reader.add_common_arguments(parser, "_decoupling.png")
    args = parser.parse_args(argv)
    if not 0 < args.late <= 1:
        reader.fail("--late must be a fraction in (0, 1]")

    runs = reader.open_runs(args.files)
    try:
        points = sorted((analyse(run, args.late) for run in runs),
                        key=lambda p: -p["layer_coupling"])
    except reader.UsageError as e:
        reader.fail(str(e))

    plt, fig, (left, right) = style.figure(2, width=10, height=4.0)
    for i, p in enumerate(points):
        layer = np.arange(len(p["abs_m_layers"]))
        left.errorbar(layer, p["abs_m_layers"], yerr=p["abs_m_layers_error"], capsize=2,
                      **style.curve_style(i),
                      label=rf"$J_\mathrm{{layer}} = {p['layer_coupling']:g}$")
    left.set_xlabel(r"layer $l$")
    left.set_ylabel(r"$|M_l|$, late-time mean [lattice units]")
    left.set_ylim(bottom=0)
    style.legend(left, loc="lower left", ncols=2)
    j = np.array([p["layer_coupling"] for p in points])
    # Points only: four couplings are four ensembles, a line between them would be invented.
    for k, (key, text) in enumerate([
            ("mean_abs_m_layers", r"per layer: mean of $|M_l|$"),
            ("mean_abs_m_network", r"whole network: $|M|$ (mean over replicas)"),
            ("alignment", r"alignment $\langle \mathrm{sign}(M_l M_{l+1})\rangle$")]):
        right.errorbar(j, [p[key] for p in points], [p[key + "_error"] for p in points],
                       linestyle="none", capsize=3, marker=style.MARKERS[k],
                       color=style.COLORS[k], ms=6, label=text)
    style.reference_line(right, y=0, text="")
    right.set_xlabel(style.label("network.layer_coupling"))
    right.set_ylabel("late-time mean")
    right.set_xscale("symlog", linthresh=0.1)
    right.set_xticks(j, [f"{v:g}" for v in j])
    right.set_xlim(-0.05, 1.25 * j.max() if j.max() > 0 else 1)  # room for the end markers
    style.legend(right, loc="best")
    output = reader.save_figure(fig, args, "_decoupling.png", runs)
    reader.write_json(args.json, {"points": points, "png": output})
    for p in points:
        print(f"J_layer = {p['layer_coupling']:g}: |M_l| >= {min(p['abs_m_layers']):.4g} "
              f"(sign changes {sum(p['sign_changes'])}), alignment {p['alignment']:.3g}, "
              f"network |M| {p['mean_abs_m_network']:.4g}  [{p['file']}]")
    print(output)


if __name__ == "__main__":
    main()
