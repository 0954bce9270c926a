#!/usr/bin/env bash
# Installs dslgen and everything it uses on a Debian/Ubuntu machine (run from the repository root):
# the system tools (man, shellcheck, gfortran, MPI) and documentation packages (LAPACK, Open MPI),
# the Python package with its test tools, and the man pages of the commands users ask about.
# Usage: bash scripts/install.sh [--no-man-fetch]
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# man-db/manpages: man pages; liblapack-doc, openmpi-doc: Fortran routine docs;
# shellcheck, gfortran, openmpi (mpi.mod, mpif90, mpirun), libblas/liblapack (linking): validators; apt-file is not needed at run time.
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  man-db manpages manpages-dev liblapack-doc openmpi-doc libopenmpi-dev openmpi-bin \
  shellcheck gfortran libblas-dev liblapack-dev bash-completion >/dev/null

# torch is pinned to the CPU build first, so nothing later resolves a CUDA wheel on a CPU machine.
python3 -m pip install -q "torch==2.13.0"
python3 -m pip install -q -e ".[dense,outlines,dev]"

if [ "${1:-}" != "--no-man-fetch" ]; then
  dslgen index fetch-man
fi
