#!/usr/bin/python3
"""The batch workflow of a scan on a real (one-node, local) SLURM cluster; CTest label `cluster`.

Starts a cluster with scripts/local-slurm.sh, writes the job script of a shortened
inputs/binder_scan_2d.ini (two sizes x five m2, 10 points) with `ssbsim jobscript`, submits the
array with sbatch and, while it runs, requeues one running task (`scontrol requeue`) and sends
another SIGUSR1 (`scancel --signal=USR1 --batch`, what the time limit does). When the array is
done the same script is submitted again, as a user would after a partial failure. Then checks:
every point is complete; no complete point ran twice (its /segments); the two interrupted ones
resumed from their checkpoints (two segments) to observables and configurations bit-identical
to an uninterrupted run of the same point; `ssbsim analyze` finds the Binder crossing. Prints
the `sacct` lines of both arrays, stops the daemons and checks that no daemon is left.

usage: test_slurm_array.py --ssbsim BINARY --source SOURCE_DIR [--keep]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

STEPS = 1_000_000
DAEMONS = ["munged", "mariadbd", "slurmdbd", "slurmctld", "slurmd", "slurmstepd"]


def log(*text):
    print(*text, flush=True)


def sh(cmd, env=None, cwd=None, check=True):
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: status {r.returncode}\n{r.stdout}{r.stderr}")
    return r.stdout


def daemons_running():
    found = {}
    for name in DAEMONS:
        r = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True)
        found[name] = sorted(r.stdout.split())
    return found


def require(condition, what):
    if not condition:
        raise AssertionError(what)
    log("  ok:", what)


def shortened_deck(source, work):
    """inputs/binder_scan_2d.ini with two sizes (the deck's own run length and m2 values)."""
    text = open(os.path.join(source, "inputs", "binder_scan_2d.ini")).read()
    short = re.sub(r"(?m)^lattice\.dims = .*$", "lattice.dims = 8 8, 16 16", text)
    require(short != text and f"steps = {STEPS}" in short, "shortened deck: 8x8 and 16x16")
    path = os.path.join(work, "binder_scan_2d.ini")
    open(path, "w").write(short)
    return path


class Array:
    """One submitted array job."""

    def __init__(self, script, out, env):
        self.env = env
        self.id = sh(["sbatch", "--parsable", script], env=env, cwd=out).strip().split(";")[0]
        log(f"submitted array job {self.id}")

    def tasks(self, states):
        text = sh(["squeue", "-h", "-r", "-j", self.id, "-t", states, "-o", "%K"], env=self.env,
                  check=False)
        return [int(t) for t in text.split() if t.isdigit()]

    def wait(self, tasks, timeout):
        """Until no task is queued and accounting (slurmdbd, asynchronous) has all their ends."""
        t0 = time.time()
        while time.time() - t0 < timeout:
            queued = sh(["squeue", "-h", "-j", self.id, "-o", "%i"], env=self.env, check=False)
            states = sh(["sacct", "-n", "-X", "-j", self.id, "-o", "State%20"], env=self.env,
                        check=False).split()
            ended = [s for s in states if s in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT")]
            if not queued.strip() and len(ended) >= tasks:
                return
            time.sleep(2)
        raise AssertionError(f"array {self.id} not finished after {timeout} s")

    def sacct(self):
        return sh(["sacct", "-j", self.id, "--duplicates", "-X", "--format",
                   "JobID%14,JobName%15,State%10,ExitCode,Start,End,Elapsed"], env=self.env)


def checkpoint_step(path):
    try:
        with h5py.File(path, "r") as f:
            return int(f.attrs["step"]) if "complete" in f.attrs else None
    except (OSError, KeyError):
        return None


def pick_running(array, outputs, out, skip, timeout=900):
    """A running task whose point has a checkpoint in the first half of the run."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        for task in array.tasks("R"):
            if task in skip:
                continue
            ckpt = os.path.join(out, outputs[task][:-3] + ".ckpt.h5")
            step = checkpoint_step(ckpt)
            if step is not None and 0 < step <= STEPS // 2:
                return task, step
        time.sleep(0.3)
    raise AssertionError("no running task with an early checkpoint to interrupt")


def segments(path):
    with h5py.File(path, "r") as f:
        root = dict(f.attrs)
        segs = [dict(f["segments"][name].attrs) for name in sorted(f["segments"])]
    return root, segs


def same_bits(a, b):
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        for group in ("observables", "configurations"):
            for name in fa[group]:
                x, y = fa[group][name][()], fb[group][name][()]
                if x.shape != y.shape or x.tobytes() != y.tobytes():
                    return f"{group}/{name} differs"
    return ""


def scenario(ssbsim, source, work, env):
    out = os.path.join(work, "out")
    os.makedirs(out)
    deck = shortened_deck(source, work)
    points = sh([ssbsim, "run", deck, "--list-points"]).splitlines()
    outputs = [line.split("\t")[1] for line in points]
    require(len(outputs) == 10 and outputs[0] == "binder_scan_2d_dims=8x8_m2=-1.35.h5",
            "10 points in deck order")

    script = os.path.join(work, "scan.sbatch")
    text = sh([ssbsim, "jobscript", deck, "--threads", "1", "--concurrent", "2", "--time",
               "30:00"])
    open(script, "w").write(text)
    require("#SBATCH --array=0-9%2" in text and "--resume" in text, "job script written")

    first = Array(script, out, env)
    requeued, requeued_at = pick_running(first, outputs, out, skip=set())
    sh(["scontrol", "requeue", f"{first.id}_{requeued}"], env=env)
    log(f"requeued task {requeued} (checkpoint at step {requeued_at})")
    skip = {requeued}
    for attempt in range(5):  # a task may end between the look and the signal
        signalled, signalled_at = pick_running(first, outputs, out, skip=skip)
        r = subprocess.run(["scancel", "-v", "--signal=USR1", "--batch",
                            f"{first.id}_{signalled}"], env=env, capture_output=True, text=True)
        # ssbsim stops within milliseconds, so scancel, confirming, may find the task already
        # completing and report an error although the signal was delivered (sacct tells).
        if r.returncode == 0 or f"Signal 10 to batch job {first.id}_{signalled}" in r.stderr:
            break
        log(f"scancel of task {signalled} failed ({r.returncode}): {r.stderr.strip()}")
        skip.add(signalled)
    else:
        raise AssertionError("could not signal a running task")
    log(f"sent SIGUSR1 to task {signalled} (checkpoint at step {signalled_at})")
    first.wait(10, timeout=1800)
    sacct_first = first.sacct()
    log("sacct of the first array:\n" + sacct_first)
    require(re.search(rf"{first.id}_{signalled} .* FAILED +5:0", sacct_first),
            f"task {signalled} stopped by SIGUSR1: status 5 (checkpoint written)")
    require(re.search(rf"{first.id}_{requeued} .* REQUEUED", sacct_first)
            and re.search(rf"{first.id}_{requeued} .* COMPLETED +0:0", sacct_first),
            f"task {requeued} requeued, then completed")

    # After a partial failure the user submits the same script again: only what is missing runs.
    second = Array(script, out, env)
    second.wait(10, timeout=1800)
    sacct_second = second.sacct()
    log("sacct of the second array:\n" + sacct_second)
    require(sacct_second.count("COMPLETED") == 10 and "FAILED" not in sacct_second,
            "second array: every task completed")
    for task in range(10):
        tail = open(os.path.join(out, f"binder_scan_2d_{task}.log")).read()
        if task != signalled:
            require("is complete (step 1000000" in tail.splitlines()[-1] if tail else False,
                    f"log {task}: the second array found point {task} complete")

    ref = os.path.join(work, "ref")
    os.makedirs(ref)
    for task, path in enumerate(outputs):
        root, segs = segments(os.path.join(out, path))
        require(root["exit_status"] == 0 and root["final_step"] == STEPS,
                f"point {task} complete at step {STEPS}")
        statuses = [int(s["exit_status"]) for s in segs]
        require(statuses.count(0) == 1 and statuses[-1] == 0,
                f"point {task} ran to completion once (segment exit statuses {statuses})")
        for before, after in zip(segs, segs[1:]):
            require(after["kind"] == "resume" and after["first_step"] == before["final_step"] > 0,
                    f"point {task}: each later segment resumes where the one before stopped")
        if task not in (requeued, signalled):
            require(len(segs) == 1, f"point {task}: one segment, never rerun")
            continue
        require(len(segs) == 2 and statuses == [5, 0],
                f"point {task}: interrupted (status 5), then resumed (two segments)")
        job = first.id if task == requeued else second.id
        require(f"(array {job}_{task})" in segs[1]["batch_job"],
                f"point {task}: resumed by array job {job}, task {task}")
        sh([ssbsim, "run", deck, "--point", str(task)], cwd=ref,
           env=dict(os.environ, OMP_NUM_THREADS="1"))
        diff = same_bits(os.path.join(out, path), os.path.join(ref, path))
        require(not diff, f"point {task}: bit-identical to an uninterrupted run {diff}")

    files = [os.path.join(out, p) for p in outputs]
    analysis = json.loads(sh([ssbsim, "analyze", "--json"] + files))
    crossings = analysis["scan"]["crossings"]
    log("crossings:", json.dumps(crossings))
    require(len(crossings) == 1 and crossings[0]["found"]
            and -1.35 < crossings[0]["x"] < -1.19,
            f"ssbsim analyze finds the 8x8/16x16 Binder crossing in [-1.35, -1.19]")
    info = sh([ssbsim, "info", os.path.join(out, outputs[requeued])])
    log(info[:info.index("datasets:")])
    return sacct_first + sacct_second


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ssbsim", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args()
    ssbsim = os.path.abspath(args.ssbsim)
    local_slurm = os.path.join(args.source, "scripts", "local-slurm.sh")
    before = daemons_running()
    run_munge_before = os.path.exists("/run/munge")
    work = tempfile.mkdtemp(prefix="ssbsim-cluster-")
    cluster = os.path.join(work, "slurm")
    env = dict(os.environ, SLURM_CONF=os.path.join(cluster, "slurm.conf"))
    status = 1
    try:
        log(sh([local_slurm, "start", cluster]))
        scenario(ssbsim, args.source, work, env)
        status = 0
    finally:
        log(sh([local_slurm, "stop", cluster], check=False))
        after = daemons_running()
        if after != before or os.path.exists("/run/munge") != run_munge_before:
            log(f"machine not as found: daemons before {before}, after {after}")
            status = 1
        else:
            log("  ok: daemons stopped, machine as found")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
