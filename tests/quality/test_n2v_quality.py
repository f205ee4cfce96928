"""Tests for bench/quality/n2v_quality.py (embedding I/O, classification, link prediction)."""

import importlib.util
import json
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "quality" / "n2v_quality.py"
_spec = importlib.util.spec_from_file_location("n2v_quality", SCRIPT)
q = importlib.util.module_from_spec(_spec)
sys.modules["n2v_quality"] = q  # dataclasses look their module up here
_spec.loader.exec_module(q)


# ---------------------------------------------------------------- helpers


def run_cli(capsys, *argv):
    """Run the CLI in-process; return (exit status, stdout, stderr)."""
    rc = q.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def random_connected_graph(rng, n, extra):
    """A random spanning tree on 0..n-1 plus `extra` random non-loop edges (may repeat)."""
    perm = rng.permutation(n)
    edges = [(int(perm[i]), int(perm[rng.integers(0, i)])) for i in range(1, n)]
    while extra > 0:
        a, b = rng.integers(0, n, 2)
        if a != b:
            edges.append((int(a), int(b)))
            extra -= 1
    return edges


def edge_set(pairs):
    """Canonical undirected edge set of (u, v) rows."""
    return {(min(int(a), int(b)), max(int(a), int(b))) for a, b in pairs}


def read_rows(path):
    """Integer rows of a whitespace-separated file."""
    return [tuple(int(t) for t in line.split()) for line in Path(path).read_text().splitlines() if line.strip()]


def write_edgelist(path, edges):
    Path(path).write_text("".join(f"{a} {b}\n" for a, b in edges))


def planted_communities(rng, k, size, p_in):
    """Edges only inside k communities of `size` nodes (each community connected)."""
    edges = []
    for c in range(k):
        base = c * size
        members = list(range(base, base + size))
        for i in range(1, size):  # chain keeps the community connected
            edges.append((members[i - 1], members[i]))
        for i in range(size):
            for j in range(i + 2, size):
                if rng.random() < p_in:
                    edges.append((members[i], members[j]))
    return edges


# ---------------------------------------------------------------- embeddings I/O

BIG_IDS = np.array([2**63 - 1, -(2**63), 0, 2**62 + 12345, 9007199254740993, -7], dtype=np.int64)


@pytest.mark.parametrize("trailing_newline", [True, False])
def test_text_and_binary_embeddings_read_the_same(tmp_path, trailing_newline):
    rng = np.random.default_rng(1)
    vecs = rng.standard_normal((len(BIG_IDS), 5)).astype(np.float32)
    # a value whose float32 bytes are "\n \n " must not confuse the binary reader
    vecs[1, 2] = np.frombuffer(b"\n \n ", dtype="<f4")[0]
    text = tmp_path / "e.txt"
    q.write_embedding(str(text), BIG_IDS, vecs)
    binary = tmp_path / "e.bin"
    with open(binary, "wb") as f:
        f.write(f"{len(BIG_IDS)} 5\n".encode())
        for i, v in zip(BIG_IDS, vecs):
            f.write(f"{int(i)} ".encode() + v.astype("<f4").tobytes() + (b"\n" if trailing_newline else b""))
    for path, fmt in [(text, "auto"), (text, "text"), (binary, "auto"), (binary, "binary")]:
        emb = q.read_embedding(str(path), fmt)
        assert emb.ids.dtype == np.int64
        assert emb.ids.tolist() == BIG_IDS.tolist()
        np.testing.assert_array_equal(emb.vectors, vecs)


def test_text_embedding_tolerates_crlf_and_tabs(tmp_path):
    path = tmp_path / "e.txt"
    path.write_bytes(b"2 3\r\n18446744073709551 1 2 3\r\n-5\t0.5 -1e-3 4\r\n\r\n")
    emb = q.read_embedding(str(path))
    assert emb.ids.tolist() == [18446744073709551, -5]
    np.testing.assert_allclose(emb.vectors, [[1, 2, 3], [0.5, -1e-3, 4]], rtol=1e-6)


def test_embedding_row_count_must_match_header(tmp_path):
    path = tmp_path / "e.txt"
    path.write_text("3 2\n1 0 0\n2 1 1\n")
    with pytest.raises(q.UserError, match="header says 3 rows"):
        q.read_embedding(str(path))


def test_embedding_bad_row_names_line(tmp_path):
    path = tmp_path / "e.txt"
    path.write_text("3 2\n1 0 0\n2 1 x\n3 1 1\n")
    with pytest.raises(q.UserError, match=r"e\.txt:3:"):
        q.read_embedding(str(path))


def test_embedding_duplicate_id_rejected(tmp_path):
    path = tmp_path / "e.txt"
    path.write_text("2 1\n7 0\n7 1\n")
    with pytest.raises(q.UserError, match="node id 7 appears more than once"):
        q.read_embedding(str(path))


def test_embedding_rows_lookup():
    emb = q.Embedding(ids=np.array([50, -3, 2**62]), vectors=np.zeros((3, 2), np.float32))
    rows, found = emb.rows(np.array([2**62, 50, 4, -3]))
    assert found.tolist() == [True, True, False, True]
    assert rows[found].tolist() == [2, 0, 1]


# ---------------------------------------------------------------- labels


def test_read_labels_pairs_multilabel_comments_and_header(tmp_path):
    path = tmp_path / "l.txt"
    path.write_text("node label\n# comment\n1 a\n1,b\n\n2 a\n9223372036854775807 c\n")
    labels = q.read_labels(str(path))
    assert labels == {1: {"a", "b"}, 2: {"a"}, 2**63 - 1: {"c"}}


def test_read_labels_csv_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,name,ml_target\n0,alice,1\n1,bob,0\n2,\"x, y\",1\n")
    assert q.read_labels(str(path), "ml_target") == {0: {"1"}, 1: {"0"}, 2: {"1"}}
    with pytest.raises(q.UserError, match="no column 'nope'"):
        q.read_labels(str(path), "nope")
    with pytest.raises(q.UserError, match="--label-column"):
        q.read_labels(str(path))


# ---------------------------------------------------------------- classification


def test_predict_top_k():
    scores = np.array([[0.1, 0.9, 0.5, 0.2], [0.7, 0.1, 0.8, 0.3], [0.3, 0.3, 0.3, 0.3]])
    pred = q.predict_top_k(scores, np.array([1, 3, 2]))
    assert pred.tolist() == [[0, 1, 0, 0], [1, 0, 1, 1], [1, 1, 0, 0]]
    assert pred.sum(axis=1).tolist() == [1, 3, 2]


def _write_class_data(tmp_path, separable, n=240, k=4, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    ids = np.arange(n, dtype=np.int64) * 1000 + 2**40
    cls = np.arange(n) % k
    if separable:
        vecs = np.zeros((n, dim), np.float32)
        vecs[np.arange(n), cls] = 3.0
        vecs += rng.normal(0, 0.1, vecs.shape).astype(np.float32)
    else:
        vecs = rng.standard_normal((n, dim)).astype(np.float32)
    q.write_embedding(str(tmp_path / "emb.txt"), ids, vecs)
    (tmp_path / "labels.txt").write_text("".join(f"{i} c{c}\n" for i, c in zip(ids, cls)))
    return ids, cls


def test_classify_perfectly_separable(tmp_path, capsys):
    _write_class_data(tmp_path, separable=True)
    rc, out, err = run_cli(
        capsys, "classify", "--embedding", tmp_path / "emb.txt", "--labels", tmp_path / "labels.txt",
        "--train-ratio", "0.3,0.5", "--train-ratio", "0.7", "--repeats", "3", "--json",
    )
    assert rc == 0, err
    report = json.loads(out)
    assert report["nodes"] == 240 and report["classes"] == 4
    assert [r["train_ratio"] for r in report["results"]] == [0.3, 0.5, 0.7]
    for r in report["results"]:
        assert r["macro_f1_mean"] > 0.99 and r["micro_f1_mean"] > 0.99
        assert len(r["macro_f1"]) == 3


def test_classify_random_embedding_is_near_chance(tmp_path):
    _write_class_data(tmp_path, separable=False, n=400, dim=16)
    emb = q.read_embedding(str(tmp_path / "emb.txt"))
    X, Y, classes, missing = q.align_labels(emb, q.read_labels(str(tmp_path / "labels.txt")))
    (res,) = q.classify(X, Y, [0.5], repeats=3, seed=0)
    assert 0.1 < res["macro_f1_mean"] < 0.4  # chance is 0.25 with 4 balanced classes


def test_classify_table_output(tmp_path, capsys):
    _write_class_data(tmp_path, separable=True, n=80)
    rc, out, _ = run_cli(capsys, "classify", "--embedding", tmp_path / "emb.txt", "--labels", tmp_path / "labels.txt", "--repeats", "2")
    assert rc == 0
    assert "Macro-F1" in out and "Micro-F1" in out and "0.50" in out


def test_multilabel_predicts_true_label_count():
    rng = np.random.default_rng(3)
    n, L = 300, 5
    Y = np.zeros((n, L), np.int64)
    for i in range(n):
        Y[i, rng.choice(L, size=1 + i % 3, replace=False)] = 1
    X = (Y * 4.0 + rng.normal(0, 0.1, Y.shape)).astype(np.float32)
    macro, micro, pred, test = q.classify_once(X, Y, 0.5, np.random.default_rng(0))
    assert pred.sum(axis=1).tolist() == Y[test].sum(axis=1).tolist()
    assert macro > 0.99 and micro > 0.99


def test_classify_missing_embedding_errors(tmp_path, capsys):
    ids, _ = _write_class_data(tmp_path, separable=True, n=40)
    with open(tmp_path / "labels.txt", "a") as f:
        f.write("123456789012345 c0\n")
    args = ["classify", "--embedding", tmp_path / "emb.txt", "--labels", tmp_path / "labels.txt", "--repeats", "1"]
    rc, out, err = run_cli(capsys, *args)
    assert rc == 1
    assert "1 of 41 labelled nodes have no embedding" in err and "123456789012345" in err
    assert len(err.strip().splitlines()) == 1
    rc, out, err = run_cli(capsys, *args, "--allow-missing", "--json")
    assert rc == 0 and json.loads(out)["missing"] == 1


# ---------------------------------------------------------------- split-edges


@pytest.fixture
def small_graph(tmp_path):
    rng = np.random.default_rng(7)
    edges = random_connected_graph(rng, 200, 800)
    original = edge_set(edges)
    lines = ["# comment", "from to weight"]
    lines += [f"{a}\t{b}\t1.5" for a, b in edges]
    lines += [f"{edges[0][1]},{edges[0][0]}", "5 5"]  # reversed duplicate, self-loop
    path = tmp_path / "g.edgelist"
    path.write_text("\n".join(lines) + "\n")
    return path, original


def _split(capsys, tmp_path, graph, fraction="0.5", seed="0", tag=""):
    out = {k: tmp_path / f"{k}{tag}.txt" for k in ("residual", "test", "train")}
    rc, stdout, err = run_cli(
        capsys, "split-edges", "--input", graph, "--residual", out["residual"], "--test-pairs", out["test"],
        "--train-pairs", out["train"], "--fraction", fraction, "--seed", seed, "--json",
    )
    assert rc == 0, err
    return out, json.loads(stdout), err


def test_split_edges_invariants(tmp_path, capsys, small_graph):
    graph, original = small_graph
    out, stats, _ = _split(capsys, tmp_path, graph)
    m = len(original)
    assert stats["edges"] == m and stats["self_loops_dropped"] == 1
    residual = read_rows(out["residual"])
    test = read_rows(out["test"])
    train = read_rows(out["train"])
    res_set = edge_set(residual)
    assert len(res_set) == len(residual)

    removed = edge_set((a, b) for a, b, y in test if y == 1)
    assert len(removed) == round(0.5 * m) == stats["removed"]
    assert removed | res_set == original and not (removed & res_set)

    # residual graph: connected and containing every node
    nodes = sorted({x for e in original for x in e})
    assert {x for e in res_set for x in e} == set(nodes)
    idx = {v: i for i, v in enumerate(nodes)}
    a = [idx[u] for u, _ in res_set]
    b = [idx[v] for _, v in res_set]
    mat = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(nodes), len(nodes)))
    assert connected_components(mat, directed=False)[0] == 1

    test_neg = [(a, b) for a, b, y in test if y == 0]
    train_neg = [(a, b) for a, b, y in train if y == 0]
    train_pos = edge_set((a, b) for a, b, y in train if y == 1)
    assert len(test_neg) == len(removed)
    assert len(train_pos) == len(removed) and train_pos <= res_set
    assert len(train_neg) == len(train_pos)
    for negs in (test_neg, train_neg):
        assert all(a != b for a, b in negs)
        assert len(edge_set(negs)) == len(negs)  # no duplicates
        assert not edge_set(negs) & original  # non-edges of the original graph
    assert not edge_set(test_neg) & edge_set(train_neg)


def test_split_edges_is_reproducible(tmp_path, capsys, small_graph):
    graph, _ = small_graph
    a, _, _ = _split(capsys, tmp_path, graph, seed="3", tag="a")
    b, _, _ = _split(capsys, tmp_path, graph, seed="3", tag="b")
    c, _, _ = _split(capsys, tmp_path, graph, seed="4", tag="c")
    for key in a:
        assert a[key].read_text() == b[key].read_text()
    assert a["test"].read_text() != c["test"].read_text()


def test_split_edges_unreachable_fraction_warns(tmp_path, capsys):
    rng = np.random.default_rng(2)
    edges = random_connected_graph(rng, 60, 20)
    graph = tmp_path / "g.txt"
    write_edgelist(graph, edges)
    m = len(edge_set(edges))
    out, stats, err = _split(capsys, tmp_path, graph, fraction="0.9")
    assert "warning" in err and "without disconnecting" in err
    assert stats["removed"] == m - 59
    assert len(read_rows(out["residual"])) == 59


def test_split_edges_keeps_each_component_connected(tmp_path, capsys):
    rng = np.random.default_rng(5)
    first = random_connected_graph(rng, 40, 60)
    second = [(a + 1000, b + 1000) for a, b in random_connected_graph(rng, 30, 40)]
    graph = tmp_path / "g.txt"
    write_edgelist(graph, first + second)
    out, stats, _ = _split(capsys, tmp_path, graph)
    assert stats["components"] == 2
    res = edge_set(read_rows(out["residual"]))
    nodes = sorted({x for e in res for x in e})
    assert len(nodes) == 70
    idx = {v: i for i, v in enumerate(nodes)}
    mat = coo_matrix((np.ones(len(res)), ([idx[a] for a, _ in res], [idx[b] for _, b in res])), shape=(70, 70))
    assert connected_components(mat, directed=False)[0] == 2


def test_sample_non_edges_rejection_path():
    rng = np.random.default_rng(0)
    n = 3000  # n(n-1)/2 > enumeration limit: exercises rejection sampling
    edges = np.sort(np.unique(rng.integers(0, n * n, 5000)))
    keys = q.sample_non_edges(n, edges, 4000, rng)
    assert len(np.unique(keys)) == 4000
    i, j = keys // n, keys % n
    assert np.all(i < j) and not np.isin(keys, edges).any()
    more = q.sample_non_edges(n, edges, 1000, rng, exclude=keys)
    assert not np.isin(more, keys).any()


def test_malformed_edge_line_names_file_and_line(tmp_path, capsys):
    graph = tmp_path / "bad.edgelist"
    graph.write_text("# header\n1 2\n2 x\n")
    rc, _, err = run_cli(capsys, "split-edges", "--input", graph, "--residual", tmp_path / "r", "--test-pairs", tmp_path / "t")
    assert rc == 1
    assert f"{graph}:3:" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_errors_without_traceback(tmp_path):
    graph = tmp_path / "bad.edgelist"
    graph.write_text("1 2 3 4\n")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "split-edges", "--input", str(graph), "--residual", str(tmp_path / "r"),
         "--test-pairs", str(tmp_path / "t")],
        capture_output=True, text=True,
    )
    assert proc.returncode != 0
    assert f"{graph}:1:" in proc.stderr and "Traceback" not in proc.stderr


# ---------------------------------------------------------------- link prediction


def test_edge_operators_on_known_vectors():
    a = np.array([[1.0, 2.0, -3.0]])
    b = np.array([[4.0, -1.0, 2.0]])
    np.testing.assert_allclose(q.edge_features(a, b, "average"), [[2.5, 0.5, -0.5]])
    np.testing.assert_allclose(q.edge_features(a, b, "hadamard"), [[4.0, -2.0, -6.0]])
    np.testing.assert_allclose(q.edge_features(a, b, "weighted-l1"), [[3.0, 3.0, 5.0]])
    np.testing.assert_allclose(q.edge_features(a, b, "weighted-l2"), [[9.0, 9.0, 25.0]])
    np.testing.assert_allclose(q.edge_features(a, b, "dot"), [[-4.0]])
    np.testing.assert_allclose(q.edge_features(a, b, "cosine"), [[-4.0 / np.sqrt(14 * 21)]])
    np.testing.assert_allclose(q.edge_features(np.zeros((1, 3)), b, "cosine"), [[0.0]])
    with pytest.raises(q.UserError):
        q.edge_features(a, b, "max")


def _community_setup(tmp_path, capsys, informative):
    rng = np.random.default_rng(11)
    k, size = 6, 20  # dense communities: few within-community non-edges
    graph = tmp_path / "g.txt"
    write_edgelist(graph, planted_communities(rng, k, size, 0.9))
    out, stats, _ = _split(capsys, tmp_path, graph)
    ids = np.arange(k * size)
    if informative:
        vecs = np.zeros((len(ids), 8), np.float32)
        vecs[ids, ids // size] = 1.0
        vecs += rng.normal(0, 0.05, vecs.shape).astype(np.float32)
    else:
        vecs = rng.standard_normal((len(ids), 8)).astype(np.float32)
    q.write_embedding(str(tmp_path / "emb.bin"), ids, vecs, binary=True)
    return out


def test_linkpred_planted_communities_auc_near_one(tmp_path, capsys):
    out = _community_setup(tmp_path, capsys, informative=True)
    rc, stdout, err = run_cli(
        capsys, "linkpred", "--embedding", tmp_path / "emb.bin", "--train-pairs", out["train"],
        "--test-pairs", out["test"], "--json",
    )
    assert rc == 0, err
    auc = json.loads(stdout)["auc"]
    assert list(auc) == list(q.OPERATORS)
    for op in ("hadamard", "weighted-l1", "weighted-l2", "cosine", "dot"):
        assert auc[op] > 0.95, (op, auc)


def test_linkpred_random_embedding_auc_near_half(tmp_path, capsys):
    out = _community_setup(tmp_path, capsys, informative=False)
    emb = q.read_embedding(str(tmp_path / "emb.bin"))
    auc = q.linkpred(emb, q.read_pairs(str(out["train"])), q.read_pairs(str(out["test"])), ["hadamard", "cosine"])
    for value in auc.values():
        assert 0.35 < value < 0.65, auc


def test_linkpred_missing_node_errors(tmp_path, capsys):
    out = _community_setup(tmp_path, capsys, informative=True)
    with open(out["test"], "a") as f:
        f.write("5 777777777777 1\n")
    rc, _, err = run_cli(
        capsys, "linkpred", "--embedding", tmp_path / "emb.bin", "--train-pairs", out["train"],
        "--test-pairs", out["test"], "--operators", "hadamard",
    )
    assert rc == 1 and "777777777777" in err and "no embedding" in err


def test_link_eval_and_node_eval_run_the_command(tmp_path, capsys):
    rng = np.random.default_rng(4)
    k, size = 6, 20
    graph = tmp_path / "g.txt"
    write_edgelist(graph, planted_communities(rng, k, size, 0.9))
    ids = np.arange(k * size)
    vecs = np.zeros((len(ids), 8), np.float32)
    vecs[ids, ids // size] = 1.0
    vecs += rng.normal(0, 0.05, vecs.shape).astype(np.float32)
    src = tmp_path / "planted.emb"
    q.write_embedding(str(src), ids, vecs)
    (tmp_path / "labels.txt").write_text("".join(f"{i} {i // size}\n" for i in ids))
    copier = f"{shlex.quote(sys.executable)} -c 'import shutil,sys; assert open(sys.argv[1]).read(); shutil.copy(sys.argv[2], sys.argv[3])'"
    cmd = f"{copier} {{input}} {shlex.quote(str(src))} {{output}}"

    rc, out, err = run_cli(capsys, "link-eval", "--input", graph, "--embed-cmd", cmd, "--operators", "hadamard,cosine",
                           "--workdir", tmp_path / "work", "--json")
    assert rc == 0, err
    report = json.loads(out)
    assert report["auc"]["hadamard"] > 0.95 and report["split"]["removed"] > 0
    assert (tmp_path / "work" / "residual.edgelist").exists()

    rc, out, err = run_cli(capsys, "node-eval", "--input", graph, "--labels", tmp_path / "labels.txt", "--embed-cmd", cmd,
                           "--repeats", "2", "--json")
    assert rc == 0, err
    assert json.loads(out)["results"][0]["macro_f1_mean"] > 0.95

    rc, _, err = run_cli(capsys, "link-eval", "--input", graph, "--embed-cmd", "false {input} {output}")
    assert rc == 1 and "exit status" in err
