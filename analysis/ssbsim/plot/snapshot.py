"""Heat-map of a 2D slice of a saved configuration (/configurations/field).

Shows one component of phi on the plane of two axes at fixed coordinates along the others; the
colour scale is symmetric about 0, so domains of opposite sign show as opposite colours.

Example:
  python3 -m ssbsim.plot snapshot ising2d_broken.h5 --index -1 -o snapshot.png
"""

import argparse

import numpy as np

from .. import reader
from . import style


def main(argv=None):
    parser = argparse.ArgumentParser(prog=reader.prog(__name__), description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="ssbsim output (HDF5)")
    parser.add_argument("--index", type=int, default=-1,
                        help="saved configuration (default -1: the last)")
    parser.add_argument("--component", type=int, default=0)
    parser.add_argument("--plane", type=int, nargs=2, default=[0, 1], metavar=("MU", "NU"),
                        help="the two axes of the slice (default 0 1)")
    parser.add_argument("--at", type=int, nargs="*", default=None,
                        help="coordinates along the other axes, in axis order (default 0)")
    reader.add_common_arguments(parser, "_snapshot.png")
    args = parser.parse_args(argv)

    [run] = reader.open_runs([args.file])
    try:
        step, field = run.configuration(args.index)
    except reader.UsageError as e:
        reader.fail(str(e))
    d = len(run.dims)
    mu, nu = args.plane
    if d < 2 or not (0 <= mu < d and 0 <= nu < d and mu != nu):
        reader.fail(f"--plane {mu} {nu}: need two different axes of the {d}-dimensional lattice")
    if not 0 <= args.component < run.components:
        reader.fail(f"--component {args.component}: the field has {run.components}")
    others = [a for a in range(d) if a not in (mu, nu)]
    at = args.at if args.at is not None else [0] * len(others)
    if len(at) != len(others) or any(not 0 <= c < run.dims[a] for c, a in zip(at, others)):
        reader.fail(f"--at needs {len(others)} coordinate(s) within the lattice")
    index = [slice(None)] * d
    for a, c in zip(others, at):
        index[a] = c
    values = field[..., args.component]
    plane = values[tuple(index)]
    if mu > nu:
        plane = plane.T

    with reader._open(run.path) as f:
        names = [str(n) for n in reader._plain(f.attrs.get("axis_names", []))]
    name = lambda a: names[a] if a < len(names) else f"x{a + 1}"  # noqa: E731
    plt, fig, ax = style.figure(1, width=5.6, height=4.6)
    vmax = float(np.max(np.abs(plane))) or 1.0
    image = ax.imshow(plane.T, origin="lower", cmap="RdBu_r", vmin=-vmax, vmax=vmax,
                      interpolation="nearest", aspect="equal" if min(plane.shape) > 3 else "auto")
    ax.grid(False)
    fig.colorbar(image, ax=ax, label=rf"$\phi_{{{args.component}}}$ [{style.LATTICE}]")
    ax.set_xlabel(f"${name(mu)}$" if len(name(mu)) <= 2 else name(mu))
    ax.set_ylabel(f"${name(nu)}$" if len(name(nu)) <= 2 else name(nu))
    where = ", ".join(f"{name(a)} = {c}" for a, c in zip(others, at))
    ax.set_title(f"{args.file}: step {step}" + (f" ({where})" if where else ""))
    output = reader.save_figure(fig, args, "_snapshot.png", run)
    reader.write_json(args.json, {
        "file": args.file, "step": step, "component": args.component, "plane": [mu, nu],
        "shape": list(plane.shape), "slice_mean": float(plane.mean()),
        "slice_min": float(plane.min()), "slice_max": float(plane.max()),
        "field_mean": float(values.mean()), "png": output})
    print(f"{output}: step {step}, slice mean {plane.mean():.5g}")


if __name__ == "__main__":
    main()
