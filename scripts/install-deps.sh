#!/usr/bin/env bash
# Installs every Debian package ssbsim needs to build, test and post-process (idempotent).
# Run as root (or with sudo) on Debian 12; does nothing when everything is already present.
#   --cluster   also what the cluster tests need (scripts/local-slurm.sh, ctest --preset cluster):
#               SLURM, munge, slurmdbd and MariaDB (for sacct). local-slurm.sh runs its own
#               daemons; a munged or MariaDB that Debian starts after installing is not needed.
set -euo pipefail

packages=(
  build-essential cmake g++ pkg-config
  libboost-program-options-dev libboost-dev
  libhdf5-dev hdf5-tools
  libopenmpi-dev openmpi-bin libhdf5-openmpi-dev
  librandom123-dev libfftw3-dev nlohmann-json3-dev
  catch2
  python3 python3-h5py python3-numpy python3-scipy python3-matplotlib
  python3-torch
  python3-xarray python3-h5netcdf python3-pil python3-setuptools python3-venv python3-pip ffmpeg
)
if [ "${1:-}" = "--cluster" ]; then
  packages+=(slurm-wlm slurmd slurmctld slurmdbd slurm-client munge mariadb-server mariadb-client)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
