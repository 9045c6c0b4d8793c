#!/usr/bin/python3
"""Critical slowing down, measured: tau_int of M^2 at the 2D critical point (lambda = 1,
m2 = -1.275, 0.003 on the ordered side of the m2_c = -1.272 to which the Binder crossings of
inputs/critical_point_2d.ini converge) for L x L lattices and
the samplers langevin2, momentum, hmc, fa_hmc and hmc + Swendsen-Wang, in units of the method's
steps, of training time, of force evaluations and of wall time, with the fitted dynamic exponent z
(tau ~ L^z). Prints a markdown table (docs/performance.md, "Critical slowing down"); --json keeps
the rows, --plot draws tau_int in force evaluations against L.

usage: scripts/critical_slowing.py [--ssbsim build/release/ssbsim] [--sizes 16 32 64 128]
                                   [--methods ...] [--scale 1.0] [--jobs 2] [--work DIR]
                                   [--json rows.json] [--plot z.png]
       scripts/critical_slowing.py --from-json a.json b.json [--json all.json] [--plot z.png]
Each point runs ~100 tau_int (x --scale) of its method, estimated from the previous measurement
(tau_32 (L/32)^z); every run is one process with one thread, --jobs of them at a time, so wall
times compare between methods. The Gamma-method (Wolff, Comput. Phys. Commun. 156, 143) is the
package's (ssbsim.analysis). All runs start cold at phi = 0.6 (near <|M|>): a hot start on a large
lattice has Delta H ~ V and HMC would reject everything.
"""
import argparse
import concurrent.futures
import json
import math
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "analysis"))
from ssbsim.analysis import gamma_method  # noqa: E402

DECK = """# critical_slowing.py: the 2D Z2 critical point (lambda = 1)
[run]
seed = {seed}
[lattice]
dims = {L} {L}
[field]
init = cold
init_value = 0.6
[action]
m2 = {m2}
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

HMC = "step = 0.25\nhmc_steps = 4\nhmc_integrator = omelyan\nhmc_jitter = 0.2\n"

# name: dynamics keys, force evaluations per step, training time per step, measurement interval,
# expected tau_int(M^2) in steps at L = 32 and expected z (they set the run length only).
METHODS = {
    "langevin2": dict(keys="method = langevin2\nstep = 0.02", forces=2, dt=0.02, every=10,
                      tau32=2230, z=2.1),
    "momentum": dict(keys="method = momentum\nstep = 0.05\nfriction = 1.0", forces=1, dt=0.05,
                     every=5, tau32=970, z=1.9),
    "hmc": dict(keys="method = hmc\n" + HMC, forces=9, dt=1.0, every=1, tau32=117, z=2.0),
    # mu = 0.5 and 10 Omelyan steps of 0.15 (tuned at L = 32 and 64 among mu = 0.15-1,
    # eps = 0.08-0.25, 4-20 steps; acceptance 0.89 at 32, 0.77 at 64): with mu near the slowest
    # mode's mass all modes oscillate at about one frequency, ~3, so a trajectory of a whole
    # period (e.g. 16 x 0.15 at mu = 1) brings the field back where it started. dt: one
    # trajectory advances the training time by hmc_steps x step.
    "fa_hmc": dict(keys="method = fa_hmc\nstep = 0.15\nhmc_steps = 10\nhmc_integrator = omelyan\n"
                   "hmc_jitter = 0.2\nfourier_mass = 0.5", forces=21, dt=1.5, every=1, tau32=7,
                   z=1.5),
    "hmc + sw": dict(keys="method = hmc\n" + HMC + "cluster_every = 1\ncluster_kind = sw",
                     forces=9, dt=1.0, every=1, tau32=9, z=0.5),
}


def planned_steps(method, L, scale):
    m = METHODS[method]
    tau = m["tau32"] * (L / 32) ** m["z"]
    steps = int(scale * max(100 * tau, 2000 * m["every"]))
    return steps - steps % m["every"]


def run_point(binary, work, name, L, scale, m2):
    m = METHODS[name]
    steps = planned_steps(name, L, scale)
    tag = name.replace(" + ", "_") + f"_{L}"
    deck = os.path.join(work, tag + ".ini")
    out = os.path.join(work, tag + ".h5")
    with open(deck, "w") as f:
        f.write(DECK.format(seed=11, L=L, m2=m2, dynamics=m["keys"], steps=steps,
                            every=m["every"]))
    r = subprocess.run([binary, "run", deck, "-o", out, "--overwrite"], capture_output=True,
                       text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
    if r.returncode != 0:
        raise RuntimeError(f"{deck}: ssbsim run ended with status {r.returncode}:\n{r.stderr}")
    with h5py.File(out, "r") as f:
        m2_series = f["observables/magnetization2"][()]
        accepted = f["observables/accepted"][()]
        wall = float(f["segments/000"].attrs["wall_time"])
    cut = len(m2_series) // 10  # 10 % thermalisation
    g = gamma_method(m2_series[cut:])
    acc = accepted[cut:]
    acc = acc[np.isfinite(acc)]
    tau_steps = g["tau_int"] * m["every"]
    return {
        "method": name, "L": L, "steps": steps, "tau_steps": tau_steps,
        "tau_err": g["tau_int_error"] * m["every"], "tau_time": tau_steps * m["dt"],
        "tau_forces": tau_steps * m["forces"],
        "acceptance": float(acc.mean()) if len(acc) else math.nan,
        # wall time per independent sample, 2 tau_int steps, one thread
        "wall_per_sample": 2.0 * tau_steps * wall / steps,
    }


def fit_z(rows):
    """Weighted least-squares slope of log tau vs log L (tau in steps) and its error."""
    if len(rows) < 2:
        return math.nan, math.nan
    x = np.log([r["L"] for r in rows])
    y = np.log([r["tau_steps"] for r in rows])
    w = np.array([r["tau_steps"] / r["tau_err"] for r in rows])  # 1 / sigma(log tau)
    coef, cov = np.polyfit(x, y, 1, w=w, cov="unscaled") if len(rows) > 2 else \
        (np.polyfit(x, y, 1), None)
    err = math.sqrt(cov[0, 0]) if cov is not None else math.nan
    return float(coef[0]), err


def plot(rows, path, m2):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for name in dict.fromkeys(r["method"] for r in rows):
        mine = [r for r in rows if r["method"] == name]
        L = np.array([r["L"] for r in mine])
        tau = np.array([r["tau_forces"] for r in mine])
        err = np.array([r["tau_err"] / r["tau_steps"] for r in mine]) * tau
        z, _ = fit_z(mine)
        ax.errorbar(L, tau, yerr=err, marker="o", capsize=3, label=f"{name} (z = {z:.2f})")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("L")
    ax.set_ylabel(r"$\tau_\mathrm{int}(M^2)$ [force evaluations]")
    ax.set_title(rf"2D $\phi^4$ at $\lambda = 1$, $m^2 = {m2}$")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def report(rows, m2, json_path=None, plot_path=None):
    """The table, the fitted z per method, the cost at the largest L relative to langevin2."""
    print("| method | L | steps | acceptance | tau_int(M^2) [steps] | [training time] "
          "| [force evaluations] | wall s / independent sample |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        acc = "" if math.isnan(r["acceptance"]) else f"{r['acceptance']:.2f}"
        print(f"| {r['method']} | {r['L']} | {r['steps']} | {acc} "
              f"| {r['tau_steps']:.3g} ± {r['tau_err']:.2g} | {r['tau_time']:.3g} "
              f"| {r['tau_forces']:.3g} | {r['wall_per_sample']:.3g} |")
    print()
    fits = {}
    for name in dict.fromkeys(r["method"] for r in rows):
        mine = [r for r in rows if r["method"] == name]
        z, err = fit_z(mine)
        fits[name] = {"z": z, "z_error": err}
        print(f"- {name}: z = {z:.2f} ± {err:.2f} (fit of tau_int in steps over L = "
              f"{mine[0]['L']}–{mine[-1]['L']})")
    largest = max(r["L"] for r in rows)
    base = next((r for r in rows if r["method"] == "langevin2" and r["L"] == largest), None)
    if base:
        print(f"\nCost per independent sample at L = {largest} relative to langevin2 "
              "(force evaluations, wall time):")
        for r in rows:
            if r["L"] == largest and r is not base:
                print(f"- {r['method']}: {base['tau_forces'] / r['tau_forces']:.3g}x fewer force "
                      f"evaluations, {base['wall_per_sample'] / r['wall_per_sample']:.3g}x "
                      "less wall time")
    if json_path:
        with open(json_path, "w") as f:
            json.dump({"m2": m2, "rows": rows, "fits": fits}, f, indent=1)
    if plot_path:
        plot(rows, plot_path, m2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ssbsim", default="build/release/ssbsim")
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 32, 64, 128])
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--m2", type=float, default=-1.275)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time (one thread each)")
    parser.add_argument("--work", default=None, help="directory for decks and outputs")
    parser.add_argument("--json", default=None, help="write the rows and fits here")
    parser.add_argument("--plot", default=None, help="draw tau_int against L into this file")
    parser.add_argument("--from-json", nargs="+", default=None, metavar="FILE",
                        help="run nothing: report the rows of earlier --json files together")
    args = parser.parse_args()
    if args.from_json:
        rows = []
        for path in args.from_json:
            with open(path) as f:
                rows += json.load(f)["rows"]
        report(rows, args.m2, args.json, args.plot)
        return
    unknown = [m for m in args.methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown method(s) {unknown}; known: {list(METHODS)}")
    work = args.work or tempfile.mkdtemp(prefix="ssbsim-z-")
    os.makedirs(work, exist_ok=True)
    points = [(name, L) for name in args.methods for L in args.sizes]
    # The longest first, so that the pool is not left waiting on one big run at the end.
    order = sorted(points, key=lambda p: -planned_steps(p[0], p[1], 1.0) * p[1] ** 2)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {p: pool.submit(run_point, args.ssbsim, work, p[0], p[1], args.scale, args.m2)
                   for p in order}
        rows = [futures[p].result() for p in points]
    report(rows, args.m2, args.json, args.plot)


if __name__ == "__main__":
    main()
