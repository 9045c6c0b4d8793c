#!/usr/bin/python3
"""Symmetry breakers measured by the replica distance, on a real network and in the field.

Zhang et al. (arXiv:2409.06402) propose that input-dimension expansion (appending input
dimensions filled with a constant) and dropout help training because they break symmetries,
and quantify the degree of symmetry breaking by the distance between replicas: copies of one
network trained from the same start. This script measures both breakers with ssbsim's replica
distance d = V^-1 sum_x |w^a_x - w^b_x|^2 (mean over the replica pairs, /replicas/distance):

  torch: the teacher-student MLP of torch_dictionary.py (input 16, four tanh layers of width 32,
         PyTorch's random initialisation, minibatch SGD, batch 16, 300 steps of eta = 0.05),
         R replicas from the same initial weights with their own batch order and dropout masks;
         dropout p = 0, 0.1, 0.2, 0.4 after every hidden layer, and the input expanded from 16 to
         32 and 64 dimensions with the constant 0.5 (no dropout). The three 32 x 32 hidden layers
         are recorded with ssbsim.torch (the same lattice for every setup, so d is comparable)
         and measured with `ssbsim measure`.
  field: inputs/nn_dictionary.ini as SGD (langevin, T = eta / 32) with the noise of minibatch SGD
         (training.noise = shared) and training.dropout = 0, 0.1, 0.2, 0.4; the fan-in
         (network.fan_in, the input axis) grown from 16 to 32 and 64 with shared and with
         independent noise.

Printed (and written with --json): per setup the final d, the final neuron diversity D (mean
over layers) and, for torch, the final loss on the whole data set (mean over the replicas).
The picture: d relative to the setup without the breaker, versus p (left) and versus the input
dimension (right), torch and field side by side. docs/network.md ("Symmetry breakers") says
what agrees and what does not.

Example:
  /usr/bin/python3 analysis/symmetry_breakers.py --ssbsim build/dev/ssbsim -o breakers.png \\
      --json breakers.json

Needs PyTorch (Debian's python3-torch; scripts/install-deps.sh installs it).
"""

import json
import os
import sys

import ssbsim_reader as reader
import torch_dictionary as td

DROPOUTS = (0.0, 0.1, 0.2, 0.4)
EXPANSIONS = (0, 16, 48)  # input dimension 16, 32, 64
FAN_INS = (16, 32, 64)


def final(path, label, **extra):
    layers = reader.read_group(path, "layers")
    distance = reader.read_group(path, "replicas")["distance"]
    return dict(run=label, file=os.path.basename(path), final_distance=float(distance[-1]),
                final_diversity=float(layers["diversity"][-1].mean()), **extra)


def torch_runs(torch, st, args):
    out = []
    setups = [("dropout", p, 0) for p in DROPOUTS] + \
        [("expand", 0.0, e) for e in EXPANSIONS if e]
    for kind, p, expand in setups:
        name = f"torch_p{p:g}_in{td.D_IN + expand}"
        path = os.path.join(args.dir, name + ".h5")
        losses = td.train(torch, st, path, "random", "sgd", args.steps, args.every,
                          args.replicas, dropout=p, expand=expand, first_layer=1)
        measured = path.replace(".h5", "_measured.h5")
        td.run_ssbsim(args.ssbsim, ["measure", path, "-o", measured, "--overwrite"])
        out.append(final(measured, f"torch p={p:g} input={td.D_IN + expand}", side="torch",
                         dropout=p, inputs=td.D_IN + expand,
                         loss=sum(losses) / len(losses)))
    return out


def field_runs(args):
    out = []
    setups = [("shared", p, 32) for p in DROPOUTS] + \
        [(noise, 0.0, k) for noise in ("shared", "independent") for k in FAN_INS if k != 32] + \
        [("independent", 0.0, 32)]
    for noise, p, fan_in in setups:
        name = f"field_{noise}_p{p:g}_in{fan_in}"
        path = os.path.join(args.dir, name + ".h5")
        cmd = ["run", td.DECK, "-o", path, "--overwrite",
               "--set", f"dynamics.steps={args.steps}", "--set", f"measure.every={args.every}",
               "--set", f"run.replicas={args.replicas}", "--set", "field.init=hot",
               "--set", f"network.fan_in={fan_in}", "--set", f"training.noise={noise}"]
        for s in td.SGD:
            cmd += ["--set", s]
        if p:
            cmd += ["--set", f"training.dropout={p:g}"]
        td.run_ssbsim(args.ssbsim, cmd)
        out.append(final(path, f"field {noise} p={p:g} fan_in={fan_in}", side="field",
                         noise=noise, dropout=p, inputs=fan_in))
    return out


def plot(results, output):
    plt = reader.figure()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    series = [("torch", None, "o", "C0", "torch MLP, minibatch SGD"),
              ("field", "shared", "s", "C1", "field, shared noise"),
              ("field", "independent", "^", "C2", "field, independent noise")]
    for side, noise, marker, colour, label in series:
        rows = [r for r in results if r["side"] == side and r.get("noise") == noise]
        drop = sorted((r for r in rows if r["inputs"] == (td.D_IN if side == "torch" else 32)),
                      key=lambda r: r["dropout"])
        base = [r for r in drop if r["dropout"] == 0]
        if len(drop) > 1 and base:
            left.plot([r["dropout"] for r in drop],
                      [r["final_distance"] / base[0]["final_distance"] for r in drop],
                      marker=marker, color=colour, label=label)
        grow = sorted((r for r in rows if r["dropout"] == 0), key=lambda r: r["inputs"])
        if len(grow) > 1:
            right.plot([r["inputs"] for r in grow],
                       [r["final_distance"] / grow[0]["final_distance"] for r in grow],
                       marker=marker, color=colour, label=label)
    left.set_xlabel("dropout probability $p$")
    left.set_ylabel("replica distance $d(p)\\,/\\,d(0)$")
    left.set_title("dropout")
    right.set_xlabel("input dimension (torch: 16 + constant inputs; field: fan-in $K$)")
    right.set_ylabel("replica distance $d\\,/\\,d(16)$")
    right.set_title("input-dimension expansion")
    right.set_xscale("log", base=2)
    right.set_xticks(FAN_INS, [str(k) for k in FAN_INS])
    right.minorticks_off()
    for ax in (left, right):
        ax.set_yscale("log")
        ax.axhline(1, color="k", lw=0.5)
        ax.legend(fontsize=8)
    fig.suptitle("replica distance $d$ after 300 steps, relative to the run without the breaker")
    fig.tight_layout()
    fig.savefig(output, dpi=90)
    print(output)


def main():
    args = td.parse_arguments(__doc__, every=30, output="breakers.png")
    torch, st = td.import_torch()
    try:
        results = torch_runs(torch, st, args) + field_runs(args)
    except reader.UsageError as e:
        reader.fail(str(e))
    print(f"{'run':40s} {'final d':>10s} {'final D':>10s} {'loss':>8s}")
    for r in results:
        loss = f"{r['loss']:8.4f}" if "loss" in r else f"{'':8s}"
        print(f"{r['run']:40s} {r['final_distance']:10.3g} {r['final_diversity']:10.3g} {loss}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": results}, f, indent=1)
    plot(results, args.output)


if __name__ == "__main__":
    sys.exit(main())
