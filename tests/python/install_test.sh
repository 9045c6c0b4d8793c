#!/usr/bin/env bash
# The Python package installs with pip into a venv that uses Debian's numpy/h5py
# (--system-site-packages), offline (--no-deps --no-build-isolation, setuptools from
# python3-setuptools), and works from outside the repository: import, analysis, plot entry points.
# Usage: install_test.sh SOURCE_DIR SSBSIM_BINARY
set -euo pipefail
src=$1 ssbsim=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src/analysis" "$work/analysis"   # pip builds in the tree: keep the checkout clean
rm -rf "$work/analysis/build" "$work/analysis"/*.egg-info
# --without-pip: the venv sees Debian's pip through the system site-packages (faster)
/usr/bin/python3 -m venv --system-site-packages --without-pip "$work/venv"
"$work/venv/bin/python" -m pip install --no-deps --no-build-isolation --no-index --quiet "$work/analysis"
cd "$work"
rm -rf "$work/analysis"                     # the installed copy only from here on
"$ssbsim" run "$src/inputs/free_field.ini" --set dynamics.steps=5000 -o free.h5 >/dev/null 2>&1
"$work/venv/bin/python" - <<'PY'
import ssbsim, ssbsim.plot
assert "site-packages" in ssbsim.__file__, ssbsim.__file__
r = ssbsim.analyze("free.h5")
print("installed", ssbsim.__version__, "at", ssbsim.__file__, "- |M| =",
      r["estimates"]["abs_magnetization"]["value"])
PY
"$work/venv/bin/ssbsim-plot" --help | grep binder >/dev/null
"$work/venv/bin/python" -m ssbsim.plot timeseries free.h5 -o ts.png
test -s ts.png
echo "install test passed"
