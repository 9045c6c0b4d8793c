"""ssbsim post-processing: read run outputs (h5py, xarray), analyse them as `ssbsim analyze` does
(Gamma-method, replicas combined), export to pyerrors, and draw the pictures
(`python3 -m ssbsim.plot COMMAND FILES...`). docs/analysis.md walks through it.

    import ssbsim
    obs = ssbsim.open_dataset("run.h5")               # xarray.Dataset of /observables
    res = ssbsim.analyze("run.h5")                    # {"skip": ..., "estimates": {...}}
"""

__version__ = "0.1.0"

from .analysis import analyze, gamma_method  # noqa: E402,F401
from .reader import Run, UsageError  # noqa: E402,F401


def open_dataset(path, group="observables"):
    """One group of a run output as an xarray.Dataset (see ssbsim.xr.open_dataset)."""
    from . import xr
    return xr.open_dataset(path, group)


def open_scan(pattern, group="observables"):
    """The run outputs matching a glob as xarray Datasets (see ssbsim.xr.open_scan)."""
    from . import xr
    return xr.open_scan(pattern, group)
