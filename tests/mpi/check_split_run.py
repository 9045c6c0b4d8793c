"""`ssbsim run` split over MPI ranks against the plain single-process run (tests/CMakeLists.txt:
mpi:run_*). The same deck runs once without mpirun, as an MPI singleton, and under `mpirun -n R`
for R = 1, 2, 3;
every dataset of the outputs (observables, saved configurations, replicas) and of the final
checkpoints must agree bit for bit; the provenance (/segments, creation times) may differ. The
ranks write the checkpoints together (MPI-IO hyperslabs) and stream the configurations to the
root slab by slab, so these comparisons are also those of the parallel writers. Then a run of
half the steps on 2 ranks is resumed on 3 and must end with the same observables, and a run
that starts from the plain run's field (field.init = file) with a source from a file, both read
per slab by each rank, must give the bits of one process on 2 and 3 ranks.
Every process runs under a timeout: a hang is a failure, not a stuck test.

usage: check_split_run.py SSBSIM MPIEXEC WORKDIR [DECK_OVERRIDES...]
"""
import os
import subprocess
import sys

import h5py
import numpy as np

ssbsim, mpiexec, work = sys.argv[1], sys.argv[2], sys.argv[3]
extra = sys.argv[4:]
os.makedirs(work, exist_ok=True)
os.chdir(work)

DECK = """[run]
seed = 11

[lattice]
dims = 64 24

[field]
init = hot

[action]
m2 = -0.8
lambda = 0.7

[dynamics]
method = langevin
step = 0.05
temperature = 0.8
steps = 40

[measure]
every = 5
save_every = 20

[checkpoint]
every = 20
keep = true
"""
with open("split.ini", "w") as f:
    f.write(DECK)

env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMP_NUM_THREADS="1")


def sets(overrides):
    return [a for o in overrides for a in ("--set", o)]


def run(ranks, output, overrides=(), resume=False):
    cmd = [ssbsim, "run", "split.ini", "-o", output, "--overwrite"] + sets(list(extra) + list(overrides))
    if resume:
        cmd = [ssbsim, "run", "split.ini", "-o", output, "--resume"] + sets(list(extra) + list(overrides))
    if ranks:
        cmd = [mpiexec, "-n", str(ranks), "--oversubscribe"] + cmd
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}\n{p.stdout}\n{p.stderr}")


def datasets(path, skip=("segments",)):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and name.split("/")[0] not in skip:
                out[name] = obj[()].tobytes()
        f.visititems(visit)
    return out


def same(a, b, what):
    da, db = datasets(a), datasets(b)
    if set(da) != set(db):
        sys.exit(f"FAIL {what}: datasets differ: {sorted(set(da) ^ set(db))}")
    bad = [k for k in da if da[k] != db[k]]
    if bad:
        sys.exit(f"FAIL {what}: not bitwise equal: {bad}")
    print(f"{what}: {len(da)} datasets bitwise equal")


run(0, "plain.h5")
# Without mpirun MPI is not initialised; an MPI singleton (SSBSIM_MPI_INIT=1) is the same run.
env["SSBSIM_MPI_INIT"] = "1"
run(0, "singleton.h5")
del env["SSBSIM_MPI_INIT"]
same("plain.h5", "singleton.h5", "MPI singleton: output")
for ranks in (1, 2, 3):
    out = f"ranks{ranks}.h5"
    run(ranks, out)
    same("plain.h5", out, f"{ranks} rank(s): output")
    with h5py.File(out, "r") as f:
        recorded = [int(g.attrs["ranks"]) for g in f["segments"].values()]
    if recorded != [ranks]:
        sys.exit(f"FAIL {ranks} rank(s): /segments records ranks {recorded}")
    same("plain.ckpt.h5", f"ranks{ranks}.ckpt.h5", f"{ranks} rank(s): checkpoint")

# A checkpoint written by 2 ranks, resumed by 3.
run(2, "resumed.h5", ["dynamics.steps=20"])
run(3, "resumed.h5", resume=True)
with h5py.File("plain.h5", "r") as a, h5py.File("resumed.h5", "r") as b:
    for name in a["observables"]:
        if a["observables"][name][()].tobytes() != b["observables"][name][()].tobytes():
            sys.exit(f"FAIL resume 2 -> 3 ranks: /observables/{name} differs")
print("resume 2 -> 3 ranks: observables bitwise equal")

# Inputs read per slab: field.init = file (the plain run's last configuration) and a source
# action.h_file of one value per site (its slabs of axis 1 on each rank).
with h5py.File("plain.h5", "r") as f:
    lattice = f["configurations/field"].shape[1:-1]
with h5py.File("source.h5", "w") as f:
    f["dh"] = np.random.default_rng(3).normal(0.0, 0.2, size=lattice)
inputs = ["field.init=file", "field.init_file=plain.h5", "action.h_source=file",
          "action.h_file=source.h5", "action.h_dataset=dh"]
run(0, "from_file.h5", inputs)
for ranks in (2, 3):
    run(ranks, f"from_file{ranks}.h5", inputs)
    same("from_file.h5", f"from_file{ranks}.h5", f"{ranks} ranks from files read per slab: output")
