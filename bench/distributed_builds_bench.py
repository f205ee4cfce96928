#!/usr/bin/env python3
"""Two builds of n2v-mpi side by side: where a change moved the time.

Interleaved rounds (the base build, then the new one, per round; medians
quoted) of `mpirun -np R n2v-mpi embed --workers T` with the same flags and
seed, on each graph. From each run's summary: the counting pass, rank 0's
walks, updates and ring passes, the whole command's time, the bytes sent
per trained pair, and the final loss, which must be equal when the change
keeps the walks and the training as they were; and the largest rank's peak
RSS (/usr/bin/time around each rank).

Writes <--out>.json and .md (default bench/results/distributed-builds-<date>).

usage: bench/distributed_builds_bench.py --base BUILD --new BUILD
         [--graphs blogcatalog,rmat-10M] [--rounds 3] [--ranks 2] [--threads 1]
         [--walks 10] [--length 80] [--dimensions 128] [--walks-per-wave N]
         [--workdir DIR] [--out PATH]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from distributed_bench import MPI_ENV, add_workload_args, graph_path  # noqa: E402

SUMMARY = re.compile(
    r"counted in (?P<counted>[\d.]+) s, trained in [\d.]+ s \(rank 0: walks "
    r"(?P<walks>[\d.]+) s, .*updates (?P<updates>[\d.]+) s, ring (?P<ring>[\d.]+) s\).*"
    r"loss per epoch (?P<loss>[\d.]+); (?P<total>[\d.]+) s in all.*"
    r"\((?P<training_bytes_per_pair>[\d.]+) bytes per trained pair\)", re.S)
PHASES = ("counted", "walks", "updates", "ring", "total", "training_bytes_per_pair",
          "rss_mib")


def run_once(n2v_mpi: Path, graph: Path, args, env: dict) -> dict:
    """One n2v-mpi run; its phase times and loss from the summary. mpirun
    now and then drops a rank's last line on exit (/usr/bin/time's), so a
    run that lacks one is run again, at most twice."""
    for _ in range(3):
        run = run_measured(n2v_mpi, graph, args, env)
        if run is not None:
            return run
    sys.exit(f"{n2v_mpi}: three runs lacked a rank's peak RSS")


def run_measured(n2v_mpi: Path, graph: Path, args, env: dict) -> dict | None:
    """One n2v-mpi run, or None when a rank's peak RSS is missing."""
    with tempfile.TemporaryDirectory() as scratch:
        argv = ["mpirun", "-np", str(args.ranks), "/usr/bin/time", "-f", "peak-rss-kib %M",
                str(n2v_mpi), "embed",
                "--input", str(graph), "--num-walks", str(args.walks),
                "--walk-length", str(args.length), "--dimensions", str(args.dimensions),
                "--workers", str(args.threads), "--seed", "3",
                "--output", str(Path(scratch) / "out.txt")]
        if args.walks_per_wave:
            argv += ["--walks-per-wave", str(args.walks_per_wave)]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    found = SUMMARY.search(done.stderr)
    if found is None:
        sys.exit(f"no summary in the output of {' '.join(argv)}:\n{done.stderr}")
    rss = [int(m) for m in re.findall(r"peak-rss-kib (\d+)", done.stderr)]
    if len(rss) < args.ranks:
        return None
    return {**{k: float(v) for k, v in found.groupdict().items()}, "rss_mib": max(rss) / 1024}


def markdown(report: dict) -> str:
    lines = [f"# n2v-mpi, two builds side by side, {report['date']}", "",
             f"Machine: {report['machine']}. `mpirun -np {report['ranks']} n2v-mpi embed "
             f"--workers {report['threads']} --num-walks {report['walks']} --walk-length "
             f"{report['length']} --dimensions {report['dimensions']}"
             + (f" --walks-per-wave {report['walks_per_wave']}" if report.get('walks_per_wave') else "")
             + f"`, seed 3. Medians of "
             f"{report['rounds']} interleaved rounds (base, then new). Times in seconds: "
             "the counting pass, rank 0's walks, updates and ring passes while training, "
             "and the whole command; bytes sent to share walks and pass blocks, per trained pair; "
             "the largest rank's peak RSS.", "",
             "| graph | build | counting | walks | updates | ring | total | training bytes/pair "
             "| peak RSS MiB | loss |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for graph, builds in report["graphs"].items():
        for build in ("base", "new"):
            m = builds[build]["median"]
            lines.append(f"| {graph} | {build} | {m['counted']:.2f} | {m['walks']:.2f} | "
                         f"{m['updates']:.2f} | {m['ring']:.2f} | {m['total']:.2f} | "
                         f"{m['training_bytes_per_pair']:.2f} | {m['rss_mib']:.0f} | "
                         f"{builds[build]['losses'][0]:.5f} |")
        ratio = builds["base"]["median"]["total"] / builds["new"]["median"]["total"]
        rss = builds["base"]["median"]["rss_mib"] / builds["new"]["median"]["rss_mib"]
        lines.append(f"| {graph} | base / new | | | | | {ratio:.2f} | | {rss:.2f} | |")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="build directory of the base")
    ap.add_argument("--new", required=True, help="build directory of the change")
    add_workload_args(ap, "blogcatalog,rmat-10M", "distributed-builds")
    ap.add_argument("--dimensions", type=int, default=128)
    ap.add_argument("--walks-per-wave", type=int, default=0, help="0: n2v-mpi's default")
    args = ap.parse_args()
    env = dict(os.environ, **MPI_ENV)
    builds = {"base": Path(args.base) / "cli" / "n2v-mpi",
              "new": Path(args.new) / "cli" / "n2v-mpi"}
    report = {"date": datetime.date.today().isoformat(), "machine": f"{os.cpu_count()} cores",
              "rounds": args.rounds, "ranks": args.ranks, "threads": args.threads,
              "walks": args.walks, "length": args.length, "dimensions": args.dimensions,
              "walks_per_wave": args.walks_per_wave, "graphs": {}}
    for name in args.graphs.split(","):
        graph = graph_path(name, Path(args.workdir))
        runs = {build: [] for build in builds}
        for round_ in range(args.rounds):
            for build, binary in builds.items():
                runs[build].append(run_once(binary, graph, args, env))
                print(f"{name} round {round_ + 1} {build}: {runs[build][-1]}", file=sys.stderr)
        report["graphs"][name] = {
            build: {"runs": r,
                    "median": {p: statistics.median(x[p] for x in r) for p in PHASES},
                    "losses": sorted({x["loss"] for x in r})}
            for build, r in runs.items()}
    Path(args.out + ".json").write_text(json.dumps(report, indent=1) + "\n")
    Path(args.out + ".md").write_text(markdown(report))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
