"""Failure paths of `ssbsim run` split over 3 MPI ranks (tests/CMakeLists.txt: mpi:failures): a bad
deck or init file stops every rank with status 2 and writes nothing; a divergence stops every
rank with status 3 and keeps the output (exit_status 3); an I/O error on the root alone ends
every rank with status 4 (MPI_Abort), and so does a full disk at a collective checkpoint; SIGUSR1 or SIGTERM to mpirun gives one
consistent checkpoint (status 5; OpenMPI's mpirun itself reports 1 after SIGTERM), and resuming
it on 2 ranks ends with the plain run's observables; SIGKILL to every rank mid-run (checkpoints
written collectively, configurations streamed to the root) leaves an output h5py reads with
columns of equal length, and resuming it from its last checkpoint on 3 ranks ends with the
plain run's observables and configurations. Every
run has a timeout and no rank may outlive mpirun: a hang fails the test.

usage: check_split_failures.py SSBSIM MPIEXEC WORKDIR
"""
import os
import signal
import subprocess
import sys
import time

import h5py

ssbsim, mpiexec, work = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)
os.chdir(work)
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMP_NUM_THREADS="1")

DECK = """[run]
seed = 5
[lattice]
dims = 48 32
[field]
init = hot
[action]
m2 = -0.8
lambda = 0.7
[dynamics]
method = langevin
step = 0.05
temperature = 0.8
steps = 60
[measure]
every = 2
[checkpoint]
every = 1000
"""
with open("failures.ini", "w") as f:
    f.write(DECK)


def mpirun(args, ranks=3, timeout=60):
    cmd = [mpiexec, "-n", str(ranks), "--oversubscribe", ssbsim, "run", "failures.ini"] + args
    start = time.time()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    return p, time.time() - start


def fail(why, p=None):
    sys.exit(f"FAIL: {why}" + (f"\n{p.stdout}\n{p.stderr}" if p else ""))


def no_ssbsim_left():
    # The ranks are children of mpirun: none may be left once it has returned.
    out = subprocess.run(["pgrep", "-f", f"{ssbsim} run failures.ini"], capture_output=True, text=True)
    if out.stdout.strip():
        fail(f"ranks left running: {out.stdout.split()}")


# 1. Bad input: nothing is written, every rank exits 2.
for name, args in [("unknown key", ["--set", "action.no_such_key=1"]),
                   ("missing init file", ["--set", "field.init=file", "--set",
                                          "field.init_file=missing.h5"]),
                   ("too few slices for the ranks", ["--set", "lattice.dims=2 64"])]:
    p, took = mpirun(["-o", "bad.h5", "--overwrite"] + args)
    if p.returncode != 2:
        fail(f"{name}: status {p.returncode}, expected 2", p)
    if os.path.exists("bad.h5"):
        fail(f"{name}: an output was written")
    no_ssbsim_left()
    print(f"bad input ({name}): status 2 on 3 ranks in {took:.1f} s, nothing written")

# An init file read per slab with bad values in the slabs of ranks 1 and 2 (16 slices each):
# status 2 on every rank, nothing written, and the message names the first bad global index.
import numpy as np
field = np.full((1, 48, 32, 1), 0.1)
field[0, 20, 3, 0] = np.nan
field[0, 40, 5, 0] = np.inf
with h5py.File("bad_init.h5", "w") as f:
    f["configurations/field"] = field
p, took = mpirun(["-o", "bad.h5", "--overwrite", "--set", "field.init=file", "--set",
                  "field.init_file=bad_init.h5"])
if p.returncode != 2 or os.path.exists("bad.h5"):
    fail(f"init file with NaN: status {p.returncode} (expected 2), output written: "
         f"{os.path.exists('bad.h5')}", p)
if "value nan at index [0, 20, 3, 0]" not in p.stderr or "[0, 40, 5, 0]" in p.stderr:
    fail("init file with NaN: the message does not name the first bad index [0, 20, 3, 0]", p)
no_ssbsim_left()
print(f"bad input (NaN in the init file read per slab): status 2 on 3 ranks in {took:.1f} s, "
      "nothing written, the first bad index named")

# 2. Divergence: status 3 on every rank, the output says so.
p, took = mpirun(["-o", "diverged.h5", "--overwrite", "--set", "dynamics.step=0.9",
                  "--set", "dynamics.temperature=0"])
if p.returncode != 3:
    fail(f"divergence: status {p.returncode}, expected 3", p)
with h5py.File("diverged.h5", "r") as f:
    if int(f.attrs["exit_status"]) != 3:
        fail(f"divergence: the output's exit_status is {f.attrs['exit_status']}")
no_ssbsim_left()
print(f"divergence: status 3 on 3 ranks in {took:.1f} s, output exit_status 3")

# An error only the root meets (its output removed during the run: an I/O error at the next
# checkpoint) ends every rank through MPI_Abort with status 4, instead of leaving them waiting.
cmd = [mpiexec, "-n", "3", "--oversubscribe", ssbsim, "run", "failures.ini", "-o", "gone.h5",
       "--overwrite", "--set", "dynamics.steps=100000000", "--set", "checkpoint.every=500"]
proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(3)
os.remove("gone.h5")
try:
    out, err = proc.communicate(timeout=30)
except subprocess.TimeoutExpired:
    proc.kill()
    fail("output removed: mpirun did not return within 30 s")
if proc.returncode != 4:
    fail(f"output removed: status {proc.returncode}, expected 4\n{out}\n{err}")
no_ssbsim_left()
print("I/O error on the root alone: status 4, every rank ended")

# A full disk (a file-size limit on every rank: the checkpoint, ~18 MB, does not fit in 10 MB, the
# output, ~6 MB, does): the ranks agree before their collective write that it cannot fit, and
# all stop with status 4 within seconds, leaving no temporary file.
cmd = [mpiexec, "-n", "3", "--oversubscribe", "bash", "-c",
       f"ulimit -f 10000 && exec '{ssbsim}' run failures.ini -o limited.h5 --overwrite "
       "--set 'lattice.dims=1024 512' --set run.replicas=4 --set dynamics.steps=2"]
start = time.time()
p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
took = time.time() - start
if p.returncode != 4 or "file-size limit" not in p.stderr:
    fail(f"full disk: status {p.returncode}, expected 4 naming the file-size limit", p)
if os.path.exists("limited.ckpt.h5.tmp"):
    fail("full disk: the checkpoint's temporary file was left behind")
no_ssbsim_left()
print(f"full disk (file-size limit) at a collective checkpoint: status 4 on 3 ranks in {took:.1f} s")

# 3. Signals to mpirun: one checkpoint, status 5; resumed on 2 ranks, the plain run's bits.
LONG = ["--set", "dynamics.steps=100000000", "--set", "measure.every=50"]

def stop_with(sig, output):
    cmd = [mpiexec, "-n", "3", "--oversubscribe", ssbsim, "run", "failures.ini", "-o", output,
           "--overwrite"] + LONG
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(3)
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail(f"signal {sig}: mpirun did not return within 30 s")
    if not os.path.exists(output.replace(".h5", ".ckpt.h5")):
        fail(f"signal {sig}: no checkpoint\n{out}\n{err}")
    if "interrupted: signal" not in err:
        fail(f"signal {sig}: the ranks did not stop by the signal\n{out}\n{err}")
    no_ssbsim_left()
    return proc.returncode


# SIGUSR1 is passed on to the ranks by mpirun (SLURM's --signal of `ssbsim jobscript`): 5.
status = stop_with(signal.SIGUSR1, "usr1.h5")
if status != 5:
    fail(f"SIGUSR1: mpirun status {status}, expected 5")
# SIGTERM: OpenMPI's mpirun sends it on to every rank, which write one checkpoint and exit 5,
# but mpirun reports 1 for a job it was told to terminate (srun reports the ranks' 5).
status = stop_with(signal.SIGTERM, "stopped.h5")
if status not in (1, 5):
    fail(f"SIGTERM: mpirun status {status}, expected 5 (OpenMPI's mpirun: 1)")
no_ssbsim_left()
# Resumed for 100 more steps on 2 ranks: the observables of one plain run of as many steps.
with h5py.File("stopped.ckpt.h5", "r") as f:
    end = int(f.attrs["step"]) // 50 * 50 + 100
steps = ["--set", f"dynamics.steps={end}", "--set", "measure.every=50"]
p, took = mpirun(["-o", "stopped.h5", "--resume"] + steps, ranks=2, timeout=240)
if p.returncode != 0:
    fail(f"resume after SIGTERM: status {p.returncode}", p)
subprocess.run([ssbsim, "run", "failures.ini", "-o", "plain.h5", "--overwrite"] + steps, env=env,
               check=True, capture_output=True, timeout=240)
with h5py.File("plain.h5", "r") as a, h5py.File("stopped.h5", "r") as b:
    for name in a["observables"]:
        if a["observables"][name][()].tobytes() != b["observables"][name][()].tobytes():
            fail(f"resume after SIGTERM: /observables/{name} differs from the plain run")
print("SIGUSR1: status 5; SIGTERM: a checkpoint, mpirun status %d; resumed on 2 ranks: "
      "observables bitwise equal" % status)


# 4. SIGKILL to every rank mid-run (nothing runs on: no signal handler, no clean-up): the output
# stays readable with every group's columns of one length, the last checkpoint (or its backup,
# if the kill fell between the two renames) resumes on 3 ranks to the plain run's bits.
KILLED = ["--set", "dynamics.steps=100000000", "--set", "measure.every=50", "--set",
          "measure.save_every=50", "--set", "checkpoint.every=100"]
cmd = [mpiexec, "-n", "3", "--oversubscribe", ssbsim, "run", "failures.ini", "-o", "killed.h5",
       "--overwrite"] + KILLED
proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(4)
ranks = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
if len(ranks) != 3:
    proc.kill()
    fail(f"SIGKILL: expected 3 ranks under mpirun, found {ranks}")
for pid in ranks:
    os.kill(int(pid), signal.SIGKILL)
try:
    proc.communicate(timeout=30)
except subprocess.TimeoutExpired:
    proc.kill()
    fail("SIGKILL: mpirun did not return within 30 s of its ranks' death")
no_ssbsim_left()
with h5py.File("killed.h5", "r") as f:
    for group in ("observables", "configurations"):
        lengths = {name: d.shape[0] for name, d in f[group].items()}
        if len(set(lengths.values())) != 1:
            fail(f"SIGKILL: /{group} has columns of different lengths: {lengths}")
    measured = f["observables/step"][()]
killed_at = int(measured[-1]) if len(measured) else 0
ckpt = "killed.ckpt.h5" if os.path.exists("killed.ckpt.h5") else "killed.ckpt.h5.bak"
with h5py.File(ckpt, "r") as f:
    end = int(f.attrs["step"]) + 100
steps = ["--set", f"dynamics.steps={end}", "--set", "measure.every=50", "--set",
         "measure.save_every=50"]
p, took = mpirun(["-o", "killed.h5", "--resume"] + steps, ranks=3, timeout=240)
if p.returncode != 0:
    fail(f"resume after SIGKILL: status {p.returncode}", p)
subprocess.run([ssbsim, "run", "failures.ini", "-o", "plain_kill.h5", "--overwrite"] + steps,
               env=env, check=True, capture_output=True, timeout=240)
with h5py.File("plain_kill.h5", "r") as a, h5py.File("killed.h5", "r") as b:
    for group in ("observables", "configurations"):
        for name in a[group]:
            if a[group][name][()].tobytes() != b[group][name][()].tobytes():
                fail(f"resume after SIGKILL: /{group}/{name} differs from the plain run")
print(f"SIGKILL of 3 ranks at step ~{killed_at}: output readable, columns of equal length; "
      f"resumed from '{ckpt}' on 3 ranks to step {end}: observables and configurations bitwise "
      "equal")
