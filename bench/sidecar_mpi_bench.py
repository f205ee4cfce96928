#!/usr/bin/env python3
"""Two n2v-sidecar builds under the same mpirun, side by side: the same cold
job on the same graph, timed from the client (upload excluded), in
interleaved rounds; medians and their ratio.

It measures what a sidecar change costs a distributed job, e.g. the rank
watch (heartbeats, polled nonblocking calls) against a build without it.

usage: bench/sidecar_mpi_bench.py --sidecar NEW --baseline OLD [--ranks 2]
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "clients" / "python"))
sys.path.insert(0, str(REPO / "tests" / "support"))

import numpy as np  # noqa: E402

import n2v_client  # noqa: E402
from sidecar_process import SidecarProcess  # noqa: E402

DATASETS = REPO.parent / "shared" / "datasets"
GRAPHS = {"blogcatalog": DATASETS / "blogcatalog" / "blogcatalog.edgelist",
          "facebook": DATASETS / "facebook" / "facebook_combined.edgelist"}
JOB = dict(walks_per_node=10, walk_length=80, embedding_dimension=128,
           window_size=10, concurrency=1, random_seed=3)


def read_edges(path: Path):
    pairs = np.loadtxt(path, dtype=np.int64, comments="#", delimiter=None,
                       usecols=(0, 1), converters=None, ndmin=2)
    return pairs[:, 0], pairs[:, 1]


def time_job(binary: Path, ranks: int, edges, workdir: Path) -> float:
    """Seconds from start_job to SUCCEEDED on a fresh sidecar of `ranks` ranks."""
    mpirun = shutil.which("mpirun")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    with SidecarProcess(binary, workdir, launcher=[mpirun, "-np", str(ranks),
                                                   "--oversubscribe"], env=env) as sidecar:
        client = n2v_client.Client(sidecar.target)
        snapshot = client.upload_graph(*edges)
        start = time.monotonic()
        job = client.run_job(snapshot.snapshot_id, **JOB)
        seconds = time.monotonic() - start
        if job.state != n2v_client.JobState.SUCCEEDED or job.ranks != ranks:
            raise SystemExit(f"{binary}: job {job.state} on {job.ranks} ranks: {job.error}")
        return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sidecar", required=True, type=Path)
    ap.add_argument("--baseline", required=True, type=Path)
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--graph", default="blogcatalog", choices=sorted(GRAPHS))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    edges = read_edges(GRAPHS[args.graph])
    times = {"sidecar": [], "baseline": []}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            for name in ("baseline", "sidecar"):
                workdir = Path(tmp) / f"{name}-{round_}"
                workdir.mkdir()
                times[name].append(time_job(getattr(args, name), args.ranks, edges, workdir))
            print(f"round {round_ + 1}: baseline {times['baseline'][-1]:.2f} s, "
                  f"sidecar {times['sidecar'][-1]:.2f} s", flush=True)
    medians = {k: statistics.median(v) for k, v in times.items()}
    ratio = medians["sidecar"] / medians["baseline"]
    report = {"graph": args.graph, "ranks": args.ranks, "job": JOB, "seconds": times,
              "median_seconds": medians, "ratio": ratio}
    print(json.dumps(report["median_seconds"]), f"ratio {ratio:.3f}")
    if args.out:
        args.out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
        args.out.with_suffix(".md").write_text(markdown(report, args))


def markdown(report: dict, args) -> str:
    rows = "\n".join(f"| {i + 1} | {b:.2f} | {s:.2f} |" for i, (b, s) in enumerate(
        zip(report["seconds"]["baseline"], report["seconds"]["sidecar"])))
    m = report["median_seconds"]
    return (f"# n2v-sidecar under mpirun: two builds, one job\n\n"
            f"`mpirun -np {args.ranks} n2v-sidecar`, a cold job on {args.graph} "
            f"({report['job']}), timed from the client from start to SUCCEEDED; "
            f"the two builds alternate, {args.rounds} rounds.\n\n"
            f"| round | baseline s | sidecar s |\n|---|---|---|\n{rows}\n"
            f"| median | {m['baseline']:.2f} | {m['sidecar']:.2f} |\n\n"
            f"Ratio sidecar / baseline: {report['ratio']:.3f}.\n")


if __name__ == "__main__":
    main()
