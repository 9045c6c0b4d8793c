#!/usr/bin/python3
"""NumPy comparison code for scripts/bench_vs_numpy.sh: the Euler-Maruyama Langevin update of
ssbsim's `langevin` method, written as a NumPy user would (whole-array operations, neighbours by
np.roll), for the one-component phi^4 field on a periodic L^d lattice (d = 2 or 3).

Mass-form action, J = 1:  S = sum_x [ 1/2 sum_mu (phi_{x+mu} - phi_x)^2 + m2/2 phi^2 + lam/4 phi^4 ]
Update:                   phi <- phi - eps dS/dphi + sqrt(2 T eps) xi,  xi ~ N(0, 1) per site

Prints one line, 'numpy_langevin L=.. d=.. steps=.. seconds=.. site_updates_per_s=.. phi2=..'
(phi2: the final mean of phi^2, a check that the field stayed finite). The timing covers the
update loop only, after one untimed warm-up step. Run with /usr/bin/python3 (python3-numpy).
"""

import argparse
import time

import numpy as np


def gradient(phi, m2, lam):
    """dS/dphi: minus the lattice Laplacian (periodic) plus the potential's derivative."""
    laplacian = -2 * phi.ndim * phi
    for axis in range(phi.ndim):
        laplacian += np.roll(phi, 1, axis=axis)
        laplacian += np.roll(phi, -1, axis=axis)
    return -laplacian + m2 * phi + lam * phi ** 3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--L", type=int, default=1024, help="lattice extent (default 1024)")
    parser.add_argument("--d", type=int, default=2, choices=(2, 3), help="dimensions")
    parser.add_argument("--steps", type=int, default=50, help="timed steps (default 50)")
    parser.add_argument("--m2", type=float, default=-1.0)
    parser.add_argument("--lam", type=float, default=1.0)
    parser.add_argument("--eps", type=float, default=0.01, help="step size")
    parser.add_argument("--T", type=float, default=1.0, help="temperature")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    phi = rng.normal(size=(args.L,) * args.d)
    amplitude = np.sqrt(2.0 * args.T * args.eps)

    def step():
        phi[...] = phi - args.eps * gradient(phi, args.m2, args.lam) \
            + amplitude * rng.standard_normal(phi.shape)

    step()  # warm-up: first-touch page faults and caches out of the timing
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - start
    rate = phi.size * args.steps / seconds
    print(f"numpy_langevin L={args.L} d={args.d} steps={args.steps} seconds={seconds:.3f} "
          f"site_updates_per_s={rate:.4g} phi2={np.mean(phi ** 2):.6f}")


if __name__ == "__main__":
    main()
