#!/usr/bin/env bash
# Checks that ctest lists every test suite of n2v before they run, so that a
# suite whose registration went missing (a tool not found, a target not
# built) fails by name instead of silently lowering the test count.
# GoogleTest suites count when ctest lists a test named <suite>.<Test>.
# usage: scripts/check_test_suites.sh BUILD_DIR
set -euo pipefail
EXPECTED_SUITES=(
  engine_tests sidecar_tests quality_harness bench_harness cli_end_to_end
  python_client deploy_files snapshot_fuzz_smoke neo4j_plugin
  neo4j_gds_comparison reembed_end_to_end distributed_np1 distributed_np2
  distributed_np4 mpi_end_to_end
)
listed=$(ctest --test-dir "$1" -N)
missing=()
for suite in "${EXPECTED_SUITES[@]}"; do
  grep -Eq "^ *Test +#[0-9]+: ${suite}(\.|$)" <<<"$listed" || missing+=("$suite")
done
if ((${#missing[@]})); then
  echo "check_test_suites: ctest does not list: ${missing[*]}" >&2
  echo "check_test_suites: reconfigure after scripts/install_deps.sh; the CMake warnings name what is missing" >&2
  exit 1
fi
