"""Tests for bench/neo4j/run_gds.py's summary and report: medians per phase
over the rounds, GDS / n2v ratios of the medians, mean Macro-F1 and its
difference, and a markdown table that says what its numbers are."""

import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "neo4j" / "run_gds.py"
_spec = importlib.util.spec_from_file_location("run_gds", SCRIPT)
rg = importlib.util.module_from_spec(_spec)
sys.modules["run_gds"] = rg
_spec.loader.exec_module(rg)


def run(tool, rnd, wall, read, compute, write, f1=None):
    r = {"tool": tool, "round": rnd, "wall_ms": wall, "read_ms": read, "compute_ms": compute,
         "write_ms": write, "nodes": 10, "properties_written": 10, "embedding": f"{tool}-r{rnd}.emb"}
    if f1 is not None:
        r["quality"] = {"macro_f1": f1}
    return r


RUNS = [
    run("n2v", 1, 7000, 200, 6600, 200, 0.21),
    run("gds", 1, 40000, 100, 39700, 200, 0.20),
    run("gds", 2, 30000, 90, 29800, 110, 0.19),
    run("n2v", 2, 6000, 190, 5700, 110, 0.22),
    run("n2v", 3, 9000, 210, 8600, 190, 0.20),
    run("gds", 3, 36000, 80, 35800, 120, 0.21),
]


def test_medians_ratios_and_quality():
    s = rg.summarize(RUNS)
    assert s["n2v"]["wall_ms"] == 7000 and s["gds"]["wall_ms"] == 36000
    assert s["n2v"]["compute_ms"] == 6600 and s["gds"]["compute_ms"] == 35800
    assert s["gds"]["ratio"]["wall_ms"] == 36000 / 7000
    assert s["n2v"]["ratio"]["wall_ms"] == 1.0
    assert abs(s["n2v"]["macro_f1"] - 0.21) < 1e-12
    assert abs(s["gds"]["macro_f1_diff"] - (0.20 - 0.21)) < 1e-12
    assert s["gds"]["rounds"] == 3


def test_unscored_runs_leave_quality_empty():
    s = rg.summarize([run("n2v", 1, 10, 1, 8, 1), run("gds", 1, 50, 1, 48, 1)])
    assert s["n2v"]["macro_f1"] is None and "macro_f1_diff" not in s["gds"]
    assert s["gds"]["ratio"]["wall_ms"] == 5.0


def test_markdown_names_what_it_measures():
    report = {"title": "BlogCatalog", "date": "2026-11-23", "rounds": 3,
              "comparison": {"parameters": {"dimensions": 128, "walks_per_node": 10, "walk_length": 80,
                                            "window": 10, "negatives": 5, "iterations": 1, "p": 1.0,
                                            "q": 1.0, "concurrency": 2, "learning_rate": 0.025},
                             "graph": {"nodes": 10312, "relationships": 333983},
                             "versions": {"neo4j": "5.26.30", "gds": "2.13.9"},
                             "n2v_sidecar_peak_rss_bytes": 100 * 2**20, "jvm_max_heap_bytes": 8 * 2**30,
                             "memory_estimates": {"n2v_bytes": 50 * 2**20, "gds_bytes_min": 400 * 2**20,
                                                  "gds_bytes_max": 500 * 2**20}},
              "summary": rg.summarize(RUNS)}
    md = rg.markdown(report)
    assert "Median of 3 rounds" in md
    assert "| n2v | 0.20 s | 6.60 s | 0.19 s | 7.00 s | 1.0× |" in md
    assert "| gds | 0.09 s | 35.80 s | 0.12 s | 36.00 s | 5.1× | 5.4× | 0.2000 | -0.0100 |" in md
    # n2v's row comes first.
    assert md.index("| n2v |") < md.index("| gds |")
    assert "GDS 2.13.9" in md and "peak RSS measured 100 MiB" in md
    assert "n2v 50 MiB (sidecar), GDS 400–500 MiB (Neo4j heap; 10.0× n2v's)" in md
