#!/usr/bin/python3
"""The dictionary between training and field dynamics, tested on a real network.

A teacher-student MLP (input 16, four tanh layers of width 32, output 1) is trained with torch on
synthetic data (256 Gaussian inputs labelled by a random teacher of the same shape), from a
constant initialisation (every weight of a layer equal, biases 0) and from PyTorch's random one,
with three optimisers: full-batch gradient descent, minibatch SGD (batch 16) and minibatch SGD
with dropout (p = 0.2 after every hidden layer). Each setup is trained R times from the same
initial weights with different noise seeds (batch order, dropout masks): the replicas.
The four hidden layers' weights are recorded with ssbsim.torch (the first, of fan-in 16, padded
to 32) and measured by `ssbsim measure`. Beside them, the matching field runs of ssbsim
(inputs/nn_dictionary.ini: the same 4 x 32 x 32 lattice, constant start 0.3 or hot start, flow
= full-batch GD, langevin = SGD with noise independent per weight, shared = SGD with
training.noise = shared, one variate per layer and step, as minibatch noise is for identical
neurons, shared+dropout = that with training.dropout = 0.2) are run and read the same way.

Numbers (printed as a table, and with --json): per run the largest neuron diversity D_l over the
layers and the run, its final layer mean, and the largest and final replica distance d.
What the picture shows (docs/network.md, "Real training runs"): from a constant start, full-batch
GD and minibatch SGD both keep D_l = 0 exactly (identical neurons have identical per-sample
gradients, so the batch noise is the same for every neuron of a layer), while dropout breaks the
symmetry; ssbsim's Langevin noise, independent per weight, breaks it too, its shared noise does
not (D_l = 0 exactly, as minibatch SGD), and its dropout does.

Example:
  /usr/bin/python3 analysis/torch_dictionary.py --ssbsim build/dev/ssbsim -o dictionary.png \\
      --json dictionary.json

Needs PyTorch (Debian's python3-torch; scripts/install-deps.sh installs it).
"""

import argparse
import json
import os
import subprocess
import sys


import ssbsim_reader as reader

HERE = os.path.dirname(os.path.abspath(__file__))
DECK = os.path.join(HERE, "..", "inputs", "nn_dictionary.ini")

D_IN, WIDTH, DEPTH, N_DATA = 16, 32, 4, 256
LR, BATCH, DROPOUT = 0.05, 16, 0.2


def make_model(torch, init, dropout, d_in=D_IN):
    layers, fan_in = [], d_in
    for _ in range(DEPTH):
        layers += [torch.nn.Linear(fan_in, WIDTH), torch.nn.Tanh()]
        if dropout:
            layers.append(torch.nn.Dropout(dropout))
        fan_in = WIDTH
    layers.append(torch.nn.Linear(WIDTH, 1))
    model = torch.nn.Sequential(*layers).double()
    if init == "constant":
        with torch.no_grad():
            for m in model:
                if isinstance(m, torch.nn.Linear):
                    m.weight.fill_(0.5 / m.weight.shape[1])
                    m.bias.zero_()
    return model


def hidden(torch, model):
    return [m for m in model if isinstance(m, torch.nn.Linear)][:DEPTH]


def train(torch, st, path, init, optimiser, steps, every, replicas, dropout=None, expand=0,
          first_layer=0):
    """Records `replicas` trainings of one setup into `path` and returns each replica's final
    loss on the whole data set (dropout off). `dropout` overrides the optimiser's (0, or
    DROPOUT for "dropout"); `expand` appends that many input dimensions of the constant 0.5 to
    every input (Zhang et al.'s input expansion; the teacher and data stay the same);
    `first_layer` is the first hidden layer recorded (1: only the 32 x 32 ones)."""
    torch.manual_seed(1234)
    teacher = make_model(torch, "random", 0)
    x = torch.randn(N_DATA, D_IN, dtype=torch.float64)
    with torch.no_grad():
        y = teacher(x)
        y = y / y.std()  # unit-variance labels
    if expand:
        x = torch.cat([x, torch.full((N_DATA, expand), 0.5, dtype=torch.float64)], dim=1)
    batch = N_DATA if optimiser == "gd" else BATCH
    if dropout is None:
        dropout = DROPOUT if optimiser == "dropout" else 0
    method = "flow" if optimiser == "gd" else "langevin"
    losses = []
    with st.Recorder(path, replicas=replicas, every=every, learning_rate=LR, batch_size=batch,
                     method=method, seed=7,
                     description=f"teacher-student MLP, {init} init, {optimiser}") as rec:
        for r in range(replicas):
            torch.manual_seed(99)  # the same initial weights for every replica
            model = make_model(torch, init, dropout, D_IN + expand)
            opt = torch.optim.SGD(model.parameters(), lr=LR)
            gen = torch.Generator().manual_seed(1000 + r)  # the replica's noise
            torch.manual_seed(2000 + r)  # dropout masks
            tap = rec.attach(model, opt, hidden(torch, model)[first_layer:], replica=r)
            model.train()
            for _ in range(steps):
                idx = torch.randperm(N_DATA, generator=gen)[:batch] if batch < N_DATA else None
                xb, yb = (x, y) if idx is None else (x[idx], y[idx])
                loss = ((model(xb) - yb) ** 2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                tap.step()
            model.eval()
            with torch.no_grad():
                losses.append(float(((model(x) - y) ** 2).mean()))
    return losses


def run_ssbsim(binary, args):
    # One thread: these lattices are tiny, and OpenMP threads that spin at barriers make a run
    # on a busy machine 50x slower (the bits do not depend on the thread count).
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    r = subprocess.run([binary] + args, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise reader.UsageError(f"ssbsim {' '.join(args)} failed: {r.stderr.strip()}")


def summary(path, label):
    layers = reader.read_group(path, "layers")
    replicas = reader.read_group(path, "replicas")
    diversity = layers["diversity"]
    distance = replicas["distance"]
    return {
        "run": label,
        "file": os.path.basename(path),
        "max_diversity": float(diversity.max()),
        "final_diversity": float(diversity[-1].mean()),
        "max_distance": float(distance.max()),
        "final_distance": float(distance[-1]),
        "steps": [int(s) for s in layers["step"]],
        "diversity": [float(v) for v in diversity.mean(axis=1)],
        "distance": [float(v) for v in distance],
    }


TORCH_RUNS = [(init, opt) for init in ("constant", "random") for opt in ("gd", "sgd", "dropout")]
SGD = ["dynamics.method=langevin", f"training.batch_size={BATCH}", "training.grad_variance=1"]
SHARED = SGD + ["training.noise=shared"]  # the SGD noise of identical neurons: one per layer
# (init, dynamics label, --set overrides), in the order of the table in docs/network.md.
FIELD_RUNS = [("constant", "flow", []), ("constant", "langevin", SGD),
              ("constant", "shared", SHARED),
              ("constant", "shared+dropout", SHARED + [f"training.dropout={DROPOUT}"]),
              ("random", "flow", ["field.init=hot"]), ("random", "langevin", ["field.init=hot"] + SGD)]


def parse_arguments(description, every, output):
    """The command line shared with symmetry_breakers.py; makes --dir."""
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ssbsim", default="ssbsim", help="the ssbsim program")
    parser.add_argument("--dir", default=".", help="where the recordings and runs go")
    parser.add_argument("--steps", type=int, default=300, help="training steps")
    parser.add_argument("--every", type=int, default=every, help="record every this many steps")
    parser.add_argument("--replicas", type=int, default=4)
    parser.add_argument("-o", "--output", default=output, help="picture (PNG)")
    parser.add_argument("--json", help="write the numbers here")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    return args


def import_torch():
    """torch (one thread: small networks, and the tests run beside other jobs) and the recorder."""
    try:
        import torch
        import ssbsim.torch as st
    except ImportError as e:
        reader.fail(f"{e}")
    torch.set_num_threads(1)
    return torch, st


def main():
    args = parse_arguments(__doc__, every=10, output="dictionary.png")
    torch, st = import_torch()
    results = []
    try:
        for init, opt in TORCH_RUNS:
            path = os.path.join(args.dir, f"torch_{init}_{opt}.h5")
            train(torch, st, path, init, opt, args.steps, args.every, args.replicas)
            measured = path.replace(".h5", "_measured.h5")
            run_ssbsim(args.ssbsim, ["measure", path, "-o", measured, "--overwrite"])
            results.append(dict(summary(measured, f"torch {init} {opt}"), side="torch",
                                init=init, dynamics=opt))
        for init, method, sets in FIELD_RUNS:
            path = os.path.join(args.dir, f"field_{init}_{method}.h5")
            cmd = ["run", DECK, "-o", path, "--overwrite",
                   "--set", f"dynamics.steps={args.steps}",
                   "--set", f"measure.every={args.every}",
                   "--set", f"run.replicas={args.replicas}"]
            for s in sets:
                cmd += ["--set", s]
            run_ssbsim(args.ssbsim, cmd)
            results.append(dict(summary(path, f"field {init} {method}"), side="field",
                                init=init, dynamics=method))
    except reader.UsageError as e:
        reader.fail(str(e))

    print(f"{'run':28s} {'max D_l':>10s} {'final D':>10s} {'max d':>10s} {'final d':>10s}")
    for r in results:
        print(f"{r['run']:28s} {r['max_diversity']:10.3g} {r['final_diversity']:10.3g} "
              f"{r['max_distance']:10.3g} {r['final_distance']:10.3g}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": results}, f, indent=1)
    plot(results, args.output)


def plot(results, output):
    plt = reader.figure()
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True)
    styles = {"gd": "-", "flow": "-", "sgd": "--", "shared": "--", "langevin": "-.",
              "dropout": ":", "shared+dropout": ":"}
    colours = {"constant": "C0", "random": "C1"}
    for col, side in enumerate(("torch", "field")):
        for r in (r for r in results if r["side"] == side):
            kw = dict(ls=styles[r["dynamics"]], color=colours[r["init"]], label=r["run"])
            axes[0, col].plot(r["steps"], r["diversity"], **kw)
            axes[1, col].plot(r["steps"], r["distance"], **kw)
        axes[0, col].set_title("PyTorch MLP (recorded, ssbsim measure)" if side == "torch"
                               else "ssbsim field (inputs/nn_dictionary.ini)")
        for row, name in enumerate(("neuron diversity D (mean over layers)",
                                    "replica distance d")):
            ax = axes[row, col]
            ax.set_yscale("symlog", linthresh=1e-8)
            ax.set_ylim(bottom=-3e-9)  # exact zeros on a visible line just above the bottom
            ax.set_ylabel(name)
            ax.axhline(0, color="k", lw=0.5)
        axes[1, col].set_xlabel("training step")
        axes[0, col].legend(fontsize=8)
    fig.suptitle("constant start: minibatch SGD (torch) and shared noise (field) keep D = 0; "
                 "dropout and independent noise break the symmetry")
    fig.tight_layout()
    fig.savefig(output, dpi=90)
    print(output)


if __name__ == "__main__":
    sys.exit(main())
