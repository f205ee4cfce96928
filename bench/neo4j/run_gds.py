#!/usr/bin/env python3
"""n2v.write against Neo4j GDS's gds.node2vec.write in one embedded Neo4j.

Builds n2v-sidecar and the bench/neo4j module (root pom, profile `bench`),
runs org.n2v.bench.neo4j.GdsComparison (an embedded Neo4j 5.26 holding both
tools' procedures; the graph loaded once; every tool once per round, order
rotating, after an unrecorded warm-up: n2v.write with one map, n2v-named
through n2v.graph.project + n2v.write('g', ...) + n2v.graph.drop, and GDS),
scores every written embedding with bench/quality/n2v_quality.py (Macro-F1
at 50% labelled, one-vs-rest logistic regression) and writes
bench/results/neo4j-gds-<date>[-tag].json and .md: median wall time per
phase (read, compute, write) and end to end, the ratio of every tool to
anonymous n2v (n2v-named / n2v among them), and the Macro-F1 of every
written result.

  run_gds.py [--graph blogcatalog] [--p 1 --q 1] [--rounds 3] [--repeats 10]
             [--concurrency 2] [--heap 8g] [--tag T] [--skip-build]
             [--sidecar build/sidecar/n2v-sidecar]
  run_gds.py --report-only bench/results/neo4j-gds-<date>.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HARNESS = os.path.join(ROOT, "bench", "quality", "n2v_quality.py")
GRAPHS = {
    "blogcatalog": ("BlogCatalog", "blogcatalog/blogcatalog.edgelist", "blogcatalog/blogcatalog.labels"),
    "karate": ("Zachary's karate club", "karate/karate.edgelist", None),
}
PHASES = ("read_ms", "compute_ms", "write_ms", "wall_ms")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--graph", default="blogcatalog", choices=sorted(GRAPHS))
    p.add_argument("--datasets", default=os.path.join("..", "shared", "datasets"),
                   help="datasets folder, relative to the repository root unless absolute")
    p.add_argument("--p", type=float, default=1.0)
    p.add_argument("--q", type=float, default=1.0)
    p.add_argument("--rounds", type=int, default=3, help="timed rounds per tool (default 3); medians")
    p.add_argument("--repeats", type=int, default=10, help="classifier splits per embedding (default 10)")
    p.add_argument("--concurrency", type=int, default=2)
    p.add_argument("--heap", default="8g", help="JVM heap of the embedded Neo4j (default 8g)")
    p.add_argument("--tag", default="", help="suffix of the result files")
    p.add_argument("--skip-build", action="store_true")
    p.add_argument("--sidecar", default=os.path.join("build", "sidecar", "n2v-sidecar"),
                   help="n2v-sidecar binary, relative to the repository root unless absolute "
                        "(default build/sidecar/n2v-sidecar, which the build makes)")
    p.add_argument("--report-only", metavar="JSON", help="rewrite the markdown of an earlier result")
    p.add_argument("--comparison-args", default="", help="extra GdsComparison options (small test runs)")
    return p.parse_args(argv)


def build() -> None:
    subprocess.run(["scripts/build.sh"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["mvn", "-q", "-B", "-Pbench", "-pl", "bench/neo4j", "-am", "package", "-DskipTests"],
                   cwd=ROOT, check=True)


def run_comparison(args, edges: str, out_dir: str) -> dict:
    # Runs in the repository root with relative paths, so the report names
    # the graph as the repository does.
    classpath = os.pathsep.join(["bench/neo4j/target/n2v-bench-neo4j.jar", "bench/neo4j/target/lib/*"])
    cmd = ["java", f"-Xmx{args.heap}", "-cp", classpath, "org.n2v.bench.neo4j.GdsComparison",
           "--edges", edges, "--sidecar", args.sidecar,
           "--out", out_dir, "--p", str(args.p), "--q", str(args.q), "--rounds", str(args.rounds),
           "--concurrency", str(args.concurrency)] + args.comparison_args.split()
    proc = subprocess.run(cmd, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for line in proc.stdout.splitlines():
        if not line.startswith("SLF4J"):
            print(line, flush=True)
    if proc.returncode != 0:
        raise SystemExit(f"run_gds: GdsComparison failed (exit {proc.returncode})")
    with open(os.path.join(out_dir, "gds-comparison.json")) as f:
        return json.load(f)


def macro_f1(embedding: str, labels: str, repeats: int) -> dict:
    cmd = [sys.executable, HARNESS, "classify", "--embedding", embedding, "--labels", labels,
           "--train-ratio", "0.5", "--repeats", str(repeats), "--jobs", "2", "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    row = json.loads(proc.stdout)["results"][0]
    return {"macro_f1": row["macro_f1_mean"], "macro_f1_std": row["macro_f1_std"],
            "micro_f1": row["micro_f1_mean"]}


def summarize(runs: list[dict]) -> dict:
    """Per tool: median of each phase over its rounds, mean Macro-F1 over
    the scored rounds, and tool / n2v (anonymous) ratios of the medians."""
    tools: dict[str, dict] = {}
    for run in runs:
        tools.setdefault(run["tool"], {"runs": []})["runs"].append(run)
    for tool, row in tools.items():
        for phase in PHASES:
            row[phase] = statistics.median(r[phase] for r in row["runs"])
        f1 = [r["quality"]["macro_f1"] for r in row["runs"] if "macro_f1" in r.get("quality", {})]
        row["macro_f1"] = statistics.fmean(f1) if f1 else None
        row["rounds"] = len(row["runs"])
    base = tools.get("n2v")
    if base:
        for tool, row in tools.items():
            row["ratio"] = {phase: (row[phase] / base[phase] if base[phase] > 0 else None) for phase in PHASES}
            if row["macro_f1"] is not None and base["macro_f1"] is not None:
                row["macro_f1_diff"] = row["macro_f1"] - base["macro_f1"]
    return tools


def named_vs_anonymous(summary: dict) -> dict | None:
    """n2v through a named graph / n2v with one map: the ratio of the medians
    per phase and the Macro-F1 difference (None without both rows)."""
    named = summary.get("n2v-named")
    if not named or "n2v" not in summary:
        return None
    return {"ratio": named.get("ratio"), "macro_f1_diff": named.get("macro_f1_diff")}


def table_order(tool: str) -> tuple:
    return ({"n2v": 0, "n2v-named": 1}.get(tool, 2), tool)


def fmt_ms(ms: float) -> str:
    return f"{ms / 1000:.2f} s"


def fmt_ratio(x) -> str:
    return "—" if x is None else f"{x:.1f}×"


def fmt_ratio2(x) -> str:
    return "—" if x is None else f"{x:.2f}×"


def markdown(report: dict) -> str:
    s = report["summary"]
    params = report["comparison"]["parameters"]
    graph = report["comparison"]["graph"]
    v = report["comparison"]["versions"]
    lines = [
        f"# n2v.write vs gds.node2vec.write — {report['title']} ({report['date']})",
        "",
        f"One embedded Neo4j {v['neo4j']} with both plugins' procedures; GDS {v['gds']} (open source). "
        f"{graph['nodes']:,} nodes, {graph['relationships']:,} relationships (UNDIRECTED). "
        f"d {params['dimensions']}, r {params['walks_per_node']}, l {params['walk_length']}, "
        f"k {params['window']}, {params['negatives']} negatives, {params['iterations']} epoch, "
        f"p {params['p']}, q {params['q']}, concurrency {params['concurrency']}, learning rate "
        f"{params['learning_rate']} (gds-default-lr: GDS's default 0.01). "
        f"Median of {report['rounds']} rounds, tools interleaved, after a warm-up. "
        "n2v's read = read from Neo4j + upload to the sidecar; GDS's read = gds.graph.project + "
        "its pre-processing; end to end = wall time of the Cypher calls (GDS: project + write + drop)."
        + (" n2v-named: the same n2v run through a named graph, n2v.graph.project + "
           "n2v.write('g', ...) + n2v.graph.drop; its read = n2v.graph.project (read from Neo4j + "
           "upload) + its pre-processing; end to end = project + write + drop." if "n2v-named" in s else ""),
        "",
        "| tool | read | compute | write | end to end | × n2v (end to end) | compute × n2v | Macro-F1 | ΔF1 vs n2v |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for tool in sorted(s, key=table_order):
        row = s[tool]
        ratio = row.get("ratio", {})
        f1 = "—" if row["macro_f1"] is None else f"{row['macro_f1']:.4f}"
        diff = row.get("macro_f1_diff")
        lines.append(
            f"| {tool} | {fmt_ms(row['read_ms'])} | {fmt_ms(row['compute_ms'])} | {fmt_ms(row['write_ms'])} "
            f"| {fmt_ms(row['wall_ms'])} | {fmt_ratio(ratio.get('wall_ms'))} | {fmt_ratio(ratio.get('compute_ms'))} "
            f"| {f1} | {'—' if diff is None or tool == 'n2v' else f'{diff:+.4f}'} |")
    nva = report.get("named_vs_anonymous") or named_vs_anonymous(s)
    if nva and nva.get("ratio"):
        r = nva["ratio"]
        diff = nva.get("macro_f1_diff")
        lines += ["", "n2v-named / n2v (named graph vs one map): read " + fmt_ratio2(r.get("read_ms"))
                  + ", compute " + fmt_ratio2(r.get("compute_ms")) + ", write " + fmt_ratio2(r.get("write_ms"))
                  + ", end to end " + fmt_ratio2(r.get("wall_ms"))
                  + ("" if diff is None else f"; ΔF1 {diff:+.4f}") + "."]
    lines += ["", "Per round (end to end): " + "; ".join(
        f"{tool} " + " / ".join(fmt_ms(r["wall_ms"]) for r in s[tool]["runs"]) for tool in sorted(s))]
    rss = report["comparison"].get("n2v_sidecar_peak_rss_bytes", -1)
    est = report["comparison"].get("memory_estimates")
    memory = []
    if est:
        lo, hi = est["gds_bytes_min"] / 2**20, est["gds_bytes_max"] / 2**20
        gds = f"{hi:.0f}" if round(lo) == round(hi) else f"{lo:.0f}–{hi:.0f}"
        memory.append(f"each tool's own estimate for one run, graph included: n2v {est['n2v_bytes'] / 2**20:.0f} MiB "
                      f"(sidecar), GDS {gds} MiB (Neo4j heap; {est['gds_bytes_max'] / max(est['n2v_bytes'], 1):.1f}× n2v's)")
    if rss > 0:
        memory.append(f"n2v-sidecar peak RSS measured {rss / 2**20:.0f} MiB")
    if memory:
        lines += ["", "Memory: " + "; ".join(memory) + "."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    if args.report_only:
        with open(args.report_only) as f:
            report = json.load(f)
        with open(args.report_only[:-5] + ".md", "w") as f:
            f.write(markdown(report))
        return 0
    title, edges_rel, labels_rel = GRAPHS[args.graph]
    datasets = os.path.join(ROOT, args.datasets)  # unchanged when absolute
    edges = os.path.relpath(os.path.join(datasets, edges_rel), ROOT)
    if not args.skip_build:
        build()
    date = datetime.date.today().isoformat()
    with tempfile.TemporaryDirectory(prefix="n2v-gds-") as work:
        comparison = run_comparison(args, edges, work)
        for run in comparison["runs"]:
            if labels_rel:
                run["quality"] = macro_f1(os.path.join(work, run["embedding"]),
                                          os.path.join(datasets, labels_rel), args.repeats)
                print(f"{run['tool']} round {run['round']}: {run['quality']}", flush=True)
    summary = summarize(comparison["runs"])
    report = {"title": title, "date": date, "rounds": args.rounds, "comparison": comparison,
              "summary": summary, "named_vs_anonymous": named_vs_anonymous(summary)}
    stem = os.path.join(ROOT, "bench", "results", f"neo4j-gds-{date}{'-' + args.tag if args.tag else ''}")
    with open(stem + ".json", "w") as f:
        json.dump(report, f, indent=1)
    with open(stem + ".md", "w") as f:
        f.write(markdown(report))
    print(markdown(report))
    print(f"wrote {stem}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
