"""End-to-end tests of the n2v command-line tool (the binary in N2V_BIN).

Run from the repository root:
    N2V_BIN=build/cli/n2v python3 -m pytest -q tests/cli
"""

import gzip
import os
import pty
import re
import subprocess

import numpy as np
import pytest

from conftest import (
    CALL_TIMEOUT_S,
    CORA,
    KARATE,
    LESMIS_EDGES,
    SLASHDOT,
    bits,
    read_binary_embeddings,
    read_text_embeddings,
    rows_by_id,
)

# The reference node2vec command line (Grover & Leskovec's main.py), small.
REFERENCE_FLAGS = [
    "--dimensions", "16", "--walk-length", "20", "--num-walks", "5",
    "--window-size", "5", "--iter", "1", "--workers", "2",
    "--p", "1", "--q", "1", "--unweighted", "--undirected",
]
# Tiny, fast parameters for tests that are not about the training.
SMALL = ["--dimensions", "8", "--num-walks", "2", "--walk-length", "10",
         "--window-size", "3", "--workers", "2"]

NUMBER = r"[0-9]+(?:\.[0-9]+)?"


def assert_ok(result):
    assert result.returncode == 0, (
        f"exit {result.returncode}, stderr: {result.stderr!r}")


def assert_one_line_error(result, code, message):
    """A failed run: the exit code (never a signal), nothing on stdout and
    exactly one line on stderr, equal to `message`."""
    assert result.returncode >= 0, f"killed by signal {-result.returncode}"
    assert result.returncode == code, (
        f"exit {result.returncode}, stderr: {result.stderr!r}")
    assert result.stdout == ""
    assert result.stderr == message + "\n", (
        f"stderr {result.stderr!r}, expected exactly one line {message!r}")


def embed(n2v, graph, out, *flags):
    result = n2v("embed", "--input", graph, "--output", out, *flags)
    assert_ok(result)
    assert result.stdout == ""
    return result


# ============================================== 1. end to end on karate


def test_karate_text_output_with_reference_flags(n2v, tmp_path):
    out = tmp_path / "out.emb"
    embed(n2v, KARATE, out, *REFERENCE_FLAGS)
    assert out.read_text().split("\n", 1)[0] == "34 16"
    count, dims, ids, values = read_text_embeddings(out)
    assert (count, dims) == (34, 16)
    assert len(ids) == 34
    assert sorted(ids) == list(range(1, 35))
    assert np.isfinite(values).all()
    # Trained vectors: no row is left at zero, rows differ from each other.
    assert (np.abs(values).sum(axis=1) > 0).all()
    assert len({tuple(row) for row in values.tolist()}) == 34
    # Nothing but the output file is left behind (no temporary files).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.emb"]


def test_karate_binary_output_equals_text_bit_exactly(n2v, tmp_path):
    text, binary = tmp_path / "out.emb", tmp_path / "out.bin"
    flags = REFERENCE_FLAGS + ["--deterministic", "--seed", "7"]
    embed(n2v, KARATE, text, *flags)
    embed(n2v, KARATE, binary, *flags, "--format", "binary")
    assert binary.read_bytes().startswith(b"34 16\n")
    t_count, t_dims, t_ids, t_values = read_text_embeddings(text)
    b_count, b_dims, b_ids, b_values = read_binary_embeddings(binary)
    assert (b_count, b_dims) == (t_count, t_dims) == (34, 16)
    assert b_ids == t_ids
    assert sorted(b_ids) == list(range(1, 35))
    # Text floats are the shortest round-trip form: parsed back as float32
    # they are the very floats of the binary file.
    np.testing.assert_array_equal(bits(t_values), bits(b_values))


def test_flag_equals_value_form_is_the_same_as_separate_value(n2v, tmp_path):
    spaced, joined, underscored = (tmp_path / f"{n}.emb" for n in "abc")
    flags = REFERENCE_FLAGS + ["--deterministic", "--seed", "7"]
    embed(n2v, KARATE, spaced, *flags)

    joined_flags = []
    it = iter(flags)
    for flag in it:
        if flag in ("--unweighted", "--undirected", "--deterministic"):
            joined_flags.append(flag)
        else:
            joined_flags.append(f"{flag}={next(it)}")
    assert "--walk-length=20" in joined_flags
    result = n2v("embed", f"--input={KARATE}", f"--output={joined}",
                 *joined_flags)
    assert_ok(result)
    # argparse-style underscores are accepted too.
    underscored_flags = [f.replace("-", "_").replace("__", "--", 1)
                         for f in joined_flags]
    assert "--walk_length=20" in underscored_flags
    assert_ok(n2v("embed", "--input", KARATE, "--output", underscored,
                  *underscored_flags))
    assert joined.read_bytes() == spaced.read_bytes()
    assert underscored.read_bytes() == spaced.read_bytes()


def test_defaults_give_128_dimensions(n2v, tmp_path):
    out = tmp_path / "out.emb"
    result = embed(n2v, KARATE, out)  # d=128, r=10, l=80, k=10 by default
    count, dims, ids, values = read_text_embeddings(out)
    assert (count, dims) == (34, 128)
    assert sorted(ids) == list(range(1, 35))
    assert np.isfinite(values).all()
    assert "(d=128)" in result.stderr


# ====================================================== 2. determinism


def test_deterministic_output_is_independent_of_workers(n2v, tmp_path):
    flags = ["--dimensions", "16", "--num-walks", "2", "--walk-length", "20",
             "--window-size", "5", "--deterministic", "--seed", "3"]
    one, two, again = (tmp_path / f"{n}.emb" for n in ("w1", "w2", "again"))
    embed(n2v, CORA, one, *flags, "--workers", "1")
    embed(n2v, CORA, two, *flags, "--workers", "2")
    embed(n2v, CORA, again, *flags, "--workers", "2")
    assert one.read_text().startswith("2708 16\n")
    assert one.read_bytes() == two.read_bytes()
    assert two.read_bytes() == again.read_bytes()

    other_seed = tmp_path / "seed4.emb"
    flags[flags.index("3")] = "4"
    embed(n2v, CORA, other_seed, *flags, "--workers", "2")
    _, _, ids3, v3 = read_text_embeddings(one)
    _, _, ids4, v4 = read_text_embeddings(other_seed)
    assert ids3 == ids4
    assert not np.array_equal(v3, v4)


# ========================================= 3. weighted and directed inputs


def summary_graph_line(result):
    lines = [l for l in result.stderr_lines if l.startswith("n2v: graph: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_weighted_lesmis_csv_skips_header_and_uses_weights(n2v, tmp_path):
    weighted, unweighted = tmp_path / "w.emb", tmp_path / "u.emb"
    flags = SMALL + ["--deterministic", "--seed", "5"]
    result = embed(n2v, LESMIS_EDGES, weighted, *flags, "--weighted")
    assert summary_graph_line(result).startswith(
        "n2v: graph: 77 nodes, 254 edges (undirected, weighted), 0 self-loops, "
        "0 merged duplicates, 0 isolated; ")
    count, dims, ids, values = read_text_embeddings(weighted)
    assert (count, dims) == (77, 8)
    assert sorted(ids) == list(range(77))
    assert np.isfinite(values).all()
    # Without --weighted the weights are ignored: other walks, other vectors.
    result = embed(n2v, LESMIS_EDGES, unweighted, *flags)
    assert "(undirected, unweighted)" in summary_graph_line(result)
    assert unweighted.read_bytes() != weighted.read_bytes()


def test_directed_slashdot_gzip_with_comments_tabs_and_crlf(n2v, tmp_path):
    out = tmp_path / "slashdot.emb"
    result = embed(n2v, SLASHDOT, out, "--directed", "--dimensions", "8",
                   "--num-walks", "1", "--walk-length", "5",
                   "--window-size", "2", "--workers", "2")
    assert summary_graph_line(result).startswith(
        "n2v: graph: 82168 nodes, 948464 edges (directed, unweighted), "
        "78303 self-loops, 0 merged duplicates, 0 isolated; ")
    with open(out, "rb") as f:
        header = f.readline()
        rows = sum(1 for _ in f)
    assert header == b"82168 8\n"
    assert rows == 82168
    ids = {line.split(b" ", 1)[0] for line in out.read_bytes().split(b"\n")[1:-1]}
    assert len(ids) == 82168


def test_input_syntax_variants_read_the_same_graph(n2v, tmp_path):
    """Spaces, tabs, commas, CRLF, comments, blank lines, a header line and
    gzip all describe the same edges."""
    edges = [tuple(map(int, l.split())) for l in KARATE.read_text().splitlines()]
    plain = tmp_path / "plain.txt"
    plain.write_text("".join(f"{a} {b}\n" for a, b in edges))
    messy = tmp_path / "messy.csv"
    messy.write_bytes(
        ("# a comment\r\n% another\r\nsource,target\r\n\r\n" + "".join(
            f"{a}\t{b}\r\n" if i % 3 == 0 else
            f"  {a},{b} \r\n" if i % 3 == 1 else f"{a}  {b}\t7\r\n"
            for i, (a, b) in enumerate(edges))).encode())
    zipped = tmp_path / "plain.txt.gz"
    zipped.write_bytes(gzip.compress(plain.read_bytes()))
    flags = SMALL + ["--deterministic"]
    outputs = []
    for graph in (plain, messy, zipped):
        out = tmp_path / (graph.name + ".emb")
        embed(n2v, graph, out, *flags)
        outputs.append(out.read_bytes())
    assert outputs[0].startswith(b"34 8\n")
    assert outputs[1] == outputs[0]
    assert outputs[2] == outputs[0]


# ====================================================== 4. --nodes


def test_nodes_file_adds_isolated_nodes(n2v, tmp_path):
    nodes = tmp_path / "nodes.txt"
    # Known nodes may be repeated; 100 and 200 have no edge.
    nodes.write_text("# extra nodes\n1\n100\n34\n200\n")
    flags = SMALL + ["--deterministic", "--seed", "9", "--nodes", nodes]
    zero, rand, default = (tmp_path / f"{n}.emb" for n in ("z", "r", "d"))

    result = embed(n2v, KARATE, zero, *flags, "--isolated", "zero")
    assert summary_graph_line(result).startswith(
        "n2v: graph: 36 nodes, 78 edges (undirected, unweighted), 0 self-loops, "
        "0 merged duplicates, 2 isolated; ")
    count, dims, ids, values = read_text_embeddings(zero)
    assert (count, dims) == (36, 8)
    assert sorted(ids) == list(range(1, 35)) + [100, 200]
    z = rows_by_id(ids, values)
    assert not z[100].any() and not z[200].any()
    assert all(z[i].any() for i in range(1, 35))

    embed(n2v, KARATE, rand, *flags, "--isolated", "random")
    count, dims, ids, values = read_text_embeddings(rand)
    r = rows_by_id(ids, values)
    assert count == 36
    for i in (100, 200):
        assert np.isfinite(r[i]).all() and np.abs(r[i]).min() > 0
    assert not np.array_equal(r[100], r[200])
    # Only the isolated rows depend on the policy.
    for i in range(1, 35):
        np.testing.assert_array_equal(bits(r[i]), bits(z[i]))

    # random is the default.
    embed(n2v, KARATE, default, *flags)
    assert default.read_bytes() == rand.read_bytes()


# ====================================================== 5. bad inputs

BAD_FILES = {
    "one_field.txt": "1 2\n3\n",
    "bad_id.txt": "1 2\n2 x\n",
    "bad_first_id.txt": "x 2\n1 2\n",
    "float_id.txt": "1 2\n2.5 3\n",
    "w_negative.txt": "1 2 1\n2 3 -1\n",
    "w_zero.txt": "1 2 1\n2 3 0\n",
    "w_nan.txt": "1 2 1\n2 3 nan\n",
    "w_inf.txt": "1 2 1\n2 3 inf\n",
    "w_abc.txt": "1 2 1\n2 3 abc\n",
    "w_missing.txt": "# weights\n1 2 1\n\n2 3\n",
    "empty.txt": "",
    "comments.txt": "# only\n% comments\n\n   \n",
}

E = "n2v embed: error: "
# (case id, flags after "embed", exit code, stderr line). {tmp} is the test's
# temporary folder, {karate} the karate graph, {out} the output file.
BAD_EMBED_RUNS = [
    ("missing-input", ["--input", "{tmp}/missing.txt", "--output", "{out}"], 1,
     E + "cannot open '{tmp}/missing.txt': No such file or directory"),
    ("input-is-a-directory", ["--input", "{tmp}", "--output", "{out}"], 1,
     E + "cannot read '{tmp}': Is a directory"),
    ("one-field", ["--input", "{tmp}/one_field.txt", "--output", "{out}"], 1,
     E + "{tmp}/one_field.txt:2: expected two node ids, found 1 field"),
    ("non-numeric-id", ["--input", "{tmp}/bad_id.txt", "--output", "{out}"], 1,
     E + "{tmp}/bad_id.txt:2: node id 'x' is not an integer"),
    ("non-numeric-first-id",
     ["--input", "{tmp}/bad_first_id.txt", "--output", "{out}"], 1,
     E + "{tmp}/bad_first_id.txt:1: node id 'x' is not an integer"),
    ("float-id", ["--input", "{tmp}/float_id.txt", "--output", "{out}"], 1,
     E + "{tmp}/float_id.txt:2: node id '2.5' is not an integer"),
    ("weight-negative",
     ["--input", "{tmp}/w_negative.txt", "--output", "{out}", "--weighted"], 1,
     E + "{tmp}/w_negative.txt:2: weight '-1' must be finite and > 0"),
    ("weight-zero",
     ["--input", "{tmp}/w_zero.txt", "--output", "{out}", "--weighted"], 1,
     E + "{tmp}/w_zero.txt:2: weight '0' must be finite and > 0"),
    ("weight-nan",
     ["--input", "{tmp}/w_nan.txt", "--output", "{out}", "--weighted"], 1,
     E + "{tmp}/w_nan.txt:2: weight 'nan' must be finite and > 0"),
    ("weight-inf",
     ["--input", "{tmp}/w_inf.txt", "--output", "{out}", "--weighted"], 1,
     E + "{tmp}/w_inf.txt:2: weight 'inf' must be finite and > 0"),
    ("weight-abc",
     ["--input", "{tmp}/w_abc.txt", "--output", "{out}", "--weighted"], 1,
     E + "{tmp}/w_abc.txt:2: weight 'abc' is not a number"),
    ("weight-missing",
     ["--input", "{tmp}/w_missing.txt", "--output", "{out}", "--weighted"], 1,
     E + "{tmp}/w_missing.txt:4: missing weight: a weighted edge list needs "
     "a third column"),
    ("empty-file", ["--input", "{tmp}/empty.txt", "--output", "{out}"], 1,
     E + "{tmp}/empty.txt: empty graph (no edges or nodes)"),
    ("only-comments", ["--input", "{tmp}/comments.txt", "--output", "{out}"], 1,
     E + "{tmp}/comments.txt: empty graph (no edges or nodes)"),
    ("missing-nodes-file",
     ["--input", "{karate}", "--output", "{out}", "--nodes", "{tmp}/n.txt"], 1,
     E + "cannot open '{tmp}/n.txt': No such file or directory"),
    ("output-dir-missing",
     ["--input", "{karate}", "--output", "{tmp}/no/such/dir/out.emb"], 1,
     E + "cannot write '{tmp}/no/such/dir/out.emb': No such file or directory"),
    ("output-is-a-directory", ["--input", "{karate}", "--output", "{tmp}"], 1,
     E + "cannot write '{tmp}': Is a directory"),
    # Renaming the finished file over a device, a pipe or a link to one such
    # as /dev/stdout would replace it: refused (a FIFO stands in for them).
    ("output-is-a-fifo", ["--input", "{karate}", "--output", "{tmp}/fifo"], 1,
     E + "cannot write '{tmp}/fifo': not a regular file (the output is "
     "written to a temporary file that then replaces it)"),
    # An output that would replace another output or an input is refused
    # before anything is read (paths are compared as files, not as text).
    ("context-output-is-output",
     ["--input", "{karate}", "--output", "{out}", "--context-output", "{tmp}/./out.emb"], 2,
     E + "--context-output names the same file as --output: '{tmp}/./out.emb'"),
    ("output-replaces-input",
     ["--input", "{tmp}/w_zero.txt", "--output", "{tmp}/w_zero.txt"], 2,
     E + "--output would replace --input: '{tmp}/w_zero.txt'"),
    ("missing-input-flag", ["--output", "{out}"], 2, E + "--input is required"),
    ("missing-output-flag", ["--input", "{karate}"], 2,
     E + "--output is required"),
    ("no-flags", [], 2, E + "--input is required"),
    ("unknown-flag", ["--input", "{karate}", "--output", "{out}", "--bogus", "1"],
     2, E + "unknown flag --bogus (see n2v embed --help)"),
    ("single-dash", ["--input", "{karate}", "--output", "{out}", "-p", "1"], 2,
     E + "unexpected argument '-p' (flags start with --)"),
    ("stray-argument", ["--input", "{karate}", "--output", "{out}", "extra"], 2,
     E + "unexpected argument 'extra' (flags start with --)"),
    ("value-missing-at-end", ["--input", "{karate}", "--output", "{out}", "--p"],
     2, E + "--p needs a value"),
    ("value-missing-before-flag",
     ["--input", "{karate}", "--output", "--dimensions", "8"], 2,
     E + "--output needs a value"),
    ("switch-with-value",
     ["--input", "{karate}", "--output", "{out}", "--weighted=yes"], 2,
     E + "--weighted takes no value"),
    ("format", ["--input", "{karate}", "--output", "{out}", "--format", "csv"], 2,
     E + "--format must be text or binary, got 'csv'"),
    ("isolated", ["--input", "{karate}", "--output", "{out}", "--isolated", "x"],
     2, E + "--isolated must be random or zero, got 'x'"),
]

# Numeric flag values refused before any file is read.
BAD_VALUES = [
    ("--p", "0", "--p must be finite and > 0, got 0"),
    ("--p", "-1", "--p must be finite and > 0, got -1"),
    ("--p", "inf", "--p must be finite and > 0, got inf"),
    ("--p", "nan", "--p must be finite and > 0, got nan"),
    ("--p", "abc", "--p must be a number, got 'abc'"),
    ("--p", "", "--p must be a number, got ''"),
    ("--q", "0", "--q must be finite and > 0, got 0"),
    ("--q", "-0.5", "--q must be finite and > 0, got -0.5"),
    ("--dimensions", "0", "--dimensions must be between 1 and 65536, got 0"),
    ("--dimensions", "65537", "--dimensions must be between 1 and 65536, got 65537"),
    ("--dimensions", "abc",
     "--dimensions must be a non-negative integer, got 'abc'"),
    ("--dimensions", "-5",
     "--dimensions must be a non-negative integer, got '-5'"),
    ("--dimensions", "1.5",
     "--dimensions must be a non-negative integer, got '1.5'"),
    ("--dimensions", "99999999999",
     "--dimensions is out of range, got '99999999999'"),
    ("--walk-length", "0", "--walk-length must be between 1 and 1000000, got 0"),
    ("--window-size", "0", "--window-size must be between 1 and 1000, got 0"),
    ("--window-size", "1001", "--window-size must be between 1 and 1000, got 1001"),
    ("--num-walks", "0", "--num-walks must be between 1 and 100000, got 0"),
    ("--num-walks", "100001",
     "--num-walks must be between 1 and 100000, got 100001"),
    ("--iter", "0", "--iter must be between 1 and 1000, got 0"),
    ("--iter", "1001", "--iter must be between 1 and 1000, got 1001"),
    ("--negative", "0", "--negative must be between 1 and 1000, got 0"),
    ("--negative", "4000000000", "--negative must be between 1 and 1000, got 4000000000"),
    ("--workers", "0", "--workers must be >= 1, got 0"),
    ("--workers", "-2", "--workers must be >= 1, got -2"),
    ("--workers", "two", "--workers must be an integer, got 'two'"),
    ("--alpha", "0", "--alpha must be finite and > 0, got 0"),
    ("--min-alpha", "0.5",
     "--min-alpha must be between 0 and --alpha (0.025), got 0.5"),
    ("--sample", "-1", "--sample must be finite and >= 0, got -1"),
    ("--seed", "-1", "--seed must be a non-negative integer, got '-1'"),
]


def write_bad_files(tmp_path):
    for name, text in BAD_FILES.items():
        (tmp_path / name).write_text(text)
    os.mkfifo(tmp_path / "fifo")


def check_failed_embed(result, tmp_path, code, message, out):
    assert_one_line_error(result, code, message)
    # A failed run writes nothing: no output, no temporary file.
    assert not out.exists()
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([*BAD_FILES, "fifo"]), f"files left behind: {left}"
    assert (tmp_path / "fifo").is_fifo()


@pytest.mark.parametrize("args,code,message",
                         [c[1:] for c in BAD_EMBED_RUNS],
                         ids=[c[0] for c in BAD_EMBED_RUNS])
def test_bad_embed_input_is_one_line_error(n2v, tmp_path, args, code, message):
    write_bad_files(tmp_path)
    out = tmp_path / "out.emb"
    subst = {"tmp": str(tmp_path), "karate": str(KARATE), "out": str(out)}
    result = n2v("embed", *[a.format(**subst) for a in args])
    check_failed_embed(result, tmp_path, code, message.format(**subst), out)


@pytest.mark.parametrize("flag,value,message", BAD_VALUES,
                         ids=[f"{f}={v}" for f, v, _ in BAD_VALUES])
@pytest.mark.parametrize("form", ["separate", "joined"])
def test_bad_flag_value_is_one_line_usage_error(n2v, tmp_path, flag, value,
                                                message, form):
    write_bad_files(tmp_path)
    out = tmp_path / "out.emb"
    given = [f"{flag}={value}"] if form == "joined" else [flag, value]
    result = n2v("embed", "--input", KARATE, "--output", out, *given)
    check_failed_embed(result, tmp_path, 2, E + message, out)


def test_unknown_command(n2v):
    result = n2v("embedd", "--input", KARATE)
    assert_one_line_error(
        result, 2, "n2v: error: unknown command 'embedd' (expected embed, "
        "edge-features or walks; see n2v --help)")


def test_no_command_prints_usage_on_stderr(n2v):
    result = n2v()
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("usage: n2v <command> [flags]\n")


def test_diverging_training_is_refused(n2v, tmp_path):
    out = tmp_path / "out.emb"
    result = n2v("embed", "--input", KARATE, "--output", out, *SMALL,
                 "--deterministic", "--alpha", "1e30", "--min-alpha", "0",
                 "--quiet")
    assert_one_line_error(
        result, 1, "n2v embed: error: training diverged: the vectors contain "
        "NaN or infinite values; lower the initial learning rate (now 1e+30)")
    assert list(tmp_path.iterdir()) == []


def test_more_workers_than_cores_is_capped_quietly(n2v, tmp_path):
    few, many = tmp_path / "few.emb", tmp_path / "many.emb"
    flags = SMALL[:-2] + ["--deterministic", "--quiet"]
    result = n2v("embed", "--input", KARATE, "--output", many, *flags,
                 "--workers", "100000")
    assert_ok(result)
    assert result.stderr == ""  # e.g. no thread-pool warnings
    embed(n2v, KARATE, few, *flags, "--workers", "1")
    assert many.read_bytes() == few.read_bytes()


# ================================================= 6. edge-features

OPERATORS = ["average", "hadamard", "weighted-l1", "weighted-l2", "cosine",
             "dot"]
EF = "n2v edge-features: error: "


@pytest.fixture(scope="module")
def karate_embeddings(tmp_path_factory, n2v):
    """Karate embeddings (d=8) as text and binary files, with their rows."""
    folder = tmp_path_factory.mktemp("features")
    text, binary = folder / "k.emb", folder / "k.bin"
    flags = SMALL + ["--deterministic", "--seed", "11", "--quiet"]
    embed(n2v, KARATE, text, *flags)
    embed(n2v, KARATE, binary, *flags, "--format", "binary")
    _, _, ids, values = read_text_embeddings(text)
    return text, binary, rows_by_id(ids, values)


PAIRS_TEXT = "# u v label\n1 2 1\n3 34 0\n\n5 5 1\n33 1 0\n"
PAIRS = [(1, 2), (3, 34), (5, 5), (33, 1)]


def expected_features(rows, op):
    out = []
    for u, v in PAIRS:
        a = rows[u].astype(np.float64)
        b = rows[v].astype(np.float64)
        out.append({
            "average": (a + b) / 2,
            "hadamard": a * b,
            "weighted-l1": np.abs(a - b),
            "weighted-l2": (a - b) ** 2,
            "cosine": [a @ b / (np.linalg.norm(a) * np.linalg.norm(b))],
            "dot": [a @ b],
        }[op])
    return np.array(out)


def parse_features(text):
    lines = text.splitlines()
    pairs = [tuple(int(t) for t in l.split()[:2]) for l in lines]
    values = np.array([[float(t) for t in l.split()[2:]] for l in lines])
    return pairs, values


@pytest.mark.parametrize("op", OPERATORS)
def test_edge_features_match_numpy(n2v, tmp_path, karate_embeddings, op):
    text_emb, binary_emb, rows = karate_embeddings
    pairs = tmp_path / "pairs.txt"
    pairs.write_text(PAIRS_TEXT)
    expected = expected_features(rows, op)
    assert expected.shape == (4, 1 if op in ("cosine", "dot") else 8)

    out = tmp_path / "features.txt"
    to_file = n2v("edge-features", "--embeddings", text_emb, "--pairs", pairs,
                  "--operator", op, "--output", out)
    assert_ok(to_file)
    assert to_file.stdout == "" and to_file.stderr == ""
    got_pairs, got = parse_features(out.read_text())
    assert got_pairs == PAIRS
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    if op == "cosine":
        assert got[2, 0] == pytest.approx(1.0, abs=1e-6)  # a node with itself

    # stdout gives the same text; binary embeddings give the same values.
    to_stdout = n2v("edge-features", "--embeddings", text_emb, "--pairs", pairs,
                    f"--operator={op}")
    assert_ok(to_stdout)
    assert to_stdout.stderr == ""
    assert to_stdout.stdout == out.read_text()
    from_binary = n2v("edge-features", "--embeddings", binary_emb, "--pairs",
                      pairs, "--operator", op)
    assert_ok(from_binary)
    assert from_binary.stdout == out.read_text()


def test_edge_features_default_operator_and_aliases(n2v, tmp_path,
                                                    karate_embeddings):
    text_emb, _, _ = karate_embeddings
    pairs = tmp_path / "pairs.txt"
    pairs.write_text(PAIRS_TEXT)

    def features(*extra):
        result = n2v("edge-features", "--embeddings", text_emb, "--pairs",
                     pairs, *extra)
        assert_ok(result)
        return result.stdout

    assert features() == features("--operator", "hadamard")
    assert features("--operator", "L1") == features("--operator", "weighted-l1")
    assert (features("--operator", "Weighted_L2")
            == features("--operator", "weighted-l2"))


BAD_FEATURE_RUNS = [
    ("unknown-operator",
     ["--embeddings", "{emb}", "--pairs", "{pairs}", "--operator", "sum"], 2,
     EF + "--operator: unknown edge operator 'sum' (expected average, "
     "hadamard, weighted-l1, weighted-l2, cosine or dot)"),
    ("unknown-target",
     ["--embeddings", "{emb}", "--pairs", "{tmp}/unknown.txt"], 1,
     EF + "{tmp}/unknown.txt: pair 2: node id 99 (target) has no vector in "
     "'{emb}'"),
    ("unknown-source",
     ["--embeddings", "{emb}", "--pairs", "{tmp}/unknown_source.txt",
      "--output", "{tmp}/out.txt"], 1,
     EF + "{tmp}/unknown_source.txt: pair 1: node id 0 (source) has no "
     "vector in '{emb}'"),
    ("malformed-pair", ["--embeddings", "{emb}", "--pairs", "{tmp}/short.txt"],
     1, EF + "{tmp}/short.txt:3: expected two node ids, found 1 field"),
    ("missing-embeddings-file",
     ["--embeddings", "{tmp}/none.emb", "--pairs", "{pairs}"], 1,
     EF + "cannot open '{tmp}/none.emb': No such file or directory"),
    ("missing-pairs-file", ["--embeddings", "{emb}", "--pairs", "{tmp}/no.txt"],
     1, EF + "cannot open '{tmp}/no.txt': No such file or directory"),
    ("not-an-embedding-file",
     ["--embeddings", "{pairs}", "--pairs", "{pairs}"], 1,
     EF + "{pairs}:1: expected a header '<count> <dimensions>' with "
     "dimensions >= 1"),
    ("output-dir-missing",
     ["--embeddings", "{emb}", "--pairs", "{pairs}", "--output",
      "{tmp}/nodir/f.txt"], 1,
     EF + "cannot write '{tmp}/nodir/f.txt': No such file or directory"),
    ("output-is-a-fifo",
     ["--embeddings", "{emb}", "--pairs", "{pairs}", "--output", "{tmp}/fifo"],
     1, EF + "cannot write '{tmp}/fifo': not a regular file (the output is "
     "written to a temporary file that then replaces it)"),
    ("output-replaces-pairs",
     ["--embeddings", "{emb}", "--pairs", "{pairs}", "--output", "{pairs}"], 2,
     EF + "--output would replace --pairs: '{pairs}'"),
    ("missing-embeddings-flag", ["--pairs", "{pairs}"], 2,
     EF + "--embeddings is required"),
    ("missing-pairs-flag", ["--embeddings", "{emb}"], 2,
     EF + "--pairs is required"),
    ("workers-zero",
     ["--embeddings", "{emb}", "--pairs", "{pairs}", "--workers", "0"], 2,
     EF + "--workers must be >= 1, got 0"),
    ("unknown-flag", ["--embeddings", "{emb}", "--pairs", "{pairs}", "--op",
                      "dot"], 2,
     EF + "unknown flag --op (see n2v edge-features --help)"),
]


@pytest.mark.parametrize("args,code,message",
                         [c[1:] for c in BAD_FEATURE_RUNS],
                         ids=[c[0] for c in BAD_FEATURE_RUNS])
def test_bad_edge_features_input_is_one_line_error(
        n2v, tmp_path, karate_embeddings, args, code, message):
    text_emb, _, _ = karate_embeddings
    (tmp_path / "pairs.txt").write_text(PAIRS_TEXT)
    (tmp_path / "unknown.txt").write_text("1 2\n1 99\n")
    (tmp_path / "unknown_source.txt").write_text("0 2\n")
    (tmp_path / "short.txt").write_text("1 2\n\n7\n")
    os.mkfifo(tmp_path / "fifo")
    before = sorted(p.name for p in tmp_path.iterdir())
    subst = {"tmp": str(tmp_path), "emb": str(text_emb),
             "pairs": str(tmp_path / "pairs.txt")}
    result = n2v("edge-features", *[a.format(**subst) for a in args])
    assert_one_line_error(result, code, message.format(**subst))
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (tmp_path / "fifo").is_fifo()


# ============================================ 7. help and progress output


def test_top_level_help(n2v):
    for flag in ("--help", "-h", "help"):
        result = n2v(flag)
        assert_ok(result)
        assert result.stderr == ""
        assert result.stdout.startswith("usage: n2v <command> [flags]\n")
        assert re.search(r"^  embed +learn node2vec embeddings", result.stdout,
                         re.M)
        assert re.search(r"^  edge-features +features of node pairs",
                         result.stdout, re.M)
        assert re.search(r"^  walks +the node2vec walks of an edge list",
                         result.stdout, re.M)


EMBED_FLAGS = {
    # flag: default shown in the help, None for none
    "input": None, "output": None, "nodes": None, "dimensions": "128",
    "walk-length": "80", "num-walks": "10", "window-size": "10", "iter": "1",
    "workers": None, "p": "1", "q": "1", "weighted": None, "unweighted": None,
    "directed": None, "undirected": None, "negative": "5", "alpha": "0.025",
    "min-alpha": "0.0001", "sample": "0.001", "seed": "1",
    "deterministic": None, "isolated": "random", "format": "text",
    "quiet": None, "batch-windows": None, "learning-rate": "0.025",
    "min-learning-rate": "0.0001", "init": None, "init-context": None,
    "context-output": None, "walk-from": None, "align-to": None,
    "no-align": None,
}


def test_embed_help_lists_every_flag(n2v):
    result = n2v("embed", "--help")
    assert_ok(result)
    assert result.stderr == ""
    assert result.stdout.startswith("usage: n2v embed [flags]\n")
    listed = dict(re.findall(r"^  --([a-z-]+)(?: VALUE)? +(.*)$",
                             result.stdout, re.M))
    for flag, default in EMBED_FLAGS.items():
        assert flag in listed, f"--{flag} missing from the help"
        if default is not None:
            assert listed[flag].endswith(f"(default {default})"), listed[flag]
    assert listed["unweighted"].endswith("(default)")
    assert listed["undirected"].endswith("(default)")
    # Help descriptions start in one column.
    columns = {m.start(2) - m.start(1) for m in re.finditer(
        r"^(  --[a-z-]+(?: VALUE)? +)(\S)", result.stdout, re.M)}
    assert len(columns) == 1


def test_edge_features_help_lists_every_flag(n2v):
    result = n2v("edge-features", "--help")
    assert_ok(result)
    assert result.stderr == ""
    listed = re.findall(r"^  --([a-z-]+)", result.stdout, re.M)
    assert listed == ["embeddings", "pairs", "operator", "output", "workers"]
    assert "(default hadamard)" in result.stdout


def test_summary_lines_without_progress_when_stderr_is_not_a_terminal(
        n2v, tmp_path):
    out = tmp_path / "out.emb"
    result = embed(n2v, KARATE, out, *REFERENCE_FLAGS, "--deterministic")
    assert "\r" not in result.stderr
    lines = result.stderr_lines
    assert len(lines) == 3, result.stderr
    assert re.fullmatch(
        r"n2v: graph: 34 nodes, 78 edges \(undirected, unweighted\), "
        r"0 self-loops, 0 merged duplicates, 0 isolated; "
        rf"{NUMBER} bytes/edge; loaded in {NUMBER} s", lines[0]), lines[0]
    assert re.fullmatch(
        rf"n2v: embedded 34 nodes \(d=16\) in {NUMBER} s: counting walks "
        rf"{NUMBER} s, training {NUMBER} s \({NUMBER}M nodes/s\), "
        rf"loss {NUMBER}, deterministic", lines[1]), lines[1]
    assert lines[2].startswith(f"n2v: wrote {out} (text) in "), lines[2]
    assert re.fullmatch(rf"n2v: wrote .* \(text\) in {NUMBER} s", lines[2])


def test_quiet_prints_nothing(n2v, tmp_path):
    out = tmp_path / "out.emb"
    result = n2v("embed", "--input", KARATE, "--output", out,
                 *REFERENCE_FLAGS, "--quiet")
    assert_ok(result)
    assert result.stdout == "" and result.stderr == ""
    assert out.read_text().startswith("34 16\n")


def test_quiet_prints_nothing_on_a_terminal_either(n2v, tmp_path):
    """With stderr on a terminal, --quiet still prints no progress line."""
    out = tmp_path / "out.emb"
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [str(n2v.binary), "embed", "--input", str(KARATE), "--output",
             str(out), *SMALL, "--quiet"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower,
            env=n2v.env, timeout=CALL_TIMEOUT_S)
        os.close(follower)
        follower = -1
        printed = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO once the terminal has no writer
                break
            if not chunk:
                break
            printed += chunk
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)
    assert proc.returncode == 0
    assert printed == b""
    assert out.read_text().startswith("34 8\n")
