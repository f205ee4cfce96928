#!/usr/bin/env python3
"""Warm starts across ranks against one process, side by side, as ratios.

A previous run (`n2v embed --context-output`) embeds the graph; the graph
then grows by 1% new edges, a tenth of them to new nodes. Interleaved
rounds then re-embed the grown graph from the previous input and context
vectors with `n2v embed --workers R*T` and with
`mpirun -np R n2v-mpi embed --workers T` (same flags and seed), recording
wall time of the whole command, the largest process's peak RSS, the rows
copied and seeded, and the drift after alignment. Medians are quoted.

Writes bench/results/distributed-warm-<date>.json and .md.

usage: bench/distributed_warm_bench.py [--graphs blogcatalog] [--rounds 3]
         [--ranks 2] [--threads 1] [--walks 10] [--length 80] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from distributed_bench import (add_run_args, graph_path, prepare, timed,  # noqa: E402
                               write_report)


def new_edges(ids: list, edges: int, seed: int = 7) -> list:
    """1% of `edges` new edges among the sorted node `ids`, a tenth of them
    from new nodes (ids past the largest), as (source, target) pairs."""
    rng = random.Random(seed)
    added = max(1, edges // 100)
    fresh = max(1, added // 10)
    extra = [(rng.choice(ids), rng.choice(ids)) for _ in range(added - fresh)]
    extra += [(ids[-1] + 1 + k, rng.choice(ids)) for k in range(fresh)]
    return extra


def grow(graph: Path, out: Path) -> tuple[int, int]:
    """Writes the graph plus new_edges; returns (edges added, new nodes)."""
    lines = [l for l in graph.read_text().splitlines() if l.strip() and not l.startswith("#")]
    ids = sorted({int(x) for l in lines for x in l.split()[:2]})
    extra = new_edges(ids, len(lines))
    out.write_text("\n".join(lines + [f"{u} {v}" for u, v in extra]) + "\n")
    return len(extra), sum(1 for u, _ in extra if u > ids[-1])


def warm_numbers(stderr: str) -> dict:
    out = {}
    if m := re.search(r"warm start from .*: (\d+) nodes from their vectors, (\d+) from", stderr):
        out.update(copied=int(m[1]), seeded=int(m[2]))
    if m := re.search(r"drift mean ([\d.]+), p95 ([\d.]+), max ([\d.]+)", stderr):
        out.update(drift_mean=float(m[1]), drift_p95=float(m[2]), drift_max=float(m[3]))
    return out


def compare(args, name: str, env: dict, out: Path) -> dict:
    graph = graph_path(name, Path(args.workdir))
    flags = ["--num-walks", str(args.walks), "--walk-length", str(args.length), "--seed", "3"]
    prev, prev_ctx = out / "prev.emb", out / "prev-context.emb"
    timed([str(args.n2v), "embed", "--input", str(graph), *flags, "--output", str(prev),
           "--context-output", str(prev_ctx), "--quiet"], env)
    grown = out / "grown.edgelist"
    added, fresh = grow(graph, grown)
    warm = ["--input", str(grown), "--init", str(prev), "--init-context", str(prev_ctx), *flags]
    time = ["/usr/bin/time", "-f", "peak-rss-kib %M"]
    single = time + [str(args.n2v), "embed", *warm, "--workers",
                     str(args.ranks * args.threads), "--output", str(out / "single.emb")]
    # Each rank appends its peak to one file: mpirun's forwarding of many
    # ranks' stderr may split the lines.
    rss_file = out / "rss.txt"
    rank_time = ["/usr/bin/time", "-a", "-o", str(rss_file), "-f", "peak-rss-kib %M"]
    mpi = [args.mpirun, "-np", str(args.ranks), "--oversubscribe", *rank_time, str(args.n2v_mpi),
           "embed", *warm, "--workers", str(args.threads), "--output", str(out / "mpi.emb"),
           "--context-output", str(out / "mpi-context.emb")]
    rounds = []
    for r in range(args.rounds):
        s_sec, s_rss, s_err = timed(single, env)
        rss_file.unlink(missing_ok=True)
        m_sec, _, m_err = timed(mpi, env)
        m_rss = [int(k) for k in re.findall(r"peak-rss-kib (\d+)", rss_file.read_text())]
        rounds.append({"single_seconds": s_sec, "single_rss_kib": max(s_rss),
                       "single": warm_numbers(s_err), "mpi_seconds": m_sec,
                       "mpi_rss_kib_per_rank": m_rss, "mpi": warm_numbers(m_err)})
        print(f"{name} round {r + 1}: n2v {s_sec:.2f} s, n2v-mpi {m_sec:.2f} s", file=sys.stderr)
    med = lambda f: statistics.median(f(row) for row in rounds)  # noqa: E731
    result = {"graph": name, "edges_added": added, "new_nodes": fresh, "rounds": rounds,
              "single_seconds_median": med(lambda r: r["single_seconds"]),
              "mpi_seconds_median": med(lambda r: r["mpi_seconds"]),
              "single_rss_mib": max(r["single_rss_kib"] for r in rounds) / 1024,
              "mpi_rss_mib_largest_rank":
                  max(max(r["mpi_rss_kib_per_rank"]) for r in rounds) / 1024,
              "single_drift_mean": med(lambda r: r["single"]["drift_mean"]),
              "mpi_drift_mean": med(lambda r: r["mpi"]["drift_mean"]),
              "single_drift_p95": med(lambda r: r["single"]["drift_p95"]),
              "mpi_drift_p95": med(lambda r: r["mpi"]["drift_p95"]),
              "same_rows_copied_and_seeded": all(
                  (r["single"]["copied"], r["single"]["seeded"]) ==
                  (r["mpi"]["copied"], r["mpi"]["seeded"]) for r in rounds)}
    result["time_ratio"] = result["mpi_seconds_median"] / result["single_seconds_median"]
    return result


def markdown(report: dict) -> str:
    lines = [f"# Warm starts: n2v-mpi against n2v, {report['date']}", "",
             f"Machine: {report['machine']}. A previous run's input and context vectors, "
             f"the graph grown by 1% edges (a tenth to new nodes). Flags: `--num-walks "
             f"{report['walks']} --walk-length {report['length']}` (d 128), seed 3, warm "
             f"learning rate. n2v: 1 process x {report['ranks'] * report['threads']} threads; "
             f"n2v-mpi: {report['ranks']} ranks x {report['threads']} thread(s). Medians of "
             f"{report['rounds']} interleaved rounds; wall time of the whole command "
             "(load, read the previous vectors, train, align, write).", "",
             "| graph | new nodes | n2v s | n2v-mpi s | ratio | n2v RSS MiB | "
             "n2v-mpi largest rank RSS MiB | drift mean n2v / n2v-mpi | drift p95 n2v / n2v-mpi "
             "| same rows copied and seeded |", "|---|---|---|---|---|---|---|---|---|---|"]
    for c in report["comparisons"]:
        lines.append(
            f"| {c['graph']} | {c['new_nodes']} | {c['single_seconds_median']:.2f} | "
            f"{c['mpi_seconds_median']:.2f} | {c['time_ratio']:.2f} | {c['single_rss_mib']:.0f} | "
            f"{c['mpi_rss_mib_largest_rank']:.0f} | {c['single_drift_mean']:.4f} / "
            f"{c['mpi_drift_mean']:.4f} | {c['single_drift_p95']:.4f} / {c['mpi_drift_p95']:.4f} "
            f"| {'yes' if c['same_rows_copied_and_seeded'] else 'NO'} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_run_args(ap, "blogcatalog", "distributed-warm")
    args = ap.parse_args()
    env, report = prepare(args)
    with tempfile.TemporaryDirectory(dir=args.workdir) as scratch:
        report["comparisons"] = [compare(args, g, env, Path(scratch))
                                 for g in args.graphs.split(",")]
    write_report(args, report, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
