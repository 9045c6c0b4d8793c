"""A movie of symmetry breaking: the field over training time, one frame per saved configuration
(a 2D slice of the lattice, or a network's layer x neuron plane), beside the order parameter
|M|(t) with the frame's moment marked, written as GIF (Pillow) and MP4 (ffmpeg) by matplotlib's
animation.

Any output with saved configurations works (`measure.save_every`); inputs/quench_movie.ini makes
a good one: a 2D Z2 field quenched through the transition, domains forming and coarsening.

Example:
  ssbsim run inputs/quench_movie.ini
  python3 -m ssbsim.plot movie quench_movie.h5            # quench_movie_movie.gif and .mp4
"""

import argparse
import os
import shutil

import numpy as np

from .. import reader
from . import style


def frames_of(path, component, plane, at, max_frames):
    """(steps, times, slices [frames, a, b]) of the saved configurations, at most max_frames of
    them evenly spaced (always the first and the last)."""
    with reader._open(path) as f:
        if "configurations/field" not in f or f["configurations/field"].shape[0] == 0:
            raise reader.UsageError(f"{path}: no saved configurations (set measure.save_every)")
        steps = f["configurations/step"][()]
        n = reader.committed_rows(steps)
        if n < 2:
            raise reader.UsageError(f"{path}: {n} saved configuration(s); a movie needs at "
                                    "least 2 (set measure.save_every)")
        rows = np.unique(np.linspace(0, n - 1, min(n, max_frames)).round().astype(int))
        field = f["configurations/field"]
        rank = field.ndim - 2  # lattice axes
        if rank < 1:
            raise reader.UsageError(f"{path}: configurations have no lattice axes")
        if component >= field.shape[-1]:
            raise reader.UsageError(f"{path}: component {component} does not exist "
                                    f"(N = {field.shape[-1]})")
        mu, nu = plane if rank >= 2 else (0, None)
        slices = []
        for r in rows:
            phi = field[r][..., component]
            index = [at if a not in (mu, nu) else slice(None) for a in range(rank)]
            s = phi[tuple(index)]
            slices.append(s[:, None] if nu is None else (s if mu < nu else s.T))
        times = f["configurations/time"][()][rows]
        names = [str(x) for x in reader._plain(f.attrs.get("axis_names", []))]
    labels = (names[mu] if mu < len(names) else f"x{mu + 1}",
              (names[nu] if nu is not None and nu < len(names) else "") if nu is not None else "")
    return steps[rows], times, np.array(slices), labels


def main(argv=None):
    parser = argparse.ArgumentParser(prog=reader.prog(__name__), description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="ssbsim output with saved configurations")
    parser.add_argument("--gif", help="GIF to write (default: <file stem>_movie.gif)")
    parser.add_argument("--mp4", help="MP4 to write (default: <file stem>_movie.mp4)")
    parser.add_argument("--format", choices=["both", "gif", "mp4"], default="both",
                        help="which files to write (default: both)")
    parser.add_argument("--fps", type=float, default=12, help="frames per second (default 12)")
    parser.add_argument("--max-frames", type=int, default=100,
                        help="at most this many frames, evenly spaced (default 100)")
    parser.add_argument("--component", type=int, default=0, help="field component shown")
    parser.add_argument("--plane", type=int, nargs=2, default=[0, 1], metavar=("MU", "NU"),
                        help="lattice axes of the slice (default 0 1: x1-x2, or layer-neuron)")
    parser.add_argument("--at", type=int, default=0,
                        help="index along the other axes (default 0)")
    parser.add_argument("--json", metavar="FILE", help="also write frame count, size and files")
    args = parser.parse_args(argv)
    if args.max_frames < 2:
        reader.fail("--max-frames must be at least 2")
    want_gif, want_mp4 = args.format in ("both", "gif"), args.format in ("both", "mp4")
    if want_mp4 and shutil.which("ffmpeg") is None:
        reader.fail("ffmpeg is not installed (scripts/install-deps.sh installs it); use "
                    "--format gif for a GIF only")

    [run] = reader.open_runs([args.file])
    try:
        steps, times, slices, (ylabel, xlabel) = frames_of(
            run.path, args.component, tuple(args.plane), args.at, args.max_frames)
        m = run.series("abs_magnetization")
        t = run.series("time")
    except reader.UsageError as e:
        reader.fail(str(e))

    plt, fig, (left, right) = style.figure(2, width=9.6, height=4.2,
                                           gridspec_kw={"width_ratios": [1, 1.15]})
    vmax = float(np.percentile(np.abs(slices), 99.5)) or 1.0
    image = left.imshow(slices[0], cmap="RdBu_r", vmin=-vmax, vmax=vmax, origin="lower",
                        interpolation="nearest", aspect="auto" if slices.shape[2] < 4 else "equal")
    left.grid(False)
    left.set_ylabel(ylabel)
    left.set_xlabel(xlabel)
    bar = fig.colorbar(image, ax=left, shrink=0.85)
    bar.set_label(rf"$\phi_{{{args.component}}}$ [{style.LATTICE}]")
    title = left.set_title("")
    right.plot(t, m, color=style.COLORS[0], marker="none", lw=1.2, label=style.symbol(
        "abs_magnetization"))
    marker, = right.plot([times[0]], [np.interp(times[0], t, m)], "o", ms=8,
                         color=style.COLORS[1], label="this frame")
    if "temperature" in run.observables and np.ptp(run.series("temperature")) > 0:
        temp = right.twinx()
        temp.plot(t, run.series("temperature"), color="0.5", marker="none", lw=1,
                  linestyle="--")
        temp.set_ylabel(style.label("temperature"), color="0.4")
        temp.grid(False)
        right.plot([], [], color="0.5", linestyle="--", marker="none",
                   label=style.symbol("temperature") + " (right axis)")
    right.set_xlabel(style.label("time"))
    right.set_ylabel(style.label("abs_magnetization"))
    style.legend(right, loc="upper left")

    def draw(i):
        image.set_data(slices[i])
        marker.set_data([times[i]], [np.interp(times[i], t, m)])
        title.set_text(f"step {int(steps[i])},  $t$ = {times[i]:.4g}")
        return image, marker, title

    from matplotlib import animation
    movie = animation.FuncAnimation(fig, draw, frames=len(slices), blit=False)
    stem = os.path.splitext(os.path.basename(run.path))[0] + "_movie"
    written = []
    if want_gif:
        written.append(args.gif or stem + ".gif")
        movie.save(written[-1], writer=animation.PillowWriter(fps=args.fps), dpi=60)
    if want_mp4:
        written.append(args.mp4 or stem + ".mp4")
        movie.save(written[-1], writer=animation.FFMpegWriter(
            fps=args.fps, codec="libx264", extra_args=["-pix_fmt", "yuv420p"]), dpi=100)
    reader.write_json(args.json, {"frames": len(slices), "shape": list(slices.shape[1:]),
                                  "steps": [int(s) for s in steps], "files": written,
                                  "bytes": [os.path.getsize(w) for w in written]})
    print(f"{len(slices)} frames of {slices.shape[1]}x{slices.shape[2]}: {', '.join(written)}")


if __name__ == "__main__":
    main()
