#!/usr/bin/env bash
# The main job: installs what is missing, builds, embeds a real graph with
# node2vec and scores the vectors with the paper's node-classification
# protocol. Usage: scripts/run.sh [edge-list] [labels]
# (defaults: BlogCatalog from ../shared/datasets, p = q = 0.25).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh >/dev/null

DATA=../shared/datasets
EDGES=${1:-$DATA/blogcatalog/blogcatalog.edgelist}
LABELS=${2:-$DATA/blogcatalog/blogcatalog.labels}
OUT=out
mkdir -p "$OUT"
EMB="$OUT/$(basename "${EDGES%%.*}").emb"

echo "== n2v embed: $EDGES"
build/cli/n2v embed --input "$EDGES" --output "$EMB" \
  --dimensions 128 --walk-length 80 --num-walks 10 --window-size 10 \
  --p 0.25 --q 0.25 --seed 1
if [ -f "$LABELS" ]; then
  echo "== node classification (one-vs-rest logistic regression, 50% labelled)"
  python3 bench/quality/n2v_quality.py classify --embedding "$EMB" \
    --labels "$LABELS" --train-ratio 0.5 --repeats 5
fi
echo "== vectors written to $EMB (word2vec text format)"
