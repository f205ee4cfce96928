#!/usr/bin/env bash
# Side-by-side benchmark of n2v and its peers (see bench/peers/README.md).
#   bench/peers/run_peers.sh [--quick] [--with-gds] [run_peers.py options]
# 1. installs the peers into build/peers-venv from bench/peers/requirements.txt
#    (only when the venv is missing or the requirements changed);
# 2. builds n2v: scripts/build.sh on a fresh checkout, else only the n2v
#    target (a no-op when up to date; the rest of the project is not needed);
# 3. runs bench/peers/run_peers.py in that venv. Nothing is downloaded after step 1
#    (and Maven's GDS modules with --with-gds);
# 4. with --with-gds, also n2v.write against gds.node2vec.write in one
#    embedded Neo4j on BlogCatalog, p = q = 1 and p = 0.25, q = 4
#    (bench/neo4j/run_gds.py; GDS is not a Python package).
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV=build/peers-venv
REQ=bench/peers/requirements.txt
if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$REQ" "$VENV/.installed-requirements.txt"; then
  echo "run_peers: installing the peers into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r "$REQ"
  cp "$REQ" "$VENV/.installed-requirements.txt"
fi

if [ ! -f build/build.ninja ]; then
  scripts/install_deps.sh
  scripts/build.sh >/dev/null
else
  cmake --build build --target n2v >/dev/null
fi

with_gds=0
args=()
for a in "$@"; do
  if [ "$a" = --with-gds ]; then with_gds=1; else args+=("$a"); fi
done
"$VENV/bin/python" bench/peers/run_peers.py ${args[@]+"${args[@]}"}
if [ "$with_gds" = 1 ]; then
  python3 bench/neo4j/run_gds.py
  python3 bench/neo4j/run_gds.py --skip-build --p 0.25 --q 4 --tag p0.25-q4
fi
