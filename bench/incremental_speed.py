#!/usr/bin/env python3
"""Incremental re-embedding against a full warm re-run, side by side.

For a labelled graph (BlogCatalog by default) and a few change sizes, holds
out a seeded random fraction of the edges as "new", embeds the graph without
them (cold, keeping the context vectors), then embeds the full graph three
ways from that state and times each:

  full-warm    every node starts walks; vectors and context start from the
               previous run (--init, --init-context), small learning rate
  incremental  the same, but walks start only from the endpoints of the new
               edges (--walk-from): the engine's incremental mode, as the
               sidecar runs it for Node2VecParams.incremental
  cold         a fresh run with another seed (what a re-run without warm
               start gives)

Every result is aligned to the previous vectors (--align-to). Reported per
run: wall time, time ratio against full-warm, mean and 95th-percentile
relative drift of the nodes no new edge touches, and Macro-F1 at 50% with
the quality harness. Results go to bench/results/incremental-<date>.{json,md}.

Usage: bench/incremental_speed.py [--fractions 0.001,0.01] [--threads 2]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"


def read_edges(path: Path) -> np.ndarray:
    """The distinct undirected edges of a whitespace-separated edge list."""
    pairs = np.loadtxt(path, dtype=np.int64, comments="#", usecols=(0, 1))
    lo = np.minimum(pairs[:, 0], pairs[:, 1])
    hi = np.maximum(pairs[:, 0], pairs[:, 1])
    return np.unique(np.stack([lo, hi], axis=1), axis=0)


def write_edges(path: Path, edges: np.ndarray) -> None:
    np.savetxt(path, edges, fmt="%d", delimiter="\t")


def read_vectors(path: Path) -> dict[int, np.ndarray]:
    """word2vec text format -> {id: vector}."""
    rows = {}
    with open(path) as f:
        next(f)
        for line in f:
            parts = line.split()
            rows[int(parts[0])] = np.asarray(parts[1:], dtype=np.float32)
    return rows


def drift(new: dict, old: dict, skip: set) -> tuple[float, float, int]:
    """Mean and p95 of |new - old| / |old| over nodes in both, not in skip."""
    ids = [i for i in old if i in new and i not in skip]
    a = np.stack([new[i] for i in ids])
    b = np.stack([old[i] for i in ids])
    rel = np.linalg.norm(a - b, axis=1) / np.maximum(np.linalg.norm(b, axis=1), 1e-12)
    return float(rel.mean()), float(np.percentile(rel, 95)), len(ids)


def macro_f1(embedding: Path, labels: Path) -> float:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench/quality/n2v_quality.py"), "classify",
         "--embedding", str(embedding), "--labels", str(labels), "--repeats", "5",
         "--json"], check=True, capture_output=True, text=True).stdout
    result = json.loads(out)
    return float(result["results"][0]["macro_f1_mean"])


def embed(n2v: Path, args: list[str]) -> float:
    """Runs `n2v embed` and returns its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run([str(n2v), "embed", "--quiet", *args], check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", default=str(DATASETS / "blogcatalog/blogcatalog.edgelist"))
    parser.add_argument("--labels", default=str(DATASETS / "blogcatalog/blogcatalog.labels"))
    parser.add_argument("--fractions", default="0.001,0.01")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warm-alpha", default="0.0025")
    parser.add_argument("--n2v", default=str(ROOT / "build/cli/n2v"))
    parser.add_argument("--out", default=str(ROOT / "bench/results"))
    args = parser.parse_args()

    n2v = Path(args.n2v)
    labels = Path(args.labels)
    edges = read_edges(Path(args.graph))
    common = ["--dimensions", "128", "--walk-length", "80", "--num-walks", "10",
              "--window-size", "10", "--workers", str(args.threads),
              "--p", "1", "--q", "1"]
    rng = np.random.default_rng(1)
    # Paths in the report are relative to the repository (no machine paths).
    report = {"date": datetime.date.today().isoformat(),
              "graph": os.path.relpath(Path(args.graph).resolve(), ROOT),
              "edges": int(len(edges)), "threads": args.threads,
              "warm_alpha": args.warm_alpha, "changes": []}

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        full = tmp / "after.tsv"
        write_edges(full, edges)
        for fraction in (float(f) for f in args.fractions.split(",")):
            pick = rng.choice(len(edges), size=max(1, int(fraction * len(edges))),
                              replace=False)
            keep = np.ones(len(edges), dtype=bool)
            keep[pick] = False
            before = tmp / "before.tsv"
            write_edges(before, edges[keep])
            touched = set(np.unique(edges[pick]).tolist())
            walk_from = tmp / "touched.txt"
            walk_from.write_text("\n".join(map(str, sorted(touched))) + "\n")

            v0, c0 = tmp / "v0.emb", tmp / "c0.emb"
            embed(n2v, ["--input", str(before), "--output", str(v0),
                        "--context-output", str(c0), "--seed", "1", *common])
            old = read_vectors(v0)
            warm = ["--init", str(v0), "--init-context", str(c0),
                    "--alpha", args.warm_alpha, "--align-to", str(v0), "--seed", "2"]
            runs = {
                "full-warm": ["--input", str(full), *warm, *common],
                "incremental": ["--input", str(full), *warm,
                                "--walk-from", str(walk_from), *common],
                "cold": ["--input", str(full), "--seed", "3",
                         "--align-to", str(v0), *common],
            }
            change = {"fraction": fraction, "new_edges": int(len(pick)),
                      "touched_nodes": len(touched),
                      "touched_share": len(touched) / len(old), "runs": {}}
            for name, run_args in runs.items():
                out = tmp / f"{name}.emb"
                seconds = embed(n2v, [*run_args[:2], "--output", str(out), *run_args[2:]])
                mean, p95, measured = drift(read_vectors(out), old, touched)
                change["runs"][name] = {
                    "seconds": round(seconds, 3), "drift_mean": round(mean, 4),
                    "drift_p95": round(p95, 4), "measured_nodes": measured,
                    "macro_f1": round(macro_f1(out, labels), 4)}
                print(f"{fraction:.3%} {name:12s} {seconds:6.2f} s  drift {mean:.4f}"
                      f" p95 {p95:.4f}  F1 {change['runs'][name]['macro_f1']:.4f}",
                      flush=True)
            base = change["runs"]["full-warm"]["seconds"]
            for run in change["runs"].values():
                run["speedup_vs_full_warm"] = round(base / run["seconds"], 2)
            report["changes"].append(change)

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"incremental-{report['date']}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    stem.with_suffix(".md").write_text(markdown(report))
    print(f"wrote {stem}.json and .md")
    return 0


def markdown(report: dict) -> str:
    lines = [f"# Incremental re-embedding vs a full warm re-run ({report['date']})", "",
             f"{Path(report['graph']).name}: {report['edges']:,} distinct edges; "
             f"d 128, r 10, l 80, k 10, p = q = 1, {report['threads']} threads; "
             f"warm runs at learning rate {report['warm_alpha']}. "
             "Drift: relative L2 change of the aligned vectors of nodes no new "
             "edge touches. Produced by `bench/incremental_speed.py`.", "",
             "| new edges | touched nodes | run | wall s | speed-up vs full warm "
             "| drift mean | drift p95 | Macro-F1 |",
             "|---|---|---|---|---|---|---|---|"]
    for change in report["changes"]:
        for name, run in change["runs"].items():
            lines.append(
                f"| {change['new_edges']:,} ({change['fraction']:.1%}) "
                f"| {change['touched_nodes']:,} ({change['touched_share']:.1%}) "
                f"| {name} | {run['seconds']:.2f} | {run['speedup_vs_full_warm']:.2f}× "
                f"| {run['drift_mean']:.4f} | {run['drift_p95']:.4f} "
                f"| {run['macro_f1']:.4f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
