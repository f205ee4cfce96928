#!/usr/bin/env python3
"""Side-by-side benchmark of n2v against the node2vec peers.

Runs every tool one after another, in the same invocation, on the same graphs
with the same parameters (d 128, r 10, l 80, k 10, 5 negatives, 1 epoch,
same p and q, 2 worker threads, seed 1). Each run is its own process, with a
timeout and a memory cap; its wall time, peak RSS (os.wait4 ru_maxrss, and the
sampled sum over its process tree for tools that fork workers) and phase
timings are recorded, then its embedding is scored by bench/quality/
n2v_quality.py (Macro-F1 at 50% labelled, or link-prediction AUC on the
split-edges residual graph). A run that fails, times out or passes the memory
cap is recorded with its error.

Writes bench/results/peers-<date>.json, .md and -scaling.png (with --quick:
peers-<date>-quick.*). Normally started by bench/peers/run_peers.sh, which
installs the peers into build/peers-venv and builds n2v first.

  run_peers.py [--quick] [--graphs a,b] [--tools a,b] [--pq 1,1 --pq 0.25,4]
               [--also-graphs c,d] [--timeout S] [--mem-cap-gib G] [--repeats R]
               [--rounds N]   (N timing rounds, tools interleaved; medians)
  run_peers.py --report-only bench/results/peers-<date>.json
  run_peers.py --merge a.json b.json --tag T   (graph sizes run in separate
               sittings, in one report and one scaling plot)
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HARNESS = os.path.join(ROOT, "bench", "quality", "n2v_quality.py")
RUNNER = os.path.join(HERE, "peer_runner.py")
PAPER = dict(dimensions=128, walk_length=80, num_walks=10, window_size=10, negative=5, iter=1, workers=2, seed=1)

# Real graphs, paths relative to the datasets folder (../shared/datasets).
REAL_GRAPHS = {
    "blogcatalog": dict(title="BlogCatalog", path="blogcatalog/blogcatalog.edgelist", directed=False,
                        task="classify", labels="blogcatalog/blogcatalog.labels"),
    "facebook": dict(title="Facebook (link prediction)", path="facebook/facebook_combined.edgelist",
                     directed=False, task="link"),
    "github": dict(title="MUSAE GitHub", path="musae-github/git_edges.csv", directed=False, task="classify",
                   labels="musae-github/git_target.csv", label_column="ml_target"),
    "slashdot": dict(title="Slashdot (directed)", path="slashdot/soc-Slashdot0902.txt.gz", directed=True,
                     task=None),
}
# Generated R-MAT graphs: distinct undirected edges, no self-loops, seeded.
GENERATED = {"rmat-1M": 1_000_000, "rmat-10M": 10_000_000, "rmat-50M": 50_000_000}
ALL_GRAPHS = list(REAL_GRAPHS) + list(GENERATED)
QUICK_GRAPHS = ["blogcatalog", "facebook", "rmat-1M"]
TOOLS = ["n2v", "n2v-deterministic", "n2v-batch", "grape", "pecanpy", "fastnode2vec", "node2vec-pypi", "gensim-reference"]
PEER_PACKAGES = ["pecanpy", "grape", "embiggen", "ensmallen", "fastnode2vec", "gensim", "node2vec", "networkx",
                 "numpy", "scipy", "scikit-learn", "numba", "pandas", "matplotlib"]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Graphs
# --------------------------------------------------------------------------


def generate_rmat(path: str, edges: int, seed: int) -> None:
    """R-MAT (a, b, c, d) = (0.57, 0.19, 0.19, 0.05), 2^scale nodes with scale
    = round(log2(edges / 16)); keeps `edges` distinct undirected non-loop
    edges, relabels nodes by a random permutation and writes 'u<TAB>v' lines
    in random order."""
    import numpy as np
    import pandas as pd

    scale = int(round(np.log2(edges / 16)))
    n = 1 << scale
    rng = np.random.default_rng(seed)
    a, b, c = 0.57, 0.19, 0.19
    keys = np.zeros(0, np.int64)
    while len(keys) < edges:
        need = int((edges - len(keys)) * 1.3) + 1000
        parts = []
        for start in range(0, need, 10_000_000):
            m = min(10_000_000, need - start)
            u = np.zeros(m, np.int64)
            v = np.zeros(m, np.int64)
            for _ in range(scale):
                r = rng.random(m)
                right = ((r >= a) & (r < a + b)) | (r >= a + b + c)  # quadrants b, d
                down = r >= a + b  # quadrants c, d
                u = (u << 1) | down
                v = (v << 1) | right
            ok = u != v
            lo, hi = np.minimum(u[ok], v[ok]), np.maximum(u[ok], v[ok])
            parts.append(lo * n + hi)
        keys = np.unique(np.concatenate([keys] + parts))
    keys = rng.permutation(keys)[:edges]
    perm = rng.permutation(n)
    u, v = perm[keys // n], perm[keys % n]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for start in range(0, edges, 5_000_000):
            pd.DataFrame({"u": u[start:start + 5_000_000], "v": v[start:start + 5_000_000]}).to_csv(
                f, sep="\t", header=False, index=False)
    os.replace(tmp, path)


def plain_copy(src: str, dst: str) -> int:
    """Write `src` (gzip, CSV header, comments, CRLF allowed) as 'u<TAB>v' lines; returns the line count."""
    opener = gzip.open if src.endswith(".gz") else open
    count = 0
    first = True
    with opener(src, "rt", newline=None) as fin, open(dst, "w") as fout:
        for line in fin:
            line = line.strip()
            if not line or line[0] in "#%":
                continue
            parts = line.replace(",", " ").split()
            try:
                u, v = int(parts[0]), int(parts[1])
            except (ValueError, IndexError):
                if first:
                    first = False
                    continue
                raise
            first = False
            fout.write(f"{u}\t{v}\n")
            count += 1
    return count


def count_lines(path: str) -> int:
    with open(path, "rb") as f:
        return sum(buf.count(b"\n") for buf in iter(lambda: f.read(1 << 24), b""))


# --------------------------------------------------------------------------
# Measured subprocesses
# --------------------------------------------------------------------------


def _process_tree_rss(root: int) -> int:
    """Sum of RSS bytes of `root` and its descendants (from /proc)."""
    parents = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            parents.setdefault(ppid, []).append(int(name))
        except (OSError, ValueError, IndexError):
            continue
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            pass
        stack.extend(parents.get(pid, []))
    return total


def _own_rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(cmd: list[str], env: dict, timeout: float, mem_cap_bytes: int) -> dict:
    """Runs cmd in its own process group; enforces timeout and memory cap.

    Linux carries the parent's RSS at fork into the child's ru_maxrss, so this
    process stays small (no numpy or matplotlib here; they run in
    subprocesses) and records its own RSS at spawn as the floor of the figure.
    """
    parent_rss = _own_rss_mib()
    errf = tempfile.TemporaryFile(mode="w+")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=errf, stderr=errf, env=env, start_new_session=True)
    status = None
    tree_peak = 0
    while True:
        pid, wstatus, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid != 0:
            break
        rss = _process_tree_rss(proc.pid)
        tree_peak = max(tree_peak, rss)
        elapsed = time.perf_counter() - start
        if status is None and elapsed > timeout:
            status = f"timeout (> {timeout:.0f} s)"
        elif status is None and rss > mem_cap_bytes:
            status = f"out of memory (passed the {mem_cap_bytes / 2**30:.0f} GiB cap)"
        if status is not None:
            os.killpg(proc.pid, signal.SIGKILL)
            _, wstatus, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.25)
    wall = time.perf_counter() - start
    try:  # reap anything left in the group (e.g. joblib workers)
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    errf.seek(0)
    stderr = errf.read()
    errf.close()
    code = os.waitstatus_to_exitcode(wstatus)
    if status is None and code != 0:
        if code == -signal.SIGKILL:
            status = "killed by SIGKILL (system out of memory?)"
        else:
            status = f"failed (exit status {code})"
    return {"status": status or "ok", "wall_s": round(wall, 2),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024.0, 1),
            "tree_peak_rss_mib": round(tree_peak / 2**20, 1), "parent_rss_mib": round(parent_rss, 1),
            "stderr": stderr}


def error_summary(stderr: str) -> str:
    """The most telling line of a failed run's stderr."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if re.match(r"^[A-Za-z_.]*(Error|Exception|Panic|error)\b", ln) or "error:" in ln or "panicked" in ln:
            return ln[:300]
    return lines[-1][:300] if lines else ""


# --------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------


def n2v_cmd(args, graph_path, out, p, q, directed, mode):
    """The n2v command line; mode is "n2v", "n2v-deterministic" or "n2v-batch"
    (--batch-windows: each window trained as one block)."""
    cmd = [args.n2v, "embed", "--input", graph_path, "--output", out,
           "--dimensions", str(PAPER["dimensions"]), "--walk-length", str(PAPER["walk_length"]),
           "--num-walks", str(PAPER["num_walks"]), "--window-size", str(PAPER["window_size"]),
           "--iter", str(PAPER["iter"]), "--negative", str(PAPER["negative"]),
           "--workers", str(PAPER["workers"]), "--p", str(p), "--q", str(q), "--seed", str(PAPER["seed"])]
    if directed:
        cmd.append("--directed")
    if mode == "n2v-deterministic":
        cmd.append("--deterministic")
    if mode == "n2v-batch":
        cmd.append("--batch-windows")
    return cmd


def parse_n2v_stderr(stderr: str) -> dict:
    phases = {}
    m = re.search(r"loaded in ([\d.]+) s", stderr)
    if m:
        phases["load_s"] = float(m.group(1))
    m = re.search(r"counting walks ([\d.]+) s, training ([\d.]+) s", stderr)
    if m:
        phases["walk_s"] = float(m.group(1))
        phases["train_s"] = float(m.group(2))
    m = re.search(r"wrote .* in ([\d.]+) s", stderr)
    if m:
        phases["write_s"] = float(m.group(1))
    return phases


def peer_cmd(tool, graph_path, out, timing, p, q, directed):
    cmd = [sys.executable, RUNNER, "--tool", tool, "--input", graph_path, "--output", out, "--timing", timing,
           "--p", str(p), "--q", str(q)]
    for key in ("dimensions", "walk_length", "num_walks", "window_size", "negative", "iter", "workers", "seed"):
        cmd += ["--" + key.replace("_", "-"), str(PAPER[key])]
    if directed:
        cmd.append("--directed")
    return cmd


def child_env(workers: int) -> dict:
    env = dict(os.environ)
    for var in ("NUMBA_NUM_THREADS", "RAYON_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "MKL_NUM_THREADS"):
        env[var] = str(workers)
    env["PYTHONHASHSEED"] = "1"
    env["TQDM_DISABLE"] = "1"
    return env


def score(args, spec, emb, split) -> dict:
    """Quality of one embedding with our harness."""
    if spec.get("task") == "classify":
        cmd = [sys.executable, HARNESS, "classify", "--embedding", emb, "--labels", spec["labels_path"],
               "--train-ratio", "0.5", "--repeats", str(args.repeats), "--jobs", "2", "--json"]
        if spec.get("label_column"):
            cmd += ["--label-column", spec["label_column"]]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            return {"error": error_summary(proc.stderr)}
        row = json.loads(proc.stdout)["results"][0]
        return {"metric": "Macro-F1", "value": row["macro_f1_mean"], "std": row["macro_f1_std"],
                "micro_f1": row["micro_f1_mean"], "repeats": args.repeats}
    if spec.get("task") == "link":
        cmd = [sys.executable, HARNESS, "linkpred", "--embedding", emb, "--train-pairs", split["train"],
               "--test-pairs", split["test"], "--json"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            return {"error": error_summary(proc.stderr)}
        auc = json.loads(proc.stdout)["auc"]
        return {"metric": "AUC (Hadamard)", "value": auc["hadamard"], "auc": auc}
    return {}


def tool_command(args, tool, gname, spec, p, q, work):
    """The command line of one run, with the embedding and timing files it
    writes (the timing file only for peers)."""
    emb = os.path.join(work, f"{gname}_{tool}_{p}_{q}.emb")
    timing = os.path.join(work, f"{gname}_{tool}_{p}_{q}.timing.json")
    if tool.startswith("n2v"):
        cmd = n2v_cmd(args, spec["n2v_input"], emb, p, q, spec["directed"], tool)
    else:
        cmd = peer_cmd(tool, spec["peer_input"], emb, timing, p, q, spec["directed"])
    return cmd, emb, timing


def run_one(args, tool, gname, spec, p, q, work) -> dict:
    cmd, emb, timing = tool_command(args, tool, gname, spec, p, q, work)
    load = os.getloadavg()[0]
    log(f"{gname} p={p} q={q} {tool} ...")
    res = measure(cmd, child_env(PAPER["workers"]), args.timeout, int(args.mem_cap_gib * 2**30))
    row = {"graph": gname, "p": p, "q": q, "tool": tool, "status": res["status"], "total_s": res["wall_s"],
           "cpu_s": res["cpu_s"],
           "peak_rss_mib": res["peak_rss_mib"], "tree_peak_rss_mib": res["tree_peak_rss_mib"],
           "parent_rss_mib_at_spawn": res["parent_rss_mib"],
           "loadavg_before": round(load, 2), "phases": {}, "info": {}}
    if tool.startswith("n2v"):
        row["phases"] = parse_n2v_stderr(res["stderr"])
    elif os.path.exists(timing):
        with open(timing) as f:
            t = json.load(f)
        row["phases"], row["info"] = t["phases"], t["info"]
    if res["status"] == "ok" and not os.path.exists(emb):
        row["status"] = "failed (no embedding written)"
    if row["status"] != "ok":
        row["error"] = error_summary(res["stderr"])
        row["stderr_tail"] = res["stderr"][-2000:]
    else:
        row["quality"] = score(args, spec, emb, spec.get("split"))
    for path in (emb, timing):
        if os.path.exists(path):
            os.remove(path)
    q_txt = row.get("quality", {}).get("value")
    log(f"  -> {row['status']}, {row['total_s']} s, {max(row['peak_rss_mib'], row['tree_peak_rss_mib'])} MiB"
        + (f", {row['quality']['metric']} {q_txt:.4f}" if q_txt is not None else ""))
    return row


def rerun_for_time(args, row, spec, work) -> None:
    """Runs the tool of an ok `row` again, unscored, and appends its wall and
    CPU seconds to row["rounds"]; a failed rerun is recorded as such."""
    tool, gname, p, q = row["tool"], row["graph"], row["p"], row["q"]
    cmd, emb, timing = tool_command(args, tool, gname, spec, p, q, work)
    load = os.getloadavg()[0]
    log(f"{gname} p={p} q={q} {tool} (timing round {len(row['rounds']) + 1}) ...")
    res = measure(cmd, child_env(PAPER["workers"]), args.timeout, int(args.mem_cap_gib * 2**30))
    row["rounds"].append({"status": res["status"], "total_s": res["wall_s"], "cpu_s": res["cpu_s"],
                          "loadavg_before": round(load, 2)})
    for path in (emb, timing):
        if os.path.exists(path):
            os.remove(path)
    log(f"  -> {res['status']}, {res['wall_s']} s")


def take_medians(row) -> None:
    """total_s and cpu_s of a row with timing rounds become the medians over
    its ok rounds; the scored run's own times stay in first_total_s/cpu_s."""
    ok = [r for r in row["rounds"] if r["status"] == "ok"]
    if row["status"] != "ok" or len(ok) < 2:
        return
    row["first_total_s"], row["first_cpu_s"] = row["total_s"], row["cpu_s"]
    row["total_s"] = round(statistics.median(r["total_s"] for r in ok), 2)
    if all(r.get("cpu_s") for r in ok):
        row["cpu_s"] = round(statistics.median(r["cpu_s"] for r in ok), 2)


def prepare_graph(args, gname, work) -> dict:
    """Resolves the inputs of one graph: n2v's (original file) and the peers' plain copy."""
    if gname in GENERATED:
        os.makedirs(args.gen_dir, exist_ok=True)
        path = os.path.join(args.gen_dir, f"{gname}.tsv")
        if not os.path.exists(path):
            log(f"generating {gname} into {os.path.relpath(path, ROOT)} (once; reused later)")
            subprocess.run([sys.executable, __file__, "--generate", gname, path], check=True)
        spec = {"title": f"R-MAT {gname[5:]} edges (generated)", "directed": False, "task": None,
                "source": os.path.relpath(path, ROOT)}
        spec["n2v_input"] = spec["peer_input"] = path
        spec["edges"] = GENERATED[gname]
        return spec
    spec = dict(REAL_GRAPHS[gname])
    src = os.path.join(args.data, spec["path"])
    spec["source"] = "../shared/datasets/" + spec["path"]
    if spec.get("labels"):
        spec["labels_path"] = os.path.join(args.data, spec["labels"])
    if spec["task"] == "link":
        # Every tool embeds the same residual graph of one split (seed 0).
        d = os.path.join(work, f"{gname}-split")
        os.makedirs(d, exist_ok=True)
        split = {"residual": os.path.join(d, "residual.edgelist"), "test": os.path.join(d, "test_pairs.txt"),
                 "train": os.path.join(d, "train_pairs.txt")}
        subprocess.run([sys.executable, HARNESS, "split-edges", "--input", src, "--residual", split["residual"],
                        "--test-pairs", split["test"], "--train-pairs", split["train"], "--seed", "0"],
                       check=True, capture_output=True)
        spec["split"] = split
        src = split["residual"]
        spec["source"] = "residual graph of split-edges --seed 0 on " + spec["source"]
    spec["n2v_input"] = src
    spec["peer_input"] = os.path.join(work, f"{gname}.tsv")
    spec["edges"] = plain_copy(src, spec["peer_input"])
    return spec


# --------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------


def _fmt(x, digits=2):
    return "" if x is None else f"{x:.{digits}f}"


def _walk_s(row):
    ph = row.get("phases", {})
    if "walk_s" not in ph and "preprocess_s" not in ph:
        return None
    return ph.get("walk_s", 0.0) + ph.get("preprocess_s", 0.0)


def _mem(row):
    return max(row.get("peak_rss_mib") or 0, row.get("tree_peak_rss_mib") or 0)


def markdown(report: dict) -> str:
    out = [f"# n2v and its peers, side by side ({report['date']}{', quick' if report['quick'] else ''})", ""]
    m = report["machine"]
    timeout = "per run as listed below" if report.get("merged_from") else f"{report['timeout_s']:.0f} s"
    out += [f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; shared with other work, so "
            f"timings are noisy (load average before each run is in the JSON). Parameters: d 128, r 10, l 80, "
            f"k 10, 5 negatives, 1 epoch, 2 workers, seed 1; timeout {timeout} and memory cap "
            f"{report['mem_cap_gib']:g} GiB per run. Wall time of the whole run: "
            f"{report.get('wall_s', 0) / 60:.1f} min.", ""]
    out += ["Versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items()), ""]
    out += ["Columns: *load s* reading the graph; *walk s* generating walks (with any precomputed transition "
            "tables; for n2v the counting pass, its training pass regenerates the walks; empty where the tool "
            "interleaves walks with training, whose time is then all in *train s*); *total s* wall time of the "
            "whole process (start-up, imports, load, walks, training, writing the text embedding); *peak RSS* "
            "the larger of ru_maxrss and the sampled sum over the process tree; *CPU s* user + system CPU "
            "seconds of the process and the children it waited for (less sensitive than wall time to other "
            "work on the machine); *quality* Macro-F1 at 50% "
            "labelled (mean of the repeats) or link-prediction ROC AUC with the Hadamard operator; ratios are "
            "peer / n2v (fast mode, same graph and p, q), Δ quality is peer − n2v.", ""]
    if report.get("merged_from"):
        out += ["Merged from earlier runs on this machine; every graph's rows come from one run, so each ratio is "
                "still side by side in one sitting: " + "; ".join(
                    f"`{m['file']}` ({', '.join(m['graphs'])}; n2v {m['n2v']}, timeout {m['timeout_s']:.0f} s, "
                    f"{m['wall_s'] / 60:.1f} min)" for m in report["merged_from"]) + ".", ""]
    if report.get("timing_rounds", 1) > 1:
        out += [f"*total s* and *CPU s* are medians of {report['timing_rounds']} timing rounds per tool, the "
                "tools interleaved round by round (the first round is the scored one; every round's times are "
                "in the JSON under `rounds`); the phase columns are from the first round.", ""]
    rows = report["runs"]
    keys = []
    for r in rows:
        k = (r["graph"], r["p"], r["q"])
        if k not in keys:
            keys.append(k)
    for g, p, q in keys:
        spec = report["graphs"].get(g, {})
        group = [r for r in rows if (r["graph"], r["p"], r["q"]) == (g, p, q)]
        base = next((r for r in group if r["tool"] == "n2v" and r["status"] == "ok"), None)
        out += [f"## {spec.get('title', g)}, p = {p:g}, q = {q:g}", "",
                f"{spec.get('edges', '?'):,} input edges ({spec.get('source', '')}).", "",
                "| tool | status / mode | load s | walk s | train s | total s | CPU s | peak RSS MiB | quality "
                "| time / n2v | CPU / n2v | memory / n2v | Δ quality |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in group:
            ph = r.get("phases", {})
            qual = r.get("quality", {})
            qv = qual.get("value")
            note = r["status"] if r["status"] != "ok" else (r.get("info", {}).get("mode") or "ok")
            if r["status"] != "ok" and r.get("error") and not r["status"].startswith("timeout"):
                note += ": " + r["error"].replace("|", "/")[:120]
            if qual.get("error"):
                note += "; scoring failed: " + qual["error"][:80]
            qtxt = ""
            if qv is not None:
                qtxt = f"{qv:.4f}" + (f" ± {qual['std']:.4f}" if qual.get("std") is not None else "")
            ok = r["status"] == "ok"
            ratio_t = ratio_c = ratio_m = dq = ""
            if base is not None and r is not base:
                if ok:
                    ratio_t = f"{r['total_s'] / base['total_s']:.2f}"
                    if r.get("cpu_s") and base.get("cpu_s"):
                        ratio_c = f"{r['cpu_s'] / base['cpu_s']:.2f}"
                    ratio_m = f"{_mem(r) / max(_mem(base), 1e-9):.2f}"
                else:
                    ratio_t = f"> {r['total_s'] / base['total_s']:.1f}" if r["status"].startswith("timeout") else ""
                bq = base.get("quality", {}).get("value")
                if qv is not None and bq is not None:
                    dq = f"{qv - bq:+.4f}"
            out.append(f"| {r['tool']} | {note} | {_fmt(ph.get('load_s'))} | {_fmt(_walk_s(r))} | "
                       f"{_fmt(ph.get('train_s'))} | {_fmt(r['total_s']) if ok else '(' + _fmt(r['total_s']) + ')'} "
                       f"| {_fmt(r.get('cpu_s'), 1)} | {_mem(r):.0f} | {qtxt} | {ratio_t} | {ratio_c} | {ratio_m} | {dq} |")
        out.append("")
    return "\n".join(out) + "\n"


def plot(report: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pqs = []
    for r in report["runs"]:
        if (r["p"], r["q"]) not in pqs:
            pqs.append((r["p"], r["q"]))
    fig, axes = plt.subplots(1, len(pqs), figsize=(6.5 * len(pqs), 5), squeeze=False)
    markers = dict(zip(TOOLS, "os^vDPX"))
    for ax, (p, q) in zip(axes[0], pqs):
        for tool in TOOLS:
            pts = sorted((report["graphs"][r["graph"]]["edges"], r["total_s"], r["status"] == "ok")
                         for r in report["runs"] if r["tool"] == tool and (r["p"], r["q"]) == (p, q)
                         and r["graph"] in report["graphs"])
            if not pts:
                continue
            good = [(x, y) for x, y, ok in pts if ok]
            bad = [(x, y) for x, y, ok in pts if not ok]
            line = None
            if good:
                (line,) = ax.plot([x for x, _ in good], [y for _, y in good], marker=markers[tool], label=tool)
            if bad:
                ax.scatter([x for x, _ in bad], [y for _, y in bad], marker="x", s=60,
                           color=line.get_color() if line else "k",
                           label=None if line else f"{tool} (failed)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("input edges")
        ax.set_ylabel("total wall time, s")
        ax.set_title(f"p = {p:g}, q = {q:g}  (x: failed / timed out, at the time it was stopped)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"node2vec tools, total time against graph size ({report['date']}, 2 workers)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        out["n2v"] = rev + ("+local changes" if dirty else "")
    except OSError:
        out["n2v"] = "?"
    out["python"] = platform.python_version()
    for pkg in PEER_PACKAGES:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "missing"
    return out


def machine() -> dict:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem, 1)}


def _relative_paths(obj):
    """Rewrites absolute paths under the repository (error texts, sources) as relative ones."""
    if isinstance(obj, str):
        return obj.replace(ROOT + os.sep, "").replace(os.path.dirname(ROOT) + os.sep, "../")
    if isinstance(obj, dict):
        return {k: _relative_paths(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_relative_paths(v) for v in obj]
    return obj


def file_suffix(tag: str | None, default: str) -> str:
    """--tag as a file name suffix: `default` when not given, else led by one '-'."""
    if tag is None:
        return default
    return tag if not tag or tag.startswith("-") else "-" + tag


def merge_reports(named: list[tuple[str, dict]]) -> dict:
    """One report from earlier runs' reports (name, report), e.g. the graph
    sizes of a scaling plot run in separate sittings. A graph must come
    whole from one run, so every ratio still compares tools run side by
    side; runs on different machines or with other parameters are refused."""
    if len(named) < 2:
        raise ValueError("merging needs at least two reports")
    first = named[0][1]
    same = ("quick", "mem_cap_gib", "parameters", "machine", "classify_repeats", "timing_rounds")
    peers = lambda r: {k: v for k, v in r["versions"].items() if k != "n2v"}  # n2v's commit is per run
    merged = {k: first[k] for k in ("date",) + same}
    merged.update({"versions": peers(first), "timeout_s": max(r["timeout_s"] for _, r in named), "pq": [],
                   "tools": [], "plan": [], "graphs": {}, "runs": [], "wall_s": 0.0, "merged_from": []})
    for name, r in named:
        for key in same:
            if r[key] != first[key]:
                raise ValueError(f"{name}: its {key} differs from {named[0][0]}'s; not comparable")
        if peers(r) != merged["versions"]:
            raise ValueError(f"{name}: its peers' versions differ from {named[0][0]}'s; not comparable")
        clash = set(r["graphs"]) & set(merged["graphs"])
        if clash:
            raise ValueError(f"{name}: graph {sorted(clash)[0]} is already in an earlier report; "
                             "a graph must come from one run")
        merged["graphs"].update(r["graphs"])
        merged["runs"] += r["runs"]
        merged["plan"] += r["plan"]
        merged["pq"] += [pq for pq in r["pq"] if pq not in merged["pq"]]
        merged["tools"] += [t for t in r["tools"] if t not in merged["tools"]]
        merged["wall_s"] += r.get("wall_s", 0.0)
        merged["date"] = max(merged["date"], r["date"])
        merged["merged_from"].append({"file": name, "graphs": list(r["graphs"]), "n2v": r["versions"].get("n2v"),
                                      "timeout_s": r["timeout_s"], "wall_s": r.get("wall_s", 0.0)})
    return merged


def write_reports(report: dict, stem: str, with_plot: bool = True) -> None:
    """JSON and markdown here; the plot (matplotlib) in a subprocess, keeping this process small."""
    report = _relative_paths(report)
    with open(stem + ".json.tmp", "w") as f:
        json.dump(report, f, indent=1)
    os.replace(stem + ".json.tmp", stem + ".json")
    with open(stem + ".md", "w") as f:
        f.write(markdown(report))
    if with_plot and report["runs"]:
        subprocess.run([sys.executable, __file__, "--plot-only", stem + ".json"], check=False)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="BlogCatalog, Facebook and the 1M R-MAT graph, p = q = 1")
    ap.add_argument("--graphs", help=f"comma-separated subset of {','.join(ALL_GRAPHS)}")
    ap.add_argument("--tools", help=f"comma-separated subset of {','.join(TOOLS)}")
    ap.add_argument("--also-graphs", help="more graphs, run after --graphs with the first --pq only")
    ap.add_argument("--pq", action="append", help="'p,q' (repeatable; default 1,1 and 0.25,4)")
    ap.add_argument("--timeout", type=float, help="seconds per run (default 1800, 120 with --quick)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="timing rounds per tool, tools interleaved; times reported are medians (default 1)")
    ap.add_argument("--mem-cap-gib", type=float, default=14.0, help="memory cap per run in GiB (default 14)")
    ap.add_argument("--repeats", type=int, help="classification splits per embedding (default 10, 3 with --quick)")
    ap.add_argument("--n2v", default=os.path.join(ROOT, "build", "cli", "n2v"))
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "datasets"))
    ap.add_argument("--gen-dir", default=os.path.join(ROOT, "build", "peers-data"))
    ap.add_argument("--out-dir", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--tag", help="file name suffix, after a '-' (default: '-quick' with --quick)")
    ap.add_argument("--report-only", metavar="JSON", help="rewrite the .md and .png of an earlier run's JSON")
    ap.add_argument("--merge", nargs="+", metavar="JSON",
                    help="combine earlier runs' JSON (same machine and parameters, each graph from one run) into "
                         "one report, written as peers-<date><tag>")
    ap.add_argument("--plot-only", metavar="JSON", help=argparse.SUPPRESS)
    ap.add_argument("--generate", nargs=2, metavar=("GRAPH", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.generate:
        generate_rmat(args.generate[1], GENERATED[args.generate[0]], seed=1)
        return 0
    if args.plot_only:
        with open(args.plot_only) as f:
            plot(json.load(f), args.plot_only[:-len(".json")] + "-scaling.png")
        return 0
    if args.merge:
        named = []
        for path in args.merge:
            with open(path) as f:
                named.append((os.path.basename(path), json.load(f)))
        try:
            merged = merge_reports(named)
        except ValueError as e:
            ap.error(str(e))
        stem = os.path.join(args.out_dir, f"peers-{merged['date']}{file_suffix(args.tag, '-merged')}")
        write_reports(merged, stem)
        return 0
    if args.report_only:
        with open(args.report_only) as f:
            report = json.load(f)
        write_reports(report, args.report_only[:-len(".json")])
        return 0

    graphs = args.graphs.split(",") if args.graphs else (QUICK_GRAPHS if args.quick else ALL_GRAPHS)
    tools = args.tools.split(",") if args.tools else TOOLS
    pqs = [tuple(float(x) for x in s.split(",")) for s in args.pq] if args.pq else (
        [(1.0, 1.0)] if args.quick else [(1.0, 1.0), (0.25, 4.0)])
    also = args.also_graphs.split(",") if args.also_graphs else []
    plan = [(g, pqs) for g in graphs] + [(g, pqs[:1]) for g in also]
    for g in graphs + also:
        if g not in ALL_GRAPHS:
            ap.error(f"unknown graph {g!r}")
    for t in tools:
        if t not in TOOLS:
            ap.error(f"unknown tool {t!r}")
    if args.timeout is None:
        args.timeout = 120.0 if args.quick else 1800.0
    if args.repeats is None:
        args.repeats = 3 if args.quick else 10

    date = datetime.date.today().isoformat()
    tag = file_suffix(args.tag, "-quick" if args.quick else "")
    os.makedirs(args.out_dir, exist_ok=True)
    stem = os.path.join(args.out_dir, f"peers-{date}{tag}")
    report = {"date": date, "quick": args.quick, "timeout_s": args.timeout, "mem_cap_gib": args.mem_cap_gib,
              "parameters": PAPER, "pq": pqs, "tools": tools,
              "plan": [{"graph": g, "pq": list(x)} for g, x in plan], "machine": machine(),
              "versions": versions(), "classify_repeats": args.repeats, "timing_rounds": args.rounds, "graphs": {}, "runs": []}
    started = time.perf_counter()
    os.makedirs(args.gen_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="peers-", dir=args.gen_dir) as work:
        for gname, graph_pqs in plan:
            spec = prepare_graph(args, gname, work)
            report["graphs"][gname] = {k: spec[k] for k in ("title", "directed", "task", "edges", "source")}
            for p, q in graph_pqs:
                rows = []
                for tool in tools:
                    rows.append(run_one(args, tool, gname, spec, p, q, work))
                    report["runs"].append(rows[-1])
                    report["wall_s"] = round(time.perf_counter() - started, 1)
                    write_reports(report, stem, with_plot=False)
                if args.rounds > 1:
                    # More timing rounds, tools interleaved, so a slow spell
                    # on the machine hits every tool alike.
                    for row in rows:
                        if row["status"] == "ok":
                            row["rounds"] = [{"status": "ok", "total_s": row["total_s"], "cpu_s": row["cpu_s"],
                                              "loadavg_before": row["loadavg_before"]}]
                    for _ in range(args.rounds - 1):
                        for row in rows:
                            if row["status"] == "ok":
                                rerun_for_time(args, row, spec, work)
                    for row in rows:
                        if "rounds" in row:
                            take_medians(row)
                    report["wall_s"] = round(time.perf_counter() - started, 1)
                    write_reports(report, stem, with_plot=False)
            for key in ("peer_input",):
                if spec[key].startswith(work) and os.path.exists(spec[key]):
                    os.remove(spec[key])
    report["wall_s"] = round(time.perf_counter() - started, 1)
    write_reports(report, stem)
    log(f"done in {report['wall_s'] / 60:.1f} min: {os.path.relpath(stem, ROOT)}.{{json,md}}, -scaling.png")
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
