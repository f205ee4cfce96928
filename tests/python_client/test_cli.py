"""`python -m n2v_client`: the small command line."""

import os
import subprocess
import sys

from pathlib import Path

import numpy as np

CLIENT_SOURCE = Path(__file__).resolve().parents[2] / "clients" / "python"


def run_cli(*args, timeout=60):
    env = dict(os.environ, PYTHONPATH=str(CLIENT_SOURCE))
    return subprocess.run([sys.executable, "-m", "n2v_client", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env)


def test_cli_embed_writes_word2vec_text_equal_to_the_api(server, karate_vectors, karate_path,
                                                         small, tmp_path):
    out = tmp_path / "karate.emb"
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in small.items()]
    proc = run_cli("embed", "--target", server.target, "--input", karate_path, "--output", out,
                   "--deterministic", "--concurrency", "1", *flags)
    assert proc.returncode == 0, proc.stderr
    assert "SUCCEEDED" in proc.stderr and "wrote 34 vectors" in proc.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == f"34 {small['embedding_dimension']}"
    ids = np.array([int(line.split()[0]) for line in lines[1:]])
    vectors = np.array([[float(x) for x in line.split()[1:]] for line in lines[1:]],
                       dtype=np.float32)
    np.testing.assert_array_equal(ids, karate_vectors[0])
    np.testing.assert_array_equal(vectors, karate_vectors[1])


def test_cli_reports_errors_in_one_line(server, karate_path, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2\n2 x\n")
    proc = run_cli("embed", "--target", server.target, "--input", bad,
                   "--output", tmp_path / "out.emb", "--quiet")
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("n2v_client: error:")
    assert "bad.txt:2" in proc.stderr
    assert not (tmp_path / "out.emb").exists()
    proc = run_cli("embed", "--target", server.target, "--input", karate_path,
                   "--output", tmp_path / "out.emb", "--quiet", "--return-factor", "-1")
    assert proc.returncode == 1 and "INVALID_ARGUMENT" in proc.stderr
    assert "return_factor" in proc.stderr


def test_cli_health(server):
    proc = run_cli("health", "--target", server.target)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "SERVING"


def test_cli_walk_from_reads_node_ids_from_a_file(server, karate_path, small, tmp_path):
    """--walk-from names a file of ids, as n2v's does; it offered 'random'
    and 'zero' before, and either one ended in a traceback."""
    starts = tmp_path / "starts.txt"
    starts.write_text("\ufeff# two members\n1\n34\n")
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in small.items()]
    out = tmp_path / "out.emb"
    proc = run_cli("embed", "--target", server.target, "--input", karate_path, "--output", out,
                   "--quiet", "--walk-from", starts, *flags)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().splitlines()[0] == f"34 {small['embedding_dimension']}"
    starts.write_text("1\nx\n")
    proc = run_cli("embed", "--target", server.target, "--input", karate_path,
                   "--output", out, "--quiet", "--walk-from", starts)
    assert proc.returncode == 1
    assert proc.stderr == f"n2v_client: error: {starts}:2: node id 'x' is not an integer\n"
    starts.write_text("999\n")
    proc = run_cli("embed", "--target", server.target, "--input", karate_path,
                   "--output", out, "--quiet", "--walk-from", starts)
    assert proc.returncode == 1
    assert proc.stderr.endswith("params.walk_from: node id 999 is not in the graph\n"), \
        proc.stderr


def test_cli_refuses_a_bad_output_or_token_before_any_work(karate_path, tmp_path):
    """Checked before connecting (the target here has no server): an output
    that cannot be written, or that would replace the input, and a token
    file without a token (it ended in a traceback)."""
    copy = tmp_path / "edges.txt"
    copy.write_text(karate_path.read_text())
    empty = tmp_path / "empty.token"
    empty.write_text("")
    nowhere = "127.0.0.1:1"
    cases = [
        (["--output", tmp_path / "no" / "out.emb"],
         f"cannot write '{tmp_path / 'no' / 'out.emb'}': No such file or directory"),
        (["--output", tmp_path], f"cannot write '{tmp_path}': Is a directory"),
        (["--output", tmp_path / "." / "edges.txt"],
         f"--output would replace --input: '{tmp_path / '.' / 'edges.txt'}'"),
        (["--output", tmp_path / "out.emb", "--token-file", empty],
         f"--token-file '{empty}' has no token on its first line"),
    ]
    for flags, message in cases:
        proc = run_cli("embed", "--target", nowhere, "--input", copy, "--quiet", *flags)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr == f"n2v_client: error: {message}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edges.txt", "empty.token"]
    assert copy.read_text() == karate_path.read_text()
