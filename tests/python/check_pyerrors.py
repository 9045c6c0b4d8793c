"""The pyerrors export (ssbsim.export.to_pyerrors): the Obs of |M| of a replica run has the mean
of all replicas after the cut, and its Gamma-method error is close to the package's.
Usage: check_pyerrors.py SSBSIM_BINARY SOURCE_DIR. Exit 77 (CTest: skipped) when pyerrors is not
installed."""

import math
import os
import subprocess
import sys
import tempfile

import ssbsim
from ssbsim import export

try:
    import pyerrors  # noqa: F401
except ImportError:
    print("SKIPPED: pyerrors is not installed; it is not a Debian package and PyPI is not "
          "reachable here (pip install pyerrors to run this test)")
    sys.exit(77)

binary, source = sys.argv[1:3]
work = tempfile.mkdtemp()
path = os.path.join(work, "rep.h5")
subprocess.run([binary, "run", os.path.join(source, "inputs", "ising2d_broken.ini"),
                "--set", "lattice.dims=8 8", "--set", "run.replicas=4",
                "--set", "dynamics.steps=20000", "-o", path], check=True, capture_output=True)
obs = export.to_pyerrors(path, "abs_magnetization")
obs.gamma_method()
ours = ssbsim.analyze(path)["estimates"]["abs_magnetization"]
print(f"pyerrors {obs.value} +- {obs.dvalue}; ssbsim {ours['value']} +- {ours['error']}")
ok = math.isclose(obs.value, ours["value"], rel_tol=1e-12) and \
    abs(obs.dvalue - ours["error"]) < 0.2 * ours["error"]
sys.exit(0 if ok else 1)
