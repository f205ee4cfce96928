#!/usr/bin/env bash
# Installs what building and testing n2v needs, only where it is missing:
# Debian packages (compiler, CMake, Ninja, Abseil, oneTBB, GoogleTest,
# Google Benchmark, zlib, gRPC and Protocol Buffers, Open MPI (n2v-mpi and
# the distributed tests), clang for the fuzz
# smoke test, OpenSSL for the TLS tests, systemd for systemd-analyze in the
# deployment tests, Java 17 and Maven for the Neo4j plugin, Go where there
# is none), the Python packages of the quality harness, the Python client,
# the deployment tests (PyYAML) and the re-embedding runner (neo4j, the
# official driver), and grpcurl (from the Go module proxy) for the
# reflection test. Fails when something cannot be installed: the tests
# need all of it (cmake/N2vTestPrerequisites.cmake checks it again).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libabsl-dev libtbb-dev libgtest-dev libbenchmark-dev zlib1g-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  openmpi-bin libopenmpi-dev
  clang libclang-rt-14-dev openssl systemd
  python3 python3-pip
  openjdk-17-jdk-headless maven
)
# Go builds grpcurl; a Go already on PATH (any install) will do.
if ! command -v go >/dev/null 2>&1; then APT_PACKAGES+=(golang-go); fi

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
pip_install() {
  "$PYTHON" -m pip install -q "$@" || "$PYTHON" -m pip install -q --break-system-packages "$@"
}
if ! "$PYTHON" -c "import numpy, scipy, sklearn, pytest" 2>/dev/null; then
  echo "install_deps: installing Python packages from bench/quality/requirements.txt"
  pip_install -r bench/quality/requirements.txt
fi
if ! "$PYTHON" -c "import grpc, grpc_tools, grpc_health, grpc_reflection, yaml, neo4j" 2>/dev/null; then
  echo "install_deps: installing grpcio, grpcio-tools, grpcio-health-checking, grpcio-reflection, PyYAML, neo4j"
  pip_install grpcio grpcio-tools grpcio-health-checking grpcio-reflection PyYAML neo4j
fi

# Maven resolves the plugin's dependencies (Neo4j, gRPC, JUnit) itself on
# its first run, from Maven Central.

GRPCURL_VERSION=v1.9.1
if ! command -v grpcurl >/dev/null 2>&1 && [ ! -x "$HOME/go/bin/grpcurl" ]; then
  echo "install_deps: installing grpcurl $GRPCURL_VERSION"
  if ! go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION"; then
    echo "install_deps: grpcurl could not be installed; the reflection test needs it" >&2
    exit 1
  fi
fi
