#!/usr/bin/env python3
"""n2v-mpi against n2v, side by side on one machine, as ratios.

Interleaved rounds (single, then distributed, per round; medians quoted):
  * `n2v embed --workers R*T` (one process, R*T threads) against
    `mpirun -np R n2v-mpi embed --workers T` (R ranks x T threads), same
    flags and seed, on each graph;
  * wall time of the whole command (load, train, write), the largest
    process's peak RSS (/usr/bin/time), and from n2v-mpi's summary the
    bytes it sent per walk step and per trained pair;
  * a capped run: n2v-mpi with --memory-per-rank below what one process
    needs for the whole model, refused on 1 rank and run on R.
With --scaling "1x4,2x4,4x4" it times n2v-mpi alone at each ranks x threads,
interleaved (parallel efficiency against the first), for a machine with the
cores.

Writes bench/results/distributed-<date>.json and .md. R-MAT graphs are
generated once into --workdir by bench/peers/run_peers.py's generator.

usage: bench/distributed_bench.py [--graphs blogcatalog,rmat-10M] [--rounds 3]
         [--ranks 2] [--threads 1] [--walks 10] [--length 80] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"
GRAPHS = {"blogcatalog": DATASETS / "blogcatalog" / "blogcatalog.edgelist",
          "facebook": DATASETS / "facebook" / "facebook_combined.edgelist"}
RMAT_EDGES = {"rmat-1M": 1_000_000, "rmat-10M": 10_000_000, "rmat-50M": 50_000_000}
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1"}


def graph_path(name: str, workdir: Path) -> Path:
    if name in GRAPHS:
        return GRAPHS[name]
    path = workdir / f"{name}.edgelist"
    if not path.exists():
        sys.path.insert(0, str(REPO / "bench" / "peers"))
        from run_peers import generate_rmat  # noqa: E402
        print(f"generating {name} into {path}", file=sys.stderr)
        generate_rmat(str(path), RMAT_EDGES[name], seed=1)
    return path


def timed(argv: list[str], env: dict) -> tuple[float, list[int], str]:
    """Runs argv; returns wall seconds, every process's peak RSS (KiB) as
    /usr/bin/time reported it, and stderr."""
    start = datetime.datetime.now()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env)
    seconds = (datetime.datetime.now() - start).total_seconds()
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(argv)}\n{proc.stderr[-3000:]}")
    rss = [int(m) for m in re.findall(r"peak-rss-kib (\d+)", proc.stderr)]
    return seconds, rss, proc.stderr


def summary_numbers(stderr: str) -> dict:
    """Bytes, steps and pairs from n2v-mpi embed's summary lines."""
    out = {}
    if m := re.search(r"sent ([\d.]+) MiB: walks ([\d.]+) MiB \((\d+) steps in training, "
                      r"(\d+) migrations, (\d+) remote arc tests\), sharing walks ([\d.]+) MiB, "
                      r"context blocks ([\d.]+) MiB", stderr):
        mib = 1 << 20
        out.update(sent_bytes=float(m[1]) * mib, walk_bytes=float(m[2]) * mib,
                   steps=int(m[3]), migrations=int(m[4]), arc_queries=int(m[5]),
                   share_bytes=float(m[6]) * mib, ring_bytes=float(m[7]) * mib)
    if m := re.search(r"; (\d+) pairs, loss per epoch", stderr):
        out["pairs"] = int(m[1])
    if m := re.search(r"largest rank: graph ([\d.]+) MiB, model ([\d.]+) MiB", stderr):
        out.update(graph_mib_per_rank=float(m[1]), model_mib_per_rank=float(m[2]))
    if m := re.search(r"updates ([\d.]+) s, ring ([\d.]+) s", stderr):
        out.update(update_seconds=float(m[1]), ring_seconds=float(m[2]))
    return out


def commands(args, graph: Path, out: Path, ranks: int, threads: int) -> tuple[list, list]:
    flags = ["--input", str(graph), "--num-walks", str(args.walks), "--walk-length",
             str(args.length), "--seed", "3"] + (["--batch-windows"] if args.batch_windows else [])
    time = ["/usr/bin/time", "-f", "peak-rss-kib %M"]
    single = time + [str(args.n2v), "embed", *flags, "--workers", str(ranks * threads),
                     "--output", str(out / "single.emb"), "--quiet"]
    distributed = [args.mpirun, "-np", str(ranks), "--oversubscribe", *time,
                   str(args.n2v_mpi), "embed", *flags, "--workers", str(threads),
                   "--output", str(out / "mpi.emb")]
    return single, distributed


def compare(args, name: str, env: dict, out: Path) -> dict:
    graph = graph_path(name, Path(args.workdir))
    single_cmd, mpi_cmd = commands(args, graph, out, args.ranks, args.threads)
    rounds = []
    for r in range(args.rounds):
        s_sec, s_rss, _ = timed(single_cmd, env)
        m_sec, m_rss, m_err = timed(mpi_cmd, env)
        row = {"single_seconds": s_sec, "single_rss_kib": max(s_rss),
               "mpi_seconds": m_sec, "mpi_rss_kib_per_rank": m_rss, **summary_numbers(m_err)}
        rounds.append(row)
        print(f"{name} round {r + 1}: n2v {s_sec:.2f} s, n2v-mpi {m_sec:.2f} s", file=sys.stderr)
    med = lambda key: statistics.median(row[key] for row in rounds)  # noqa: E731
    last = rounds[-1]
    result = {"graph": name, "rounds": rounds,
              "single_seconds_median": med("single_seconds"),
              "mpi_seconds_median": med("mpi_seconds"),
              "single_rss_mib": max(r["single_rss_kib"] for r in rounds) / 1024,
              "mpi_rss_mib_largest_rank": max(max(r["mpi_rss_kib_per_rank"]) for r in rounds) / 1024}
    result["time_ratio"] = result["mpi_seconds_median"] / result["single_seconds_median"]
    if "steps" in last and last.get("pairs"):
        result["walk_bytes_per_step"] = last["walk_bytes"] / (2 * last["steps"])
        result["train_bytes_per_pair"] = (last["share_bytes"] + last["ring_bytes"]) / last["pairs"]
    return result


def capped(args, env: dict, out: Path) -> dict:
    """--memory-per-rank at 3/4 of the whole model (input and context rows
    of every node): refused on 1 rank, run on --capped-ranks ranks."""
    graph = graph_path(args.capped_graph, Path(args.workdir))
    single_cmd, mpi_cmd = commands(args, graph, out, args.capped_ranks, args.threads)
    _, single_rss, single_err = timed([a for a in single_cmd if a != "--quiet"], env)
    nodes = int(re.search(r"graph: (\d+) nodes", single_err)[1])
    stride = (128 + 15) // 16 * 16
    model_mib = 2 * nodes * stride * 4 / (1 << 20)
    cap_mib = round(model_mib * 0.75, 1)
    cap = ["--memory-per-rank", f"{cap_mib}MiB", "--walks-per-wave", "512"]
    one = subprocess.run([args.mpirun, "-np", "1", str(args.n2v_mpi),
                          *mpi_cmd[mpi_cmd.index("embed"):], *cap],
                         capture_output=True, text=True, env=env)
    seconds, rss, stderr = timed(mpi_cmd + cap, env)
    return {"graph": args.capped_graph, "single_rss_mib": max(single_rss) / 1024,
            "nodes": nodes, "whole_model_mib": model_mib, "cap_mib": cap_mib,
            "one_rank_refused": one.returncode != 0,
            "one_rank_message": next((l for l in one.stderr.splitlines() if "error:" in l), ""),
            "ranks": args.capped_ranks, "seconds": seconds,
            "rss_mib_per_rank": [k / 1024 for k in rss], **summary_numbers(stderr)}


def scaling(args, env: dict, out: Path) -> list:
    rows = []
    for name in args.graphs.split(","):
        graph = graph_path(name, Path(args.workdir))
        shapes = [tuple(map(int, shape.split("x"))) for shape in args.scaling.split(",")]
        times = {shape: [] for shape in shapes}
        # Interleaved: each round runs every shape once.
        for _ in range(args.rounds):
            for ranks, threads in shapes:
                _, mpi_cmd = commands(args, graph, out, ranks, threads)
                times[(ranks, threads)].append(timed(mpi_cmd, env)[0])
        for ranks, threads in shapes:
            rows.append({"graph": name, "ranks": ranks, "threads": threads,
                         "seconds": times[(ranks, threads)],
                         "seconds_median": statistics.median(times[(ranks, threads)])})
    for row in rows:
        base = next(r for r in rows if r["graph"] == row["graph"])
        cores = row["ranks"] * row["threads"]
        base_cores = base["ranks"] * base["threads"]
        row["efficiency"] = base["seconds_median"] * base_cores / (row["seconds_median"] * cores)
    return rows


def markdown(report: dict) -> str:
    if "comparisons" not in report:
        return scaling_markdown(report)
    lines = [f"# n2v-mpi against n2v, {report['date']}", "",
             f"Machine: {report['machine']}. Flags: `--num-walks {report['walks']} "
             f"--walk-length {report['length']}"
             f"{' --batch-windows' if report.get('batch_windows') else ''}` "
             "(d 128, window 10, 1 epoch), seed 3. "
             f"n2v: 1 process x {report['ranks'] * report['threads']} threads; n2v-mpi: "
             f"{report['ranks']} ranks x {report['threads']} thread(s). Medians of "
             f"{report['rounds']} interleaved rounds; wall time of the whole command "
             "(load, train, write).", "",
             "| graph | n2v s | n2v-mpi s | ratio | n2v peak RSS MiB | n2v-mpi largest rank RSS MiB "
             "| walk bytes/step | training bytes/pair |", "|---|---|---|---|---|---|---|---|"]
    for c in report["comparisons"]:
        lines.append(f"| {c['graph']} | {c['single_seconds_median']:.2f} | "
                     f"{c['mpi_seconds_median']:.2f} | {c['time_ratio']:.2f} | "
                     f"{c['single_rss_mib']:.0f} | {c['mpi_rss_mib_largest_rank']:.0f} | "
                     f"{c.get('walk_bytes_per_step', 0):.1f} | {c.get('train_bytes_per_pair', 0):.2f} |")
    if cap := report.get("capped"):
        lines += ["", f"Capped run on {cap['graph']} ({cap['nodes']} nodes): the whole model "
                  f"(input and context rows) is {cap['whole_model_mib']:.1f} MiB; with "
                  f"`--memory-per-rank {cap['cap_mib']}MiB` n2v-mpi on 1 rank is "
                  f"{'refused' if cap['one_rank_refused'] else 'NOT refused'} "
                  f"(`{cap['one_rank_message']}`), and on {cap['ranks']} ranks it runs in "
                  f"{cap['seconds']:.1f} s, each rank holding a "
                  f"{cap.get('model_mib_per_rank', 0):.1f} MiB model part "
                  f"(peak RSS per rank, MPI runtime included: "
                  f"{', '.join(f'{m:.0f}' for m in cap['rss_mib_per_rank'])} MiB; one process "
                  f"peaks at {cap['single_rss_mib']:.0f} MiB)."]
    return "\n".join(lines) + "\n"


def scaling_markdown(report: dict) -> str:
    lines = [f"# n2v-mpi scaling, {report['date']}", "",
             f"Machine: {report['machine']}. Flags: `--num-walks {report['walks']} "
             f"--walk-length {report['length']}` (d 128, window 10, 1 epoch), seed 3. "
             f"Medians of {report['rounds']} interleaved rounds; wall time of the whole "
             "command. Efficiency: the first shape's core-seconds over each shape's.", "",
             "| graph | ranks x threads | seconds | efficiency |", "|---|---|---|---|"]
    for r in report["scaling"]:
        lines.append(f"| {r['graph']} | {r['ranks']}x{r['threads']} | "
                     f"{r['seconds_median']:.2f} | {r['efficiency']:.2f} |")
    return "\n".join(lines) + "\n"


def add_workload_args(ap: argparse.ArgumentParser, graphs: str, out_prefix: str) -> None:
    """The flags of every n2v-mpi benchmark: graphs, rounds, ranks x threads,
    walks, where R-MAT graphs are kept and where the report goes."""
    ap.add_argument("--graphs", default=graphs)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--walks", type=int, default=10)
    ap.add_argument("--length", type=int, default=80)
    ap.add_argument("--workdir", default=tempfile.gettempdir())
    ap.add_argument("--out", default=str(REPO / "bench" / "results" /
                                         f"{out_prefix}-{datetime.date.today().isoformat()}"))


def add_run_args(ap: argparse.ArgumentParser, graphs: str, out_prefix: str) -> None:
    """The flags every n2v-mpi against n2v benchmark takes."""
    add_workload_args(ap, graphs, out_prefix)
    ap.add_argument("--build", default=str(REPO / "build"))


def prepare(args) -> tuple[dict, dict]:
    """Finds the binaries and mpirun; returns the environment for mpirun and
    the report's header."""
    args.n2v = Path(args.build) / "cli" / "n2v"
    args.n2v_mpi = Path(args.build) / "cli" / "n2v-mpi"
    args.mpirun = shutil.which("mpirun") or sys.exit("mpirun not found")
    report = {"date": datetime.date.today().isoformat(),
              "machine": f"{os.cpu_count()} cores", "rounds": args.rounds,
              "ranks": args.ranks, "threads": args.threads, "walks": args.walks,
              "length": args.length}
    return dict(os.environ, **MPI_ENV), report


def write_report(args, report: dict, markdown) -> None:
    """bench/results/<name>.json and .md, and the table on stdout."""
    Path(args.out + ".json").write_text(json.dumps(report, indent=1) + "\n")
    Path(args.out + ".md").write_text(markdown(report))
    print(markdown(report))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_run_args(ap, "blogcatalog,rmat-10M", "distributed")
    ap.add_argument("--capped-graph", default="blogcatalog")
    ap.add_argument("--capped-ranks", type=int, default=4)
    ap.add_argument("--scaling", default="", help='e.g. "1x4,2x4,4x4": n2v-mpi alone')
    ap.add_argument("--batch-windows", action="store_true",
                    help="both programs train batches of windows")
    args = ap.parse_args()
    env, report = prepare(args)
    report["batch_windows"] = args.batch_windows
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        if args.scaling:
            report["scaling"] = scaling(args, env, out)
        else:
            report["comparisons"] = [compare(args, g, env, out) for g in args.graphs.split(",")]
            report["capped"] = capped(args, env, out)
    write_report(args, report, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
