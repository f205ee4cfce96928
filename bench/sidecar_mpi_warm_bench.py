#!/usr/bin/env python3
"""A warm job on a sidecar under mpirun against the same job on one
sidecar process with as many threads, side by side, as a ratio.

The previous vectors (input and context) come from a cold job on the
graph; the graph then grows by 1% new edges, a tenth of them to new nodes,
and each round re-embeds it warm on `mpirun -np R n2v-sidecar` (1 thread
per rank, the job on every rank) and on one `n2v-sidecar` (R threads),
alternating. Times run from start_job to SUCCEEDED (uploads excluded);
drift is the job's own report. Medians and their ratio.

usage: bench/sidecar_mpi_warm_bench.py --sidecar BINARY [--ranks 2]
         [--rounds 5] [--graph blogcatalog] [--out bench/results/NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from distributed_warm_bench import new_edges  # noqa: E402
from sidecar_mpi_bench import GRAPHS, JOB, read_edges  # noqa: E402

import numpy as np  # noqa: E402

import n2v_client  # noqa: E402
from sidecar_process import SidecarProcess  # noqa: E402


def grown(sources, targets):
    """The edges plus distributed_warm_bench's new edges; and how many new
    nodes they bring."""
    ids = np.unique(np.concatenate([sources, targets])).tolist()
    extra = np.array(new_edges(ids, len(sources)), dtype=np.int64)
    return (np.concatenate([sources, extra[:, 0]]), np.concatenate([targets, extra[:, 1]]),
            int((extra[:, 0] > ids[-1]).sum()))


def launcher(ranks: int) -> list:
    return [shutil.which("mpirun"), "-np", str(ranks), "--oversubscribe"] if ranks > 1 else []


def previous_vectors(binary: Path, edges, workdir: Path, threads: int):
    workdir.mkdir()
    with SidecarProcess(binary, workdir) as sidecar:
        client = n2v_client.Client(sidecar.target)
        snapshot = client.upload_graph(*edges)
        job = client.run_job(snapshot.snapshot_id, **dict(JOB, concurrency=threads),
                             keep_context=True)
        ids, vectors = client.fetch_embeddings(job.job_id)
        _, context = client.fetch_embeddings(job.job_id, context=True)
        return ids, vectors, context


def time_warm_job(binary: Path, ranks: int, threads: int, edges, initial, env,
                  workdir: Path) -> tuple[float, dict]:
    with SidecarProcess(binary, workdir, launcher=launcher(ranks), env=env) as sidecar:
        client = n2v_client.Client(sidecar.target)
        snapshot = client.upload_graph(*edges, initial=initial)
        start = time.monotonic()
        job = client.run_job(snapshot.snapshot_id, **dict(JOB, concurrency=threads),
                             warm_start=True)
        seconds = time.monotonic() - start
        if job.state != n2v_client.JobState.SUCCEEDED or job.ranks != ranks:
            raise SystemExit(f"job {job.state} on {job.ranks} ranks: {job.error}")
        return seconds, {"drift_mean": job.drift.mean, "drift_p95": job.drift.p95,
                         "copied": job.warm_started_nodes,
                         "seeded": job.neighbour_started_nodes}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sidecar", required=True, type=Path)
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--graph", default="blogcatalog", choices=sorted(GRAPHS))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    sources, targets = read_edges(GRAPHS[args.graph])
    times = {"one_process": [], "ranks": []}
    facts = {"one_process": [], "ranks": []}
    with tempfile.TemporaryDirectory() as tmp:
        initial = previous_vectors(args.sidecar, (sources, targets), Path(tmp) / "cold",
                                   args.ranks)
        *edges, fresh = grown(sources, targets)
        for round_ in range(args.rounds):
            for name, ranks, threads in (("one_process", 1, args.ranks),
                                         ("ranks", args.ranks, 1)):
                workdir = Path(tmp) / f"{name}-{round_}"
                workdir.mkdir()
                seconds, fact = time_warm_job(args.sidecar, ranks, threads, edges, initial,
                                              env, workdir)
                times[name].append(seconds)
                facts[name].append(fact)
            print(f"round {round_ + 1}: one process {times['one_process'][-1]:.2f} s, "
                  f"{args.ranks} ranks {times['ranks'][-1]:.2f} s", flush=True)
    medians = {k: statistics.median(v) for k, v in times.items()}
    report = {"graph": args.graph, "ranks": args.ranks, "new_nodes": fresh, "job": JOB,
              "seconds": times, "facts": facts, "median_seconds": medians,
              "ratio": medians["ranks"] / medians["one_process"]}
    print(json.dumps(medians), f"ratio {report['ratio']:.3f}")
    if args.out:
        args.out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
        args.out.with_suffix(".md").write_text(markdown(report, args))


def markdown(report: dict, args) -> str:
    rows = "\n".join(
        f"| {i + 1} | {a:.2f} | {b:.2f} | {fa['drift_mean']:.4f} / {fb['drift_mean']:.4f} |"
        for i, (a, b, fa, fb) in enumerate(zip(
            report["seconds"]["one_process"], report["seconds"]["ranks"],
            report["facts"]["one_process"], report["facts"]["ranks"])))
    m = report["median_seconds"]
    f = report["facts"]["ranks"][0]
    return (f"# n2v-sidecar: a warm job on {args.ranks} ranks against one process\n\n"
            f"A warm job on {args.graph} grown by 1% edges ({report['new_nodes']} new "
            f"nodes), from a cold job's input and context vectors ({ {k: v for k, v in report['job'].items() if k != 'concurrency'} }, "
            f"warm learning rate): `mpirun -np {args.ranks} n2v-sidecar` with 1 thread per "
            f"rank against one `n2v-sidecar` with {args.ranks} threads, alternating, "
            f"{args.rounds} rounds, timed from the client from start to SUCCEEDED. Both "
            f"start {f['copied']} nodes from their vectors and {f['seeded']} from their "
            f"neighbours'.\n\n"
            f"| round | one process s | {args.ranks} ranks s | drift mean one / ranks |\n"
            f"|---|---|---|---|\n{rows}\n"
            f"| median | {m['one_process']:.2f} | {m['ranks']:.2f} | |\n\n"
            f"Ratio ranks / one process: {report['ratio']:.3f}.\n")


if __name__ == "__main__":
    main()
