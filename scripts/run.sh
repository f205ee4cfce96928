#!/usr/bin/env bash
# The main job (quickstart): installs what is missing, builds, starts
# n2v-sidecar and an embedded Neo4j 5.26 with the n2v plugin, loads Les
# Miserables, runs CALL n2v.write(...), prints counts, timings and nearest
# neighbours, draws the node2vec paper's Figure 3 into out/, and keeps both
# servers running until Ctrl-C.
#
#   scripts/run.sh                 # embedded Neo4j, Les Miserables
#   scripts/run.sh --once          # same, then exit
#   scripts/run.sh --edges e.csv [--nodes n.csv] [--label L --type T]
#   N2V_NEO4J_PASSWORD=... scripts/run.sh --neo4j-uri bolt://host:7687 \
#       [--neo4j-user neo4j] [--no-load --label L --type T]
#     (an existing Neo4j with the plugin installed; it reaches the sidecar at
#      its dbms.n2v.sidecar.address, 127.0.0.1:50051 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh >/dev/null
echo "== building the Neo4j plugin and the quickstart launcher (Maven)"
mvn -q -B package -DskipTests

mkdir -p out
port=${N2V_SIDECAR_PORT:-50051}
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  case " $* " in
    *" --neo4j-uri "*) echo "run.sh: port $port is taken; stop what uses it or set N2V_SIDECAR_PORT" >&2; exit 1 ;;
  esac
  port=0  # an embedded Neo4j can use any port
fi
rm -f out/sidecar.port
build/sidecar/n2v-sidecar --listen "127.0.0.1:$port" --port-file out/sidecar.port \
  --memory-budget 4GiB 2> out/sidecar.log &
sidecar=$!
trap 'kill "$sidecar" 2>/dev/null; wait "$sidecar" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s out/sidecar.port ] && break; sleep 0.1; done
[ -s out/sidecar.port ] || { echo "run.sh: n2v-sidecar did not start:" >&2; cat out/sidecar.log >&2; exit 1; }
echo "== n2v-sidecar on 127.0.0.1:$(cat out/sidecar.port) (log: out/sidecar.log)"

java -cp "quickstart/target/n2v-quickstart.jar:quickstart/target/lib/*" \
  -Dn2v.datasets=../shared/datasets \
  org.n2v.quickstart.Main --sidecar "127.0.0.1:$(cat out/sidecar.port)" --out out "$@" \
  2> >(grep -v -E '^SLF4J' >&2)
