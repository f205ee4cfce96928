#!/usr/bin/env bash
# Installs what building and testing n2v needs, only where it is missing:
# Debian packages (compiler, CMake, Ninja, Abseil, oneTBB, GoogleTest,
# Google Benchmark, zlib) and the Python packages of the quality harness.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libabsl-dev libtbb-dev libgtest-dev libbenchmark-dev zlib1g-dev
  python3 python3-pip
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "install_deps: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c "import numpy, scipy, sklearn, pytest" 2>/dev/null; then
  echo "install_deps: installing Python packages from bench/quality/requirements.txt"
  "$PYTHON" -m pip install -q -r bench/quality/requirements.txt \
    || "$PYTHON" -m pip install -q --break-system-packages -r bench/quality/requirements.txt
fi
