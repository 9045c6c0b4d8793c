#!/usr/bin/python3
"""Critical slowing down, measured: tau_int of M^2 at the 2D critical point (lambda = 1,
m2 = -1.27, the Binder crossing of Schaich & Loinaz, PRD 79, 056008) for L x L lattices and the
samplers langevin2, momentum, hmc and hmc + Swendsen-Wang, in units of the method's steps, of
training time, of force evaluations and of wall time, with the fitted dynamic exponent z
(tau ~ L^z). Prints a markdown table (docs/performance.md, "Critical slowing down").

usage: scripts/critical_slowing.py [--ssbsim build/release/ssbsim] [--sizes 8 16 32]
                                   [--scale 1.0] [--work DIR]
Run lengths are ~200 tau_int per point at --scale 1 (a few minutes on two cores for L <= 32);
the Gamma-method (Wolff, Comput. Phys. Commun. 156, 143) is the package's (ssbsim.analysis).
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "analysis"))
from ssbsim.analysis import gamma_method  # noqa: E402

DECK = """# critical_slowing.py: 2D Z2 point at the Binder crossing (lambda = 1, m2 = -1.27)
[run]
seed = {seed}
[lattice]
dims = {L} {L}
[field]
init = hot
[action]
m2 = -1.27
lambda = 1.0
[dynamics]
{dynamics}
steps = {steps}
[measure]
every = {every}
save_every = 0
[checkpoint]
every = 0
"""

# name: (dynamics keys, force evaluations per step, step size for training time, every,
#        steps at L = 8 (scaled by (L/8)^2.1), minimum steps)
METHODS = {
    "langevin2": ("method = langevin2\nstep = 0.02", 2, 0.02, 10, 40000, 40000),
    "momentum": ("method = momentum\nstep = 0.05\nfriction = 1.0", 1, 0.05, 5, 20000, 20000),
    "hmc": ("method = hmc\nstep = 0.25\nhmc_steps = 4\nhmc_integrator = omelyan\n"
            "hmc_jitter = 0.2", 9, 1.0, 1, 2000, 4000),
    "hmc + sw": ("method = hmc\nstep = 0.25\nhmc_steps = 4\nhmc_integrator = omelyan\n"
                 "hmc_jitter = 0.2\ncluster_every = 1\ncluster_kind = sw", 9, 1.0, 1, 3000, 3000),
}


def run_point(binary, work, name, L, scale):
    dynamics, forces, dt, every, steps8, minimum = METHODS[name]
    steps = int(scale * max(minimum, steps8 * (L / 8) ** 2.1))
    steps -= steps % every
    tag = name.replace(" + ", "_") + f"_{L}"
    deck = os.path.join(work, tag + ".ini")
    out = os.path.join(work, tag + ".h5")
    with open(deck, "w") as f:
        f.write(DECK.format(seed=11, L=L, dynamics=dynamics, steps=steps, every=every))
    subprocess.run([binary, "run", deck, "-o", out, "--overwrite"], check=True,
                   stdout=subprocess.DEVNULL)
    with h5py.File(out, "r") as f:
        m2 = f["observables/magnetization2"][()]
        wall = float(f["segments/000"].attrs["wall_time"])
    series = m2[len(m2) // 10:]  # 10 % thermalisation
    g = gamma_method(series)
    tau_steps = g["tau_int"] * every
    return {
        "method": name, "L": L, "steps": steps, "tau_steps": tau_steps,
        "tau_err": g["tau_int_error"] * every, "tau_time": tau_steps * dt,
        "tau_forces": tau_steps * forces,
        # wall time per independent sample, 2 tau_int steps
        "wall_per_sample": 2.0 * tau_steps * wall / steps,
    }


def fit_z(rows):
    """Least-squares slope of log tau vs log L (tau in steps)."""
    x = np.log([r["L"] for r in rows])
    y = np.log([r["tau_steps"] for r in rows])
    if len(rows) < 2:
        return math.nan
    return float(np.polyfit(x, y, 1)[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ssbsim", default="build/release/ssbsim")
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 16, 32])
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--work", default=None, help="directory for decks and outputs")
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="ssbsim-z-")
    os.makedirs(work, exist_ok=True)
    print("| method | L | steps | tau_int(M^2) [steps] | [training time] | [force evaluations] "
          "| wall s / independent sample |")
    print("|---|---|---|---|---|---|---|")
    fits = {}
    for name in args.methods:
        rows = []
        for L in args.sizes:
            r = run_point(args.ssbsim, work, name, L, args.scale)
            rows.append(r)
            print(f"| {name} | {L} | {r['steps']} | {r['tau_steps']:.3g} ± {r['tau_err']:.2g} "
                  f"| {r['tau_time']:.3g} | {r['tau_forces']:.3g} | {r['wall_per_sample']:.3g} |",
                  flush=True)
        fits[name] = fit_z(rows)
    print()
    sizes = "–".join(str(L) for L in (args.sizes[0], args.sizes[-1]))
    for name, z in fits.items():
        print(f"- {name}: z = {z:.2f} (fit of tau_int in steps over L = {sizes})")


if __name__ == "__main__":
    main()
