"""Reading ssbsim outputs with h5py: the run, its deck, series groups and configurations.

Reads the documented HDF5 layout (docs/output.md) and the /analysis group that
`ssbsim analyze FILE... --write` stores (docs/analysis.md); the plots (ssbsim.plot) show what
analyze computed and recompute from the raw columns only what they show beyond it, so a test can
check the two against each other (tests/test_python.cpp). For xarray objects see ssbsim.xr.
"""

import configparser
import json
import math
import os
import sys
import time

import h5py
import numpy as np


class UsageError(Exception):
    """A problem with the input that the user can fix; scripts exit with status 2."""


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def parse_deck(text):
    """The resolved deck (root attribute `deck`) as {"section.key": "value text"}."""
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",),
                                       comment_prefixes=("#",), inline_comment_prefixes=("#",),
                                       strict=False, empty_lines_in_values=False)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(text)
    return {f"{s}.{k}": v for s in parser.sections() for k, v in parser[s].items()}


def prog(module):
    """The command line of a plot module, for its usage line: python3 -m ssbsim.plot NAME."""
    return "python3 -m ssbsim.plot " + module.rsplit(".", 1)[-1]


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def _plain(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def committed_rows(steps):
    """Rows completely written: steps non-negative and strictly increasing. A run killed during
    a flush can leave extended rows that were never filled (NaN, step -2**63; docs/output.md)."""
    steps = np.asarray(steps)
    bad = (steps < 0) | np.concatenate(([False], np.diff(steps) <= 0))
    return int(np.argmax(bad)) if bad.any() else len(steps)


# A reader that opens a file while the run flushes it can find its metadata half-written
# (docs/output.md, "Reading a file while a run writes it"): HDF5 raises OSError, and reading
# again a moment later sees the next consistent state. As `ssbsim analyze`: 5 attempts, 0.2 s.
LIVE_READ_ATTEMPTS = 5
LIVE_READ_PAUSE = 0.2


def retrying(read):
    """read() again after an OSError, at most LIVE_READ_ATTEMPTS times."""
    for attempt in range(LIVE_READ_ATTEMPTS):
        try:
            return read()
        except OSError:
            if attempt == LIVE_READ_ATTEMPTS - 1:
                raise
            time.sleep(LIVE_READ_PAUSE)
    raise AssertionError("unreachable")


def _open(path):
    """The file, opened for reading (also while a run writes it); UsageError if it cannot be."""
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file")
    try:
        return retrying(lambda: h5py.File(path, "r", locking=False))
    except OSError as e:
        raise UsageError(f"{path}: not a readable HDF5 file ({e})") from e


class Run:
    """One ssbsim run output, read once (observables, deck, /analysis)."""

    def __init__(self, path):
        self.path = path
        try:
            retrying(lambda: self._read(path))
        except OSError as e:
            raise UsageError(f"{path}: cannot be read ({e})") from e

    def _read(self, path):
        with _open(path) as f:
            if "observables" not in f or "deck" not in f.attrs or "dims" not in f.attrs:
                raise UsageError(f"{path}: not an ssbsim run output (no /observables or deck)")
            self.deck = parse_deck(_text(f.attrs["deck"]))
            self.dims = tuple(int(x) for x in f.attrs["dims"])
            self.components = int(f.attrs.get("components", 1))
            self.replica_count = int(f.attrs.get("replicas", 1))
            rows = committed_rows(f["observables/step"][()])
            self.observables = {name: f["observables"][name][:rows] for name in f["observables"]}
            self.analysis = _read_analysis(f)
            self.crossings = _read_crossings(f)

    @property
    def size_label(self):
        return "x".join(str(d) for d in self.dims)

    @property
    def volume(self):
        return int(np.prod(self.dims))

    def series(self, name, index=0):
        """Column `name` of /observables; entry `index` of a vector column."""
        if name not in self.observables:
            raise UsageError(f"{self.path}: no dataset /observables/{name} "
                             f"(available: {', '.join(sorted(self.observables))})")
        column = self.observables[name]
        if column.ndim == 1:
            return column.astype(float)
        return column.reshape(column.shape[0], -1)[:, index].astype(float)

    def skip(self, override=None):
        """The thermalisation cut in measurements: --skip if given, else the one `ssbsim analyze
        --write` stored, else the same automatic cut computed here (ssbsim.analysis)."""
        if override is not None:
            return int(override)
        if self.analysis is not None:
            return int(self.analysis["skip"])
        from .analysis import Samples, _cut
        return _cut(Samples(self.path), None)[0]

    def estimate(self, name):
        """analyze's result for a quantity: dict(value, error, tau_int, ...), or None."""
        if self.analysis is None:
            raise UsageError(f"{self.path}: no /analysis group; run `ssbsim analyze "
                             f"{self.path} --write` first")
        return self.analysis["quantities"].get(name)

    def coupling(self):
        """(deck key, value) of the scanned coupling recorded by analyze, or (None, None)."""
        if self.analysis is None or not self.analysis.get("coupling"):
            return None, None
        key = self.analysis["coupling"]
        return key, float(self.deck[key])

    def configuration(self, index):
        """Saved configuration `index` (negative counts from the end): (step, array [L..., N])."""
        with _open(self.path) as f:
            if "configurations/field" not in f or f["configurations/field"].shape[0] == 0:
                raise UsageError(f"{self.path}: no saved configurations")
            steps = f["configurations/step"][()]
            n = committed_rows(steps)
            if not -n <= index < n:
                raise UsageError(f"{self.path}: configuration {index} does not exist ({n} saved)")
            row = index % n  # counted among the completely written rows only
            return int(steps[row]), f["configurations/field"][row]


def _read_analysis(f):
    if "analysis" not in f:
        return None
    g = f["analysis"]
    out = {k: _plain(v) for k, v in g.attrs.items()}
    out["quantities"] = {}
    for name in _plain(g.attrs.get("quantities", [])):
        if name in g:
            out["quantities"][name] = {k: _plain(v) for k, v in g[name].attrs.items()}
    return out


def _read_crossings(f):
    if "analysis/crossings" not in f:
        return []
    g = f["analysis/crossings"]
    n = int(g.attrs.get("n_crossings", 0))
    if n == 0:
        return []
    keys = ["small", "large", "x", "x_error", "binder", "binder_error", "notes"]
    columns = {k: _plain(g.attrs[k]) for k in keys}
    return [{k: columns[k][i] for k in keys} for i in range(n)]


def is_checkpoint(path):
    """An ssbsim checkpoint (globs like out_*.h5 match those too)."""
    try:
        with h5py.File(path, "r", locking=False) as f:
            return "next_eps" in f.attrs and "observables" not in f
    except OSError:
        return False


def open_runs(paths):
    """Run objects for the paths, checkpoints skipped with a note; a UsageError becomes a
    message and exit status 2."""
    runs = []
    try:
        for p in paths:
            if is_checkpoint(p):
                print(f"note: skipping {p}: a checkpoint, not a run output", file=sys.stderr)
            else:
                runs.append(Run(p))
    except UsageError as e:
        fail(str(e))
    if not runs:
        fail("no run outputs among the files")
    return runs


def gamma_method(series, s_tau=1.5):
    """Wolff's Gamma-method for one series (ssbsim.analysis.gamma_method without its limit on
    the number of independent samples), or None where it gives no error."""
    from .analysis import AnalysisError, gamma_method as gamma
    try:
        return gamma(series, s_tau, min_effective=0.0)
    except AnalysisError:
        return None


def output_stem(runs):
    """Stem of the default picture name: the first run output's, or for several files the part
    their names share, up to the scan's key=value fields (nn_decoupling_layer_coupling=0.1.h5,
    ... -> nn_decoupling); never a checkpoint's."""
    runs = runs if isinstance(runs, (list, tuple)) else [runs]
    stems = [os.path.splitext(os.path.basename(r.path))[0] for r in runs]
    if len(stems) == 1:
        return stems[0]
    common = os.path.commonprefix(stems)
    if "=" in common:  # cut inside a key=value field: drop the field, key included
        common = common[:common.index("=")]
        keys = {k for r in runs for k in getattr(r, "deck", {})}
        keys |= {k.rsplit(".", 1)[-1] for k in keys}
        for k in sorted(keys, key=len, reverse=True):
            if common.endswith("_" + k):
                common = common[:-len(k) - 1]
                break
        else:
            common = common[:common.rfind("_")] if "_" in common else common
    common = common.rstrip("_-.")
    return common or stems[0]


def save_figure(fig, args, suffix, runs):
    """Lays out and writes the figure to -o, or to <output_stem(runs)><suffix>; returns the
    path."""
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    output = args.output or output_stem(runs) + suffix
    fig.savefig(output, dpi=150)
    return output


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        return _finite(value.item())
    return value


def write_json(path, data):
    """The numbers a script plotted (NaN as null), for tests and for scripting."""
    if path:
        with open(path, "w") as out:
            json.dump(_finite(data), out, indent=1)


def add_common_arguments(parser, suffix):
    parser.add_argument("-o", "--output", help=f"PNG to write (default: <first file stem>{suffix})")
    parser.add_argument("--json", metavar="FILE", help="also write the plotted numbers as JSON")


def figure():
    """matplotlib.pyplot without a display, in the style of every ssbsim picture
    (ssbsim.plot.style)."""
    from .plot import style
    return style.pyplot()


# --- Network, replica and quench outputs (docs/network.md) -------------------------------------

def read_group(path, group):
    """Every dataset of the series group `group` of a run output ("layers", "replicas",
    "observables") as {name: array}, its completely written rows only. A missing file, a file that is not HDF5 or a missing group
    is a UsageError naming the file."""
    with _open(path) as f:
        if group not in f:
            hint = {"layers": "a [network] run writes it",
                    "replicas": "a run with run.replicas >= 2 writes it"}.get(group, "")
            raise UsageError(f"{path}: no /{group} group" + (f" ({hint})" if hint else ""))
        rows = committed_rows(f[group]["step"][()])
        return {name: f[group][name][:rows] for name in f[group]}


def times_of_steps(run, steps):
    """Training time t = sum of the step sizes at the given steps, from /observables (every
    series group is written at the same measurements)."""
    return np.interp(np.asarray(steps, dtype=float), run.series("step"), run.series("time"))


def block_mean(values, blocks=20):
    """Mean of a series (axis 0) and its error from `blocks` consecutive block means (the block
    means are nearly independent when a block is much longer than the autocorrelation time).
    With fewer rows than blocks every row is a block. Returns (mean, error) arrays."""
    a = np.asarray(values, dtype=float)
    n = len(a)
    b = max(1, min(blocks, n))
    size = n // b
    means = a[:b * size].reshape((b, size) + a.shape[1:]).mean(axis=1)
    error = means.std(axis=0, ddof=1) / math.sqrt(b) if b > 1 else np.full(a.shape[1:], np.nan)
    return a.mean(axis=0), error
