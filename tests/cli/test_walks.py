"""`n2v walks`: one walk per line, node ids separated by spaces, in the
canonical order (round by round, start nodes in ascending id), the same at
any thread count; every step follows an edge; the flags and their errors."""

from conftest import KARATE, LESMIS_EDGES


def walks(n2v, *args):
    result = n2v("walks", "--input", KARATE, "--quiet", *args)
    assert result.returncode == 0, result.stderr
    return [list(map(int, line.split())) for line in result.stdout.splitlines()]


def karate_edges():
    edges = set()
    for line in KARATE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            u, v = map(int, line.split()[:2])
            edges.add((u, v))
            edges.add((v, u))
    return edges


def test_canonical_order_and_every_step_an_edge(n2v):
    lines = walks(n2v, "--walk-length", "12", "--num-walks", "3",
                  "--p", "0.5", "--q", "2")
    nodes = sorted({u for u, _ in karate_edges()})
    assert len(lines) == 3 * len(nodes)
    for r in range(3):
        assert [w[0] for w in lines[r * 34:(r + 1) * 34]] == nodes
    edges = karate_edges()
    for walk in lines:
        assert len(walk) == 12  # karate has no dead ends
        assert all((a, b) in edges for a, b in zip(walk, walk[1:]))


def test_same_walks_at_any_thread_count_and_for_the_same_seed(n2v):
    one = walks(n2v, "--walk-length", "20", "--num-walks", "2", "--workers", "1")
    two = walks(n2v, "--walk-length", "20", "--num-walks", "2", "--workers", "2")
    assert one == two
    other_seed = walks(n2v, "--walk-length", "20", "--num-walks", "2", "--seed", "7")
    assert other_seed != one


def test_walk_from_starts_only_there_with_the_same_walks(n2v, tmp_path):
    starts = tmp_path / "starts.txt"
    starts.write_text("5\n1\n")
    every = walks(n2v, "--walk-length", "15", "--num-walks", "2")
    some = walks(n2v, "--walk-length", "15", "--num-walks", "2",
                 "--walk-from", starts)
    assert [w[0] for w in some] == [1, 5, 1, 5]
    by_start_round = {(w[0], r): w for r in range(2)
                      for w in every[r * 34:(r + 1) * 34]}
    assert some == [by_start_round[(1, 0)], by_start_round[(5, 0)],
                    by_start_round[(1, 1)], by_start_round[(5, 1)]]


def test_weighted_directed_csv_and_output_file(n2v, tmp_path):
    out = tmp_path / "walks.txt"
    result = n2v("walks", "--input", LESMIS_EDGES, "--weighted", "--directed",
                 "--walk-length", "5", "--num-walks", "1", "--output", out)
    assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert result.stderr.startswith(f"n2v: {len(lines)} walks of up to 5 nodes in ")
    assert all(1 <= len(line.split()) <= 5 for line in lines)


def test_bad_flags_are_one_line_usage_errors(n2v, tmp_path):
    cases = [
        (["--walk-length", "0"],
         "n2v walks: error: --walk-length must be between 1 and 1000000, got 0"),
        (["--num-walks", "100001"],
         "n2v walks: error: --num-walks must be between 1 and 100000, got 100001"),
        (["--p", "-1"], "n2v walks: error: --p must be finite and > 0, got -1"),
    ]
    for args, message in cases:
        result = n2v("walks", "--input", KARATE, *args)
        assert result.returncode == 2
        assert result.stderr == message + "\n"
    result = n2v("walks", "--output", tmp_path / "w.txt")
    assert result.stderr == "n2v walks: error: --input is required\n"
    starts = tmp_path / "starts.txt"
    starts.write_text("999\n")
    result = n2v("walks", "--input", KARATE, "--walk-from", starts)
    assert result.returncode == 1
    assert result.stderr == ("n2v walks: error: --walk-from: node id 999 is "
                             "not in the graph\n")


def test_an_output_that_would_replace_an_input_is_refused(n2v, tmp_path):
    graph = tmp_path / "graph.txt"
    graph.write_text(KARATE.read_text())
    starts = tmp_path / "starts.txt"
    starts.write_text("1\n")
    (tmp_path / "link.txt").symlink_to(graph)
    for flags, message in [
            (["--input", graph, "--output", tmp_path / "link.txt"],
             f"--output would replace --input: '{tmp_path / 'link.txt'}'"),
            (["--input", graph, "--walk-from", starts, "--output", starts],
             f"--output would replace --walk-from: '{starts}'")]:
        result = n2v("walks", *flags)
        assert result.returncode == 2
        assert result.stderr == f"n2v walks: error: {message}\n"
    assert graph.read_text() == KARATE.read_text()
    assert starts.read_text() == "1\n"
