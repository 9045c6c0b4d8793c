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
    flips = (np.diff(np.sign(m), axis=0) != 0).sum(axis=0)
    alignment = float(np.sign(m[:, 1:] * m[:, :-1]).mean())
    try:
        whole = reader.read_group(run.path, "replicas")["abs_magnetization"][rows]
    except reader.UsageError:
        whole = run.series("abs_magnetization")[rows][:, None]
    return {
        "file": run.path,
        "layer_coupling": float(run.deck["network.layer_coupling"]),
        "late_rows": [rows.start, rows.stop],
        "abs_m_layers": [float(v) for v in mean],
        "abs_m_layers_error": [float(v) for v in error],
        "sign_changes": [int(v) for v in flips],
        "mean_abs_m_layers": float(mean.mean()),
        "alignment": alignment,
        "abs_m_network": [float(v) for v in whole.mean(axis=0)],
        "mean_abs_m_network": float(whole.mean()),
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

    plt = reader.figure()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for i, p in enumerate(points):
        layer = np.arange(len(p["abs_m_layers"]))
        left.errorbar(layer, p["abs_m_layers"], yerr=p["abs_m_layers_error"], marker="o",
                      ms=4, capsize=2, color=f"C{i}", label=f"J_layer = {p['layer_coupling']:g}")
    left.set_xlabel("layer l")
    left.set_ylabel("|M_l| (late mean)")
    left.set_ylim(bottom=0)
    left.legend(fontsize="small")
    j = np.array([p["layer_coupling"] for p in points])
    right.plot(j, [p["mean_abs_m_layers"] for p in points], "o-", label="per layer: mean |M_l|")
    right.plot(j, [p["mean_abs_m_network"] for p in points], "s-",
               label="whole network: |M| (mean over replicas)")
    right.plot(j, [p["alignment"] for p in points], "^-",
               label="alignment <sign(M_l M_l+1)>")
    right.axhline(0, color="grey", lw=0.6)
    right.set_xlabel("J_layer (coupling between adjacent layers)")
    right.legend(fontsize="small")
    output = reader.save_figure(fig, args, "_decoupling.png", runs[0])
    reader.write_json(args.json, {"points": points, "png": output})
    for p in points:
        print(f"J_layer = {p['layer_coupling']:g}: |M_l| >= {min(p['abs_m_layers']):.4g} "
              f"(sign changes {sum(p['sign_changes'])}), alignment {p['alignment']:.3g}, "
              f"network |M| {p['mean_abs_m_network']:.4g}  [{p['file']}]")
    print(output)


if __name__ == "__main__":
    main()
