#!/usr/bin/env bash
# Runs every test of the project: installs what is missing, builds, and runs
# ctest (which also runs the Python suites). Ends with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh
# The Java build (Neo4j plugin, quickstart launcher) some suites use.
mvn -q -B package -DskipTests
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 1200
