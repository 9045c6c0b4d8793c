#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for testing ssbsim's batch workflow for real
# (tests/cluster/, `ctest --preset cluster`):
#   scripts/local-slurm.sh start [DIR]   start munged, MariaDB, slurmdbd, slurmctld and slurmd
#   scripts/local-slurm.sh stop  [DIR]   stop them all and delete DIR
#   scripts/local-slurm.sh env   [DIR]   print the environment the SLURM commands need
# Everything lives in DIR (default /tmp/ssbsim-slurm): configuration, munge key, databases,
# spool, logs; only munged's socket must be at its default place, /run/munge (see start_munge).
# Nothing under /etc or /var is touched and no system service is started, so `stop` leaves the
# machine as it was. The daemons use non-default ports (the database listens on 127.0.0.1).
# Needs root (SlurmUser=root) and Debian's slurm-wlm, munge, slurmdbd and mariadb-server:
# `scripts/install-deps.sh --cluster`. One node with this machine's CPUs (`slurmd -C`),
# ProctrackType=proctrack/linuxproc (no cgroups needed); accounting through slurmdbd, for sacct.
set -euo pipefail

command=${1:-}
dir=${2:-/tmp/ssbsim-slurm}
ctld_port=16817 slurmd_port=16818 dbd_port=16819 db_port=16306

die() { echo "local-slurm: $*" >&2; exit 1; }

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local seconds=$1; shift
  for _ in $(seq $((seconds * 5))); do "$@" > /dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2> /dev/null; }

print_env() { echo "export SLURM_CONF=$dir/slurm.conf"; }

write_configs() {
  local node
  node=$(slurmd -C | head -1) # NodeName=<host> CPUs=... RealMemory=...
  cat > "$dir/slurm.conf" << EOF
# Written by scripts/local-slurm.sh: a one-node test cluster, all state in $dir.
ClusterName=ssbsim
SlurmctldHost=$(hostname -s)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$dbd_port
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobRequeue=1
KillWait=30
MinJobAge=3600
MpiDefault=none
PlugStackConfig=$dir/plugstack.conf
$node State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  : > "$dir/plugstack.conf"
  cat > "$dir/slurmdbd.conf" << EOF
AuthType=auth/munge
DbdHost=localhost
DbdPort=$dbd_port
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$db_port
StorageUser=root
StorageLoc=slurm_acct_db
PidFile=$dir/slurmdbd.pid
LogFile=$dir/slurmdbd.log
EOF
  chmod 600 "$dir/slurmdbd.conf"
}

# SLURM's clients reach munged only at its default socket (22.05 ignores AuthInfo there), so
# ours listens on /run/munge/munge.socket.2 -- unless the machine runs munged already, which is
# then used. /run/munge is removed again by stop if start created it.
munge_socket=/run/munge/munge.socket.2
start_munge() {
  if munge -n > /dev/null 2>&1; then
    echo "local-slurm: using the running munged"
    return
  fi
  mkdir -p "$dir/munge"
  chmod 700 "$dir/munge"
  if [ ! -d /run/munge ]; then
    mkdir -m 755 /run/munge
    touch "$dir/created-run-munge"
  fi
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge/munge.key"
  munged --key-file="$dir/munge/munge.key" --socket=$munge_socket \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed" --force
  wait_for 10 munge -n || die "munged did not start ($dir/munge)"
}

start_mariadb() {
  mariadb-install-db --no-defaults --user=root --datadir="$dir/db" \
    --auth-root-authentication-method=normal --skip-test-db > "$dir/db-install.log" 2>&1 ||
    die "mariadb-install-db failed: $dir/db-install.log"
  mariadbd --no-defaults --user=root --datadir="$dir/db" --socket="$dir/db.sock" \
    --port=$db_port --bind-address=127.0.0.1 --pid-file="$dir/db.pid" \
    --log-error="$dir/db.log" --innodb-buffer-pool-size=32M --innodb-log-file-size=8M \
    --skip-log-bin > /dev/null 2>&1 &
  wait_for 60 mariadb --no-defaults --socket="$dir/db.sock" -u root -e "select 1" ||
    die "MariaDB did not start: $dir/db.log"
}

start() {
  [ "$(id -u)" -eq 0 ] || die "run as root (the test cluster runs with SlurmUser=root)"
  for p in slurmctld slurmd slurmdbd munged mariadbd; do
    command -v $p > /dev/null || die "$p is missing: scripts/install-deps.sh --cluster"
  done
  [ -e "$dir/slurm.conf" ] && die "$dir exists: already running? ($0 stop $dir)"
  mkdir -p "$dir/ctld" "$dir/spool"
  export SLURM_CONF=$dir/slurm.conf
  write_configs
  start_munge
  start_mariadb
  slurmdbd
  wait_for 30 sacctmgr -n list cluster || die "slurmdbd did not start: $dir/slurmdbd.log"
  sacctmgr -i add cluster ssbsim > /dev/null
  slurmctld
  wait_for 30 scontrol ping || die "slurmctld did not start: $dir/slurmctld.log"
  slurmd
  wait_for 60 bash -c "sinfo -h -o %t | grep -qx idle" ||
    die "the node did not come up: $dir/slurmd.log, $dir/slurmctld.log"
  echo "local-slurm: one-node cluster up ($(sinfo -h -o '%D node, %c CPUs, partition %P')); for"
  echo "the SLURM commands: $(print_env)"
}

# Stops a daemon by its pid file: TERM, then KILL after 20 s.
stop_pid() {
  local file=$1
  pid_alive "$file" || return 0
  local pid
  pid=$(cat "$file")
  kill "$pid" 2> /dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || return 0; sleep 0.2; done
  kill -9 "$pid" 2> /dev/null || true
}

stop() {
  [ -d "$dir" ] || { echo "local-slurm: nothing at $dir"; return 0; }
  export SLURM_CONF=$dir/slurm.conf
  if pid_alive "$dir/slurmctld.pid"; then # cancel this cluster's jobs, wait for their steps
    scancel --full --quiet --user=root 2> /dev/null || true
    wait_for 90 bash -c '[ -z "$(squeue -h -o %i)" ]' || echo "local-slurm: jobs still listed"
  fi
  stop_pid "$dir/slurmd.pid"
  stop_pid "$dir/slurmctld.pid"
  stop_pid "$dir/slurmdbd.pid"
  stop_pid "$dir/db.pid"
  stop_pid "$dir/munge/munged.pid"
  if [ -f "$dir/created-run-munge" ]; then
    rm -f $munge_socket $munge_socket.lock
    rmdir /run/munge 2> /dev/null || true
  fi
  rm -rf "$dir"
  echo "local-slurm: stopped, $dir removed"
}

case $command in
start) start ;;
stop) stop ;;
env) print_env ;;
*) die "usage: $0 start|stop|env [DIR]" ;;
esac
