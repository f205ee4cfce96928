#!/usr/bin/env bash
# Fuzz smoke test: builds snapshot_fuzzer with clang (libFuzzer and
# AddressSanitizer) into build-fuzz/ and runs it briefly from the seed
# corpus. Exits non-zero when the build fails or the fuzzer finds a crash,
# leak, timeout or out-of-memory input (the reproducer is kept in
# build-fuzz/artifacts/). The build directory is reused, so repeat runs only
# recompile what changed.
#
# Usage: scripts/fuzz_smoke.sh [seconds]   (default 20; env FUZZ_SECONDS too)
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_TO_RUN=${1:-${FUZZ_SECONDS:-20}}
BUILD=build-fuzz

if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DN2V_BUILD_FUZZERS=ON -DN2V_BUILD_TESTS=OFF -DN2V_BUILD_BENCHMARKS=OFF \
    >/dev/null
fi
mkdir -p "$BUILD"
if ! ninja -C "$BUILD" snapshot_fuzzer >"$BUILD/ninja.log" 2>&1; then
  grep -E 'error|FAILED|undefined' "$BUILD/ninja.log" | head -n 40 >&2
  echo "fuzz_smoke: FAILED to build snapshot_fuzzer" >&2
  exit 1
fi

# Work on a copy so the checked-in corpus stays as it is.
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/corpus" "$BUILD/artifacts"
cp fuzz/corpus/* "$WORK/corpus/"

echo "fuzz_smoke: running snapshot_fuzzer for ${SECONDS_TO_RUN}s"
status=0
"$BUILD/fuzz/snapshot_fuzzer" "$WORK/corpus" \
  -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=2048 -max_len=8192 \
  -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$BUILD/artifacts/" >"$WORK/log" 2>&1 || status=$?
grep -E '^(stat::|#[0-9]+ +DONE)' "$WORK/log" || true
if [ "$status" -ne 0 ]; then
  tail -n 60 "$WORK/log"
  echo "fuzz_smoke: FAILED (exit $status); reproducer in $BUILD/artifacts/" >&2
  exit 1
fi
echo "fuzz_smoke: OK"
