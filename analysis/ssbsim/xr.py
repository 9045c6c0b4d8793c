"""ssbsim outputs as xarray objects (xarray + h5netcdf, Debian python3-xarray python3-h5netcdf).

Every output carries HDF5 dimension scales (docs/output.md, "Dimensions"), so plain
`xarray.open_dataset(path, engine="h5netcdf", group="observables")` already gives named
dimensions (`step`, `component`, `axis`, `distance`; `x`, `y`, ... or `layer`, `neuron`,
`input` for a configuration; `replica`) with `step` and `time` as coordinates. These helpers add
what a file alone cannot: rows a killed run never finished are dropped, the deck and the lattice
are attributes, and a scan opens as one object.
"""

import glob as _glob

import numpy as np
import xarray

from . import reader

GROUPS = ("observables", "replicas", "layers", "configurations")


def open_dataset(path, group="observables"):
    """One series group of a run output as an xarray.Dataset, its completely written rows only
    (loaded into memory: the file is closed on return). attrs: the file's root attributes, the
    deck as `deck.<section.key>`."""
    if group not in GROUPS:
        raise reader.UsageError(f"group must be one of {', '.join(GROUPS)}, not '{group}'")
    run = reader.Run(path)
    with reader._open(path) as f:
        if group not in f:
            raise reader.UsageError(f"{path}: no /{group} group")
        rows = reader.committed_rows(f[group]["step"][()])
    with xarray.open_dataset(path, engine="h5netcdf", group=group,
                             phony_dims="access") as ds:
        dim = ds["step"].dims[0]
        ds = ds.isel({dim: slice(0, rows)}).load()
    ds.attrs.update({"file": path, "group": group, "dims": list(run.dims),
                     "components": run.components, "replicas": run.replica_count})
    ds.attrs.update({f"deck.{k}": v for k, v in run.deck.items()})
    return ds


def run_outputs(pattern):
    """Sorted run outputs matching a glob (or a list of paths), checkpoints left out."""
    paths = sorted(_glob.glob(pattern)) if isinstance(pattern, str) else list(pattern)
    paths = [p for p in paths if not reader.is_checkpoint(p)]
    if not paths:
        raise reader.UsageError(f"no run outputs match {pattern}")
    return paths


def open_scan(pattern, group="observables"):
    """Every run output matching a glob: {path: xarray.Dataset} in sorted order."""
    return {p: open_dataset(p, group) for p in run_outputs(pattern)}


def scan_table(pattern, quantities=("abs_magnetization", "binder", "chi"), skip=None):
    """The analysis of every file of a scan (ssbsim.analysis.analyze, replicas combined) as one
    xarray.Dataset over the dimension `run`: each quantity and its error (`<name>_error`), with
    the deck keys that vary over the files as coordinates."""
    from .analysis import analyze
    paths = run_outputs(pattern)
    results = [analyze(p, skip) for p in paths]
    decks = [reader.Run(p).deck for p in paths]
    keys = sorted(k for k in decks[0] if len({d.get(k) for d in decks}) > 1 and
                  k not in ("run.output", "run.seed", "checkpoint.file"))
    data = {}
    for q in quantities:
        data[q] = ("run", [r["estimates"].get(q, {}).get("value", np.nan) for r in results])
        data[q + "_error"] = ("run", [r["estimates"].get(q, {}).get("error", np.nan)
                                      for r in results])
    coords = {"file": ("run", paths)}
    for k in keys:
        values = [d.get(k, "") for d in decks]
        try:
            values = [float(v) for v in values]
        except ValueError:
            pass
        coords[k] = ("run", values)
    return xarray.Dataset(data, coords=coords)
