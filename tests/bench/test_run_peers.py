"""Tests for bench/peers/run_peers.py's timing rounds: medians over the ok
rounds, the scored run's own times kept, failed runs and reruns left alone,
and the report saying what its times are."""

import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "peers" / "run_peers.py"
_spec = importlib.util.spec_from_file_location("run_peers", SCRIPT)
rp = importlib.util.module_from_spec(_spec)
sys.modules["run_peers"] = rp
_spec.loader.exec_module(rp)


def row(tool, total, cpu, rounds, status="ok"):
    return {"graph": "g", "p": 1.0, "q": 1.0, "tool": tool, "status": status, "total_s": total,
            "cpu_s": cpu, "peak_rss_mib": 10.0, "tree_peak_rss_mib": 10.0, "phases": {}, "info": {},
            "rounds": [{"status": s, "total_s": t, "cpu_s": c, "loadavg_before": 0.1} for s, t, c in rounds]}


def test_medians_replace_the_scored_runs_times():
    r = row("n2v", 10.6, 20.6, [("ok", 10.6, 20.6), ("ok", 8.1, 16.0), ("ok", 7.6, 15.1)])
    rp.take_medians(r)
    assert r["total_s"] == 8.1 and r["cpu_s"] == 16.0
    assert r["first_total_s"] == 10.6 and r["first_cpu_s"] == 20.6


def test_failed_reruns_do_not_count():
    r = row("grape", 23.0, 38.0, [("ok", 23.0, 38.0), ("timeout", 300.0, 600.0), ("ok", 25.0, 40.0)])
    rp.take_medians(r)
    assert r["total_s"] == 24.0 and r["cpu_s"] == 39.0


def test_a_single_ok_round_or_a_failed_run_keeps_its_times():
    one = row("pecanpy", 39.0, 70.0, [("ok", 39.0, 70.0), ("failed", 1.0, 1.0)])
    rp.take_medians(one)
    assert one["total_s"] == 39.0 and "first_total_s" not in one
    failed = row("pecanpy", 300.0, 600.0, [], status="timeout")
    rp.take_medians(failed)
    assert failed["total_s"] == 300.0


def test_report_ratios_use_the_medians_and_say_so():
    base = row("n2v", 8.0, 16.0, [("ok", 9.0, 17.0), ("ok", 8.0, 16.0), ("ok", 7.0, 15.0)])
    peer = row("grape", 30.0, 50.0, [("ok", 30.0, 50.0), ("ok", 24.0, 40.0), ("ok", 25.0, 41.0)])
    for r in (base, peer):
        rp.take_medians(r)
    report = {"date": "2026-11-23", "quick": False, "timeout_s": 300, "mem_cap_gib": 14, "wall_s": 60,
              "versions": {}, "machine": {"cpu": "cpu", "cores": 2, "memory_gib": 24}, "timing_rounds": 3, "graphs": {"g": {"title": "G", "edges": 10, "source": "s"}},
              "runs": [base, peer]}
    md = rp.markdown(report)
    assert "medians of 3 timing rounds" in md
    grape_line = next(line for line in md.splitlines() if line.startswith("| grape |"))
    assert "| 3.12 |" in grape_line  # 25 / 8


def report_of(graph, rows, n2v="abc1234", cpu="cpu", timeout=300):
    return {"date": "2026-11-23", "quick": False, "timeout_s": timeout, "mem_cap_gib": 14, "wall_s": 120,
            "parameters": {"dimensions": 128}, "pq": [[1.0, 1.0]], "tools": [r["tool"] for r in rows],
            "plan": [{"graph": graph, "pq": [[1.0, 1.0]]}], "versions": {"n2v": n2v},
            "machine": {"cpu": cpu, "cores": 2, "memory_gib": 24}, "classify_repeats": 10, "timing_rounds": 1,
            "graphs": {graph: {"title": graph.upper(), "edges": 10, "source": "s"}},
            "runs": [dict(r, graph=graph) for r in rows]}


def test_merge_keeps_each_graphs_rows_and_ratios_and_names_its_sources():
    small = report_of("small", [row("n2v", 10.0, 20.0, []), row("grape", 25.0, 45.0, [])], n2v="aaa1111")
    big = report_of("big", [row("n2v", 100.0, 200.0, []), row("grape", 230.0, 450.0, [])], n2v="bbb2222",
                    timeout=5400)
    merged = rp.merge_reports([("one.json", small), ("two.json", big)])
    assert list(merged["graphs"]) == ["small", "big"] and len(merged["runs"]) == 4
    assert merged["timeout_s"] == 5400 and merged["wall_s"] == 240
    md = rp.markdown(merged)
    assert "`one.json` (small; n2v aaa1111" in md and "`two.json` (big; n2v bbb2222" in md
    grape_lines = [line for line in md.splitlines() if line.startswith("| grape |")]
    assert "| 2.50 |" in grape_lines[0] and "| 2.30 |" in grape_lines[1]  # each graph against its own n2v row


def test_merge_refuses_other_machines_and_a_graph_split_across_runs():
    a = report_of("g", [row("n2v", 10.0, 20.0, [])])
    try:
        rp.merge_reports([("a.json", a), ("b.json", report_of("h", [row("n2v", 1.0, 2.0, [])], cpu="other"))])
        raise AssertionError("merged reports from two machines")
    except ValueError as e:
        assert "b.json: its machine differs" in str(e)
    try:
        rp.merge_reports([("a.json", a), ("c.json", report_of("g", [row("grape", 30.0, 60.0, [])]))])
        raise AssertionError("merged one graph's rows from two runs")
    except ValueError as e:
        assert "graph g is already in an earlier report" in str(e)
    other_grape = report_of("h", [row("n2v", 1.0, 2.0, [])])
    other_grape["versions"]["grape"] = "0.2.6"
    try:
        rp.merge_reports([("a.json", a), ("d.json", other_grape)])
        raise AssertionError("merged runs of two GRAPE versions")
    except ValueError as e:
        assert "d.json: its peers' versions differ" in str(e)


def test_tag_suffix():
    assert rp.file_suffix(None, "-quick") == "-quick"
    assert rp.file_suffix("rmat", "") == "-rmat" and rp.file_suffix("-rmat", "") == "-rmat"
    assert rp.file_suffix("", "-quick") == ""
