"""Export of run observables as pyerrors `Obs` (the Gamma-method library of lattice field
theory; optional: `pip install pyerrors`, not a Debian package).

Each replica of a run (`run.replicas`) becomes a replica of one pyerrors ensemble, named
`<ensemble>|r<i>`, so pyerrors combines them with Wolff's replica formula; the thermalisation
cut is the one ssbsim.analysis.analyze chooses (or `skip`).
"""

import os

import numpy as np

from . import analysis, reader


def require_pyerrors():
    """The pyerrors module, or a UsageError saying how to install it."""
    try:
        import pyerrors
    except ImportError as e:
        raise reader.UsageError("pyerrors is not installed (pip install pyerrors); the export "
                                "to pyerrors Obs needs it") from e
    return pyerrors


def replica_series(path, name, index=0, skip=None):
    """(ensemble name, [series of replica 0, 1, ...]) of an observable, after the cut."""
    samples = analysis.Samples(path)
    cut, _ = analysis._cut(samples, skip)
    n = len(samples.steps)
    if name not in samples.columns:
        raise reader.UsageError(f"{path}: no observable {name}")
    series = [np.asarray(v).reshape(n, -1)[cut:, index].astype(float)
              for v in samples.columns[name]]
    ensemble = os.path.splitext(os.path.basename(path))[0]
    return ensemble, series


def to_pyerrors(path, name, index=0, skip=None):
    """Observable `name` (entry `index`) of a run output as a pyerrors.Obs (replicas combined)."""
    pe = require_pyerrors()
    ensemble, series = replica_series(path, name, index, skip)
    if len(series) == 1:
        return pe.Obs([series[0]], [ensemble])
    return pe.Obs(series, [f"{ensemble}|r{r}" for r in range(len(series))])
