#!/usr/bin/env python3
"""Measures the engine end to end and writes bench/results/engine-<date>.{json,md}.

Two parts, each run side by side in one invocation on the same machine:
  * quality: Macro/Micro-F1 on BlogCatalog (p = q = 0.25 and p = q = 1) and
    link-prediction AUC on Facebook, scored by bench/quality/n2v_quality.py;
  * modes: fast (Hogwild) against deterministic training, same graph, same
    parameters, same threads, as wall-time ratios and peak RSS.

Usage: bench/engine_report.py [--n2v build/cli/n2v] [--data ../shared/datasets]
                              [--repeats 3] [--skip-quality] [--skip-modes]
"""
import argparse
import datetime
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARNESS = os.path.join(ROOT, "bench", "quality", "n2v_quality.py")
PAPER = "--dimensions 128 --walk-length 80 --num-walks 10 --window-size 10 --iter 1"


def run_timed(cmd):
    """Runs cmd (a list); returns (wall seconds, its own peak RSS in MiB, stderr)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        err.seek(0)
        stderr = err.read()
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{stderr}")
    return wall, usage.ru_maxrss / 1024.0, stderr


def classify(emb, labels):
    out = subprocess.run([sys.executable, HARNESS, "classify", "--embedding", emb,
                          "--labels", labels, "--repeats", "10", "--json"],
                         capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    row = result["results"][0]
    return {"macro_f1": row["macro_f1_mean"], "macro_f1_std": row["macro_f1_std"],
            "micro_f1": row["micro_f1_mean"], "micro_f1_std": row["micro_f1_std"]}


def quality(args, tmp):
    data = args.data
    results = []
    for p, q in ((0.25, 0.25), (1.0, 1.0)):
        emb = os.path.join(tmp, f"bc_{p}_{q}.emb")
        cmd = [args.n2v, "embed", "--input", f"{data}/blogcatalog/blogcatalog.edgelist",
               "--output", emb, "--p", str(p), "--q", str(q), "--seed", "1", "--quiet"]
        cmd += PAPER.split()
        wall, _, _ = run_timed(cmd)
        row = {"graph": "BlogCatalog", "p": p, "q": q, "seconds": round(wall, 2)}
        row.update(classify(emb, f"{data}/blogcatalog/blogcatalog.labels"))
        results.append(row)
        print(f"quality: BlogCatalog p={p} q={q}: Macro-F1 {row['macro_f1']:.4f}",
              file=sys.stderr)
    embed_cmd = (f"{shlex.quote(args.n2v)} embed --input {{input}} --output {{output}} "
                 f"{PAPER} --p 1 --q 1 --seed 1 --quiet")
    out = subprocess.run([sys.executable, HARNESS, "link-eval", "--input",
                          f"{data}/facebook/facebook_combined.edgelist",
                          "--embed-cmd", embed_cmd, "--seed", "0", "--json"],
                         capture_output=True, text=True, check=True).stdout
    link = json.loads(out)
    results.append({"graph": "Facebook", "p": 1.0, "q": 1.0, "auc": link["auc"]})
    print(f"quality: Facebook AUC {link['auc']}", file=sys.stderr)
    return results


def modes(args, tmp):
    data = args.data
    rows = []
    graph = f"{data}/blogcatalog/blogcatalog.edgelist"
    for label, extra, workers in (("fast", [], 2), ("deterministic", ["--deterministic"], 2),
                                  ("fast", [], 1), ("deterministic", ["--deterministic"], 1)):
        walls = []
        peak = 0.0
        for rep in range(args.repeats):
            emb = os.path.join(tmp, f"mode_{label}_{workers}_{rep}.emb")
            cmd = [args.n2v, "embed", "--input", graph, "--output", emb, "--p", "0.25",
                   "--q", "0.25", "--seed", "1", "--workers", str(workers)] + PAPER.split() + extra
            wall, rss, err = run_timed(cmd)
            walls.append(wall)
            peak = max(peak, rss)
        walls.sort()
        rows.append({"mode": label, "workers": workers, "median_seconds": round(walls[len(walls) // 2], 2),
                     "min_seconds": round(walls[0], 2), "peak_rss_mib": round(peak, 1)})
        print(f"modes: {label} x{workers}: {walls}", file=sys.stderr)
    base = {r["workers"]: r["median_seconds"] for r in rows if r["mode"] == "fast"}
    for r in rows:
        r["ratio_to_fast"] = round(r["median_seconds"] / base[r["workers"]], 2)
    return rows


def markdown(report):
    lines = [f"# Engine report {report['date']}", "", f"Machine: {report['machine']}", ""]
    if report.get("quality"):
        lines += ["| graph | p | q | Macro-F1 (50%) | Micro-F1 (50%) | link AUC |",
                  "|---|---|---|---|---|---|"]
        for r in report["quality"]:
            if "auc" in r:
                aucs = ", ".join(f"{k} {v:.4f}" for k, v in r["auc"].items())
                lines.append(f"| {r['graph']} | {r['p']} | {r['q']} | | | {aucs} |")
            else:
                lines.append(f"| {r['graph']} | {r['p']} | {r['q']} | "
                             f"{r['macro_f1']:.4f} ± {r['macro_f1_std']:.4f} | "
                             f"{r['micro_f1']:.4f} ± {r['micro_f1_std']:.4f} | |")
        lines.append("")
    if report.get("modes"):
        lines += ["| mode | workers | median s | ratio to fast | peak RSS MiB |",
                  "|---|---|---|---|---|"]
        for r in report["modes"]:
            lines.append(f"| {r['mode']} | {r['workers']} | {r['median_seconds']} | "
                         f"{r['ratio_to_fast']} | {r['peak_rss_mib']} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n2v", default=os.path.join(ROOT, "build", "cli", "n2v"))
    parser.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "datasets"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-modes", action="store_true")
    args = parser.parse_args()
    report = {"date": datetime.date.today().isoformat(),
              "machine": f"{os.cpu_count()} cores, {os.uname().machine}"}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_quality:
            report["quality"] = quality(args, tmp)
        if not args.skip_modes:
            report["modes"] = modes(args, tmp)
    out_dir = os.path.join(ROOT, "bench", "results")
    os.makedirs(out_dir, exist_ok=True)
    stem = os.path.join(out_dir, f"engine-{report['date']}")
    with open(stem + ".json", "w") as f:
        json.dump(report, f, indent=2)
    with open(stem + ".md", "w") as f:
        f.write(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
