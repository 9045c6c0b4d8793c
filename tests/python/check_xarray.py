"""Plain xarray (engine h5netcdf, no ssbsim code) opens every row group of an output with named
dimensions and `step` (and `time` where the group has it) as coordinates, with the values h5py
reads; ssbsim.xr adds the deck and opens a scan.
Usage: check_xarray.py FILE EXPECTED_AXES (comma-separated lattice dimension names)."""

import sys

import h5py
import numpy as np
import xarray as xr

import ssbsim

path, axes = sys.argv[1], sys.argv[2].split(",")
problems = []


def expect(condition, what):
    if not condition:
        problems.append(what)


with h5py.File(path, "r") as f:
    groups = [g for g in ("observables", "replicas", "layers", "configurations") if g in f]
    replicas = int(f.attrs["replicas"])
    components = int(f.attrs["components"])
    for group in groups:
        ds = xr.open_dataset(path, engine="h5netcdf", group=group)
        dims = set(ds.dims)
        expect(not any(d.startswith("phony_dim") for d in dims), f"{group}: phony dims {dims}")
        expect("step" in ds.coords and ds["step"].dims == ("step",), f"{group}: no step coordinate")
        expect(np.array_equal(ds["step"].values, f[group]["step"][()]), f"{group}: step values")
        if "time" in f[group]:
            expect("time" in ds.coords, f"{group}: time is not a coordinate")
        for name, var in ds.data_vars.items():
            expect(var.dims[0] == "step", f"{group}/{name}: first dimension {var.dims}")
            expect(np.array_equal(var.values, f[group][name][()], equal_nan=True),
                   f"{group}/{name}: values differ from h5py's")
        if group == "observables":
            expect(ds["magnetization"].dims == ("step", "component"), "magnetization dims")
            expect(ds["correlator"].dims == ("step", "axis", "separation"), "correlator dims")
        if group == "replicas":
            expect(ds.sizes["replica"] == replicas, "replica dimension")
            expect(ds["abs_magnetization"].dims == ("step", "replica"), "replicas |M| dims")
        if group == "configurations":
            expect(ds["field"].dims == ("step", *axes, "component"), f"field dims {ds['field'].dims}")
            expect(ds.sizes["component"] == components, "component dimension")
        if group == "layers":
            expect(ds["abs_magnetization"].dims == ("step", "layer"), "layers dims")
        ds.close()

loaded = ssbsim.open_dataset(path)
expect(loaded.attrs["deck.run.replicas"] == str(replicas), "ssbsim.xr deck attributes")
expect(float(loaded["abs_magnetization"].sel(step=0)) == float(loaded["abs_magnetization"][0]),
       "select by step")
print(f"{path}: groups {', '.join(groups)}; {len(problems)} problems")
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
