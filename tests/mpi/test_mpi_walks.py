"""`n2v-mpi walks` under a real mpirun: the same lines as `n2v walks` at 1, 2
and 4 ranks, whatever the thread count, from a plain or a gzip file;
per-rank output files; per-rank input files; errors reported once, naming
the file and line; a stopped job leaves no part behind."""

import signal
import subprocess
import time

import pytest

from conftest import BLOGCATALOG, KARATE, LESMIS_EDGES, SLASHDOT

RANKS = [1, 2, 4]


@pytest.mark.parametrize("ranks", RANKS)
def test_same_lines_as_n2v_walks(mpi, ranks, tmp_path):
    flags = ["--input", LESMIS_EDGES, "--weighted", "--p", "0.5", "--q", "2",
             "--walk-length", "30", "--num-walks", "3", "--seed", "11", "--quiet"]
    single = mpi.single("walks", *flags)
    assert single.returncode == 0, single.stderr
    result = mpi(ranks, "walks", *flags, "--workers", "1", "--walks-per-wave", "40")
    assert result.returncode == 0, result.stderr
    assert result.stdout == single.stdout
    assert len(result.stdout.splitlines()) == 3 * 77


def test_blogcatalog_directed_at_two_ranks_to_a_file(mpi, tmp_path):
    flags = ["--input", BLOGCATALOG, "--directed", "--p", "0.25", "--q", "4",
             "--walk-length", "20", "--num-walks", "1", "--quiet"]
    single = mpi.single("walks", *flags)
    out = tmp_path / "walks.txt"
    result = mpi(2, "walks", *flags, "--workers", "2", "--output", out)
    assert result.returncode == 0, result.stderr
    assert out.read_text() == single.stdout
    assert not list(tmp_path.glob("*.tmp*"))


def test_snap_slashdot_as_downloaded_gzip_at_three_ranks(mpi, tmp_path):
    """A gzip file cannot be split by bytes: each rank reads the stream and
    keeps its blocks (about 4 MiB of whole lines each; the file's 11 MB
    make three)."""
    flags = ["--input", SLASHDOT, "--directed", "--walk-length", "5", "--num-walks", "1",
             "--quiet"]
    single = mpi.single("walks", *flags)
    assert single.returncode == 0, single.stderr
    result = mpi(3, "walks", *flags, "--workers", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == single.stdout
    assert len(result.stdout.splitlines()) == 82168


def test_two_jobs_writing_one_file_each_write_it_whole(mpi, tmp_path):
    """Each job writes its own temporary file and moves it into place, so
    two at once leave one whole file, and neither fails nor hangs (a shared
    temporary name made the second rename fail on rank 0 alone)."""
    flags = ["--input", BLOGCATALOG, "--walk-length", "20", "--num-walks", "1", "--quiet"]
    single = mpi.single("walks", *flags)
    out = tmp_path / "walks.txt"
    runs = [subprocess.Popen([mpi.mpirun, "-np", "2", "--oversubscribe", mpi.mpi_binary,
                              "walks", *map(str, flags), "--workers", "1", "--output", out],
                             env=mpi.env_apart(tmp_path / f"mpirun-{i}"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for i in range(2)]
    for run in runs:
        _, stderr = run.communicate(timeout=120)
        assert run.returncode == 0, stderr.decode()
    assert out.read_text() == single.stdout
    assert not list(tmp_path.glob("*.tmp*"))


def test_summary_counts_the_traffic(mpi):
    result = mpi(2, "walks", "--input", KARATE, "--walk-length", "10",
                 "--num-walks", "2")
    assert result.returncode == 0, result.stderr
    summary = [l for l in result.stderr.splitlines() if l.startswith("n2v-mpi:")]
    assert len(summary) == 1  # rank 0 only
    assert "68 walks of up to 10 nodes on 2 ranks" in summary[0]
    assert "graph 34 nodes, 78 edges" in summary[0]
    assert "migrations" in summary[0] and "bytes sent per step" in summary[0]


def test_output_parts_hold_each_ranks_own_starts(mpi, tmp_path):
    flags = ["--input", KARATE, "--walk-length", "8", "--num-walks", "2", "--quiet"]
    single = mpi.single("walks", *flags).stdout.splitlines()
    result = mpi(2, "walks", *flags, "--output-parts",
                 "--output", tmp_path / "walks-{rank}.txt")
    assert result.returncode == 0, result.stderr
    parts = [(tmp_path / f"walks-{r}.txt").read_text().splitlines() for r in range(2)]
    assert sorted(parts[0] + parts[1]) == sorted(single)
    assert parts[0] and parts[1]
    starts = [{int(line.split()[0]) for line in part} for part in parts]
    assert not starts[0] & starts[1]
    # Each part keeps the canonical order: a subsequence of the whole.
    for part in parts:
        position = {line: i for i, line in enumerate(single)}
        indices = [position[line] for line in part]
        assert indices == sorted(indices)


def test_per_rank_input_files(mpi, tmp_path):
    lines = [l for l in KARATE.read_text().splitlines() if l and not l.startswith("#")]
    for r in range(2):
        (tmp_path / f"edges-{r}.txt").write_text("\n".join(lines[r::2]) + "\n")
    flags = ["--walk-length", "10", "--num-walks", "2", "--quiet"]
    single = mpi.single("walks", "--input", KARATE, *flags)
    result = mpi(2, "walks", "--input", tmp_path / "edges-{rank}.txt", *flags)
    assert result.returncode == 0, result.stderr
    assert result.stdout == single.stdout


def test_a_bad_line_is_reported_once_with_file_and_line(mpi, tmp_path):
    edges = tmp_path / "edges.txt"
    good = "\n".join(f"{i} {i + 1}" for i in range(200))
    edges.write_text(good + "\n7 x\n" + good + "\n")
    result = mpi(2, "walks", "--input", edges, "--quiet")
    assert result.returncode == 1
    errors = [l for l in result.stderr.splitlines() if "error" in l]
    assert len(errors) == 1, result.stderr
    assert f"{edges}:201: node id 'x' is not an integer" in errors[0], errors[0]


def test_missing_rank_file_and_usage_errors(mpi, tmp_path):
    (tmp_path / "edges-0.txt").write_text("1 2\n")
    result = mpi(2, "walks", "--input", tmp_path / "edges-{rank}.txt", "--quiet")
    assert result.returncode == 1
    assert "rank 1: " in result.stderr and "edges-1.txt" in result.stderr, result.stderr
    usage = mpi(2, "walks", "--input", KARATE, "--q", "0")
    assert usage.returncode == 2
    assert usage.stderr.count("--q must be finite and > 0, got 0") == 1, usage.stderr
    parts = mpi(2, "walks", "--input", KARATE, "--output-parts", "--output", "w.txt")
    assert parts.returncode == 2
    assert "--output-parts needs --output with '{rank}'" in parts.stderr
    starts = tmp_path / "starts.txt"
    starts.write_text("1\n999\n")
    missing = mpi(2, "walks", "--input", KARATE, "--walk-from", starts, "--quiet")
    assert missing.returncode == 1
    assert missing.stderr.count("--walk-from: node id 999 is not in the graph") == 1
    # A directory given as the input is named, as n2v names it.
    folder = mpi(2, "walks", "--input", tmp_path, "--quiet")
    assert folder.returncode == 1
    assert f"cannot read '{tmp_path}': Is a directory" in folder.stderr, folder.stderr


def test_a_stopped_job_leaves_no_part_behind(mpi, tmp_path):
    """SIGTERM to mpirun (an MPIJob deleted, a scheduler's time limit)
    reaches every rank, and each removes the part it was writing."""
    flags = ["--input", BLOGCATALOG, "--num-walks", "200", "--quiet", "--workers", "1"]
    run = subprocess.Popen([mpi.mpirun, "-np", "2", "--oversubscribe", mpi.mpi_binary,
                            "walks", *map(str, flags), "--output-parts",
                            "--output", tmp_path / "walks-{rank}.txt"],
                           env=mpi.env_apart(tmp_path / "mpirun"),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("*.tmp*"))) < 2:
            assert run.poll() is None, run.stderr.read().decode()
            assert time.monotonic() < deadline, "the ranks did not start writing"
            time.sleep(0.05)
        run.send_signal(signal.SIGTERM)
        run.communicate(timeout=60)
    finally:
        run.kill()
    assert run.returncode != 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mpirun"]


@pytest.mark.parametrize("flags,message", [
    (["--output-parts"], "--output-parts needs --output with '{rank}' in the file name"),
    (["--output", "w-{rank}.txt"],
     "--output 'w-{rank}.txt' names a file per rank: add --output-parts, or take "
     "'{rank}' out of the name for one file written by rank 0"),
])
def test_output_parts_and_rank_names_go_together(mpi, tmp_path, flags, message):
    """Before, '{rank}' without --output-parts wrote the whole file as
    'w-0.txt' and exited 0."""
    result = subprocess.run([mpi.mpirun, "-np", "2", "--oversubscribe", mpi.mpi_binary,
                             "walks", "--input", str(KARATE), "--quiet", *flags],
                            cwd=tmp_path, env=mpi.env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2, result.stderr
    errors = [l for l in result.stderr.splitlines() if "error:" in l]
    assert errors == [f"n2v-mpi walks: error: {message}"], result.stderr
    assert list(tmp_path.iterdir()) == []
