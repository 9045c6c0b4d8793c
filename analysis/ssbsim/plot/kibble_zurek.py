"""Kibble-Zurek scaling: density of kinks after linear quenches through the transition.

Each file is one quench: schedule.m2 = linear A -B [S0:S1] with A > 0 > -B at a constant step
size epsilon, i.e. m2(t) = -(t - t_c)/tau_Q with tau_Q = (S1 - S0) epsilon / (A + B)
(inputs/kibble_zurek_1d.ini). The kinks are counted at the last measurement: the domain-wall
fraction (`domain_walls`, links whose ends have opposite signs) times the number of links, per
replica (/replicas; /observables with one replica); the counts must be integers. The density
n = kinks / links is averaged over the replicas, its error is the replica spread (standard error
of the mean over R replicas; --errors poisson uses sqrt(kinks) instead, e.g. for R = 1).

The fit: weighted least squares of ln n = c - kappa ln tau_Q with sigma(ln n) = sigma(n)/n;
kappa, its standard error from the covariance of the fit, chi^2, the p-value, and
z = (kappa - expected) / error for the expected exponent (--expect, default 1/4, the overdamped
mean-field value nu/(1 + z nu) with nu = 1/2, z = 2; Laguna & Zurek, PRL 78, 2519 (1997)).

Left panel: n versus tau_Q (log-log) with the fit and a line of slope -expected. Right panel
(files with intermediate measurements): the density of domain walls during the quench (after
step 0) in Kibble-Zurek units, n tau_Q^expected versus (t - t_c)/sqrt(tau_Q): sign changes of
the noise before t_c, the walls of the growing domains after it, frozen beyond a few sqrt(tau_Q);
the curves of different tau_Q collapse onto one when the scaling holds.

Example:
  ssbsim run inputs/kibble_zurek_1d.ini --all
  python3 -m ssbsim.plot kibble_zurek kibble_zurek_1d_*.h5 -o kz.png
"""

import argparse
import math
import re

import numpy as np
from scipy import stats

from .. import reader
from . import style


def quench(run):
    """(tau_Q, t_c, epsilon) from the resolved deck and the recorded step sizes."""
    text = run.deck.get("schedule.m2", "")
    found = re.fullmatch(r"linear\s+(\S+)\s+(\S+)\s+\[(\d+):(\d+)\]", text.strip())
    if not found:
        raise reader.UsageError(f"{run.path}: schedule.m2 is {text!r}, not a linear quench "
                                "'linear A -B [S0:S1]'")
    v0, v1 = float(found.group(1)), float(found.group(2))
    s0, s1 = int(found.group(3)), int(found.group(4))
    if not v0 > 0 > v1 or s1 <= s0:
        raise reader.UsageError(f"{run.path}: schedule.m2 = {text!r} does not cross m2 = 0 "
                                "from above")
    eps = run.series("step_size")
    if not np.all(eps == eps[0]):
        raise reader.UsageError(f"{run.path}: the step size varies; tau_Q needs a constant one")
    eps = float(eps[0])
    tau_q = (s1 - s0) * eps / (v0 - v1)
    t_c = (s0 + (s1 - s0) * v0 / (v0 - v1)) * eps
    return tau_q, t_c, eps


def link_count(run):
    """Number of nearest-neighbour links of the lattice (open axes have L - 1 per line)."""
    bounds = run.deck.get("lattice.boundary", "periodic").replace(",", " ").split()
    if len(bounds) == 1:
        bounds = bounds * len(run.dims)
    volume = run.volume
    return sum(volume // n * (n if b == "periodic" else n - 1) for n, b in zip(run.dims, bounds))


def kinks_of(run):
    """Kinks per replica at every measurement: array [n, R]."""
    links = link_count(run)
    try:
        walls = reader.read_group(run.path, "replicas")["domain_walls"]
    except reader.UsageError:
        walls = run.series("domain_walls")[:, None]
    kinks = walls * links
    if np.max(np.abs(kinks - np.round(kinks))) > 1e-6:
        raise reader.UsageError(f"{run.path}: domain_walls x {links} links is not an integer")
    return np.round(kinks), links


def point(run, errors):
    tau_q, t_c, eps = quench(run)
    kinks, links = kinks_of(run)
    final = kinks[-1]
    r = len(final)
    density = final.mean() / links
    if errors == "replicas":
        if r < 2:
            raise reader.UsageError(f"{run.path}: one replica has no spread; use --errors poisson")
        error = final.std(ddof=1) / math.sqrt(r) / links
    else:
        error = math.sqrt(max(final.sum(), 1.0)) / r / links
    t = run.series("time")
    return {
        "file": run.path, "tau_q": tau_q, "t_c": t_c, "step_size": eps, "replicas": r,
        "links": links, "final_step": int(run.series("step")[-1]),
        "final_m2": float(run.series("m2")[-1]),
        "kinks": [int(k) for k in final], "density": float(density),
        "density_error": float(error),
    }, ((t - t_c) / math.sqrt(tau_q), kinks.mean(axis=1) / links)


def fit(points):
    """Weighted least squares ln n = c - kappa ln tau_Q."""
    x = np.log([p["tau_q"] for p in points])
    y = np.log([p["density"] for p in points])
    s = np.array([p["density_error"] / p["density"] for p in points])
    if np.any(s <= 0):
        raise reader.UsageError("a density has zero error; cannot weight the fit")
    w = 1.0 / s**2
    a = np.vstack([np.ones_like(x), x]).T
    cov = np.linalg.inv(a.T @ (a * w[:, None]))
    c, slope = cov @ (a.T @ (w * y))
    chi2 = float(((y - c - slope * x) ** 2 * w).sum())
    dof = len(x) - 2
    return {"kappa": float(-slope), "kappa_error": float(math.sqrt(cov[1, 1])),
            "intercept": float(c), "chi2": chi2, "dof": dof,
            "p_value": float(stats.chi2.sf(chi2, dof)) if dof > 0 else None}


def main(argv=None):
    parser = argparse.ArgumentParser(prog=reader.prog(__name__), description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", help="outputs of quenches at several tau_Q")
    parser.add_argument("--errors", choices=("replicas", "poisson"), default="replicas",
                        help="error of the density: replica spread (default) or Poisson")
    parser.add_argument("--expect", type=float, default=0.25,
                        help="expected exponent kappa (default 0.25)")
    reader.add_common_arguments(parser, "_kibble_zurek.png")
    args = parser.parse_args(argv)

    runs = reader.open_runs(args.files)
    try:
        pairs = sorted((point(run, args.errors) for run in runs), key=lambda p: p[0]["tau_q"])
        points = [p for p, _ in pairs]
        if len({p["tau_q"] for p in points}) < 2:
            raise reader.UsageError("the fit needs quenches at two or more values of tau_Q")
        result = fit(points)
    except reader.UsageError as e:
        reader.fail(str(e))
    result["expect"] = args.expect
    result["z"] = (result["kappa"] - args.expect) / result["kappa_error"]

    plt, fig, (left, right) = style.figure(2, width=10, height=4.0)
    tau = np.array([p["tau_q"] for p in points])
    n = np.array([p["density"] for p in points])
    left.errorbar(tau, n, yerr=[p["density_error"] for p in points], linestyle="none",
                  marker="o", color=style.COLORS[0], capsize=3, zorder=3,
                  label=r"kink density at the end (mean over replicas)")
    grid = np.geomspace(tau.min(), tau.max(), 50)
    left.plot(grid, np.exp(result["intercept"]) * grid ** -result["kappa"], "-",
              color=style.COLORS[1], marker="none",
              label=rf"fit $n \propto \tau_Q^{{-\kappa}}$: "
                    rf"$\kappa = {style.value_error(result['kappa'], result['kappa_error'])}$")
    centre = math.exp(np.log(tau).mean())
    anchor = math.exp(result["intercept"]) * centre ** -result["kappa"]
    left.plot(grid, anchor * (grid / centre) ** -args.expect, color="0.35", marker="none",
              linestyle=(0, (5, 3)), lw=1,
              label=rf"Kibble–Zurek $\kappa = \nu/(1 + z\nu) = {args.expect:g}$")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel(rf"quench time $\tau_Q$ [{style.LATTICE}]")
    left.set_ylabel(r"kink density $n$ [per link]")
    style.legend(left, loc="lower left")
    collapsed = False
    for i, (p, (x, density)) in enumerate(pairs):
        if len(x) > 2:
            collapsed = True
            right.plot(x[1:], density[1:] * p["tau_q"] ** args.expect, lw=1, ms=4,
                       **style.curve_style(i), label=rf"$\tau_Q = {p['tau_q']:g}$")
    if collapsed:
        right.set_yscale("log")
        right.set_xlim(-2, 15)  # the transition region; the counts are frozen beyond
        style.reference_line(right, x=0, text=r"$t = t_c$")
        right.set_xlabel(r"$(t - t_c)/\sqrt{\tau_Q}$")
        right.set_ylabel(rf"$n\,\tau_Q^{{{args.expect:g}}}$")
        style.legend(right, loc="upper right", ncols=2)
    else:
        right.axis("off")
        right.text(0.5, 0.5, "no intermediate measurements\n(measure.every >= the run)",
                   ha="center", transform=right.transAxes)
    output = reader.save_figure(fig, args, "_kibble_zurek.png", runs)
    result.update({"points": points, "errors": args.errors, "png": output})
    reader.write_json(args.json, result)
    for p in points:
        print(f"tau_Q = {p['tau_q']:g}: n = {style.value_error(p['density'], p['density_error'])} "
              f"({p['replicas']} x {p['links']} links)  [{p['file']}]")
    p_text = f", p = {result['p_value']:.3g}" if result["p_value"] is not None else ""
    print(f"kappa = {style.value_error(result['kappa'], result['kappa_error'])} "
          f"(chi2 = {result['chi2']:.3g} for {result['dof']} dof{p_text}); "
          f"{result['z']:+.2f} sigma from {args.expect:g}")
    print(output)


if __name__ == "__main__":
    main()
