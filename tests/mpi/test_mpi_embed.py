"""`n2v-mpi embed` under a real mpirun: rank 0 writes the file n2v embed
writes (every node once, ids ascending, text or binary), --output-parts
splits it by rank, deterministic runs repeat bit for bit at any --workers,
a warm start re-embeds as n2v embed does (same rows copied and seeded, the
same drift to within noise, context vectors written for the next one), and
what it refuses it refuses once, naming the flag."""

import re
import subprocess

from pathlib import Path

import pytest

from conftest import CORA, KARATE, LESMIS_EDGES


def read_text(path):
    lines = Path(path).read_text().splitlines()
    count, dims = map(int, lines[0].split())
    rows = {int(l.split()[0]): l.split()[1:] for l in lines[1:]}
    assert len(rows) == count == len(lines) - 1
    assert all(len(v) == dims for v in rows.values())
    return [int(l.split()[0]) for l in lines[1:]], rows, dims


def karate_ids():
    ids = set()
    for line in KARATE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            ids.update(map(int, line.split()[:2]))
    return ids


@pytest.mark.parametrize("ranks", [1, 2, 4])
def test_one_file_every_node_once_ascending(mpi, ranks, tmp_path):
    out = tmp_path / "v.txt"
    result = mpi(ranks, "embed", "--input", KARATE, "--output", out, "--dimensions", "8",
                 "--walk-length", "20", "--workers", "1")
    assert result.returncode == 0, result.stderr
    order, rows, dims = read_text(out)
    assert dims == 8 and set(order) == karate_ids() and order == sorted(order)
    summary = [l for l in result.stderr.splitlines() if l.startswith("n2v-mpi:")]
    assert len(summary) == 3 and f"on {ranks} ranks" in summary[0]
    assert not list(tmp_path.glob("*.tmp*"))


def test_output_parts_and_binary(mpi, tmp_path):
    result = mpi(2, "embed", "--input", LESMIS_EDGES, "--weighted", "--output-parts",
                 "--output", tmp_path / "part-{rank}.txt", "--dimensions", "8", "--quiet")
    assert result.returncode == 0, result.stderr
    parts = [read_text(tmp_path / f"part-{r}.txt")[0] for r in range(2)]
    assert parts[0] and parts[1] and not set(parts[0]) & set(parts[1])
    assert len(parts[0]) + len(parts[1]) == 77
    # Parts of a run on more ranks do not outlive the next run's: a later
    # --init reads every part there is.
    (tmp_path / "part-2.txt").write_text(parts_text := (tmp_path / "part-1.txt").read_text())
    (tmp_path / "part-3.txt").write_text(parts_text)
    again = mpi(2, "embed", "--input", LESMIS_EDGES, "--weighted", "--output-parts",
                "--output", tmp_path / "part-{rank}.txt", "--dimensions", "8", "--quiet")
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in tmp_path.glob("part-*")) == ["part-0.txt", "part-1.txt"]
    # A missing part is refused, not read as the end of the parts.
    (tmp_path / "part-1.txt").rename(tmp_path / "part-2.txt")
    gap = mpi(2, "embed", "--input", LESMIS_EDGES, "--weighted", "--init",
              tmp_path / "part-{rank}.txt", "--output", tmp_path / "never.txt",
              "--dimensions", "8", "--quiet")
    assert gap.returncode == 1
    assert (f"--init: part '{tmp_path / 'part-1.txt'}' is missing, but "
            f"'{tmp_path / 'part-2.txt'}' exists") in gap.stderr, gap.stderr
    binary = tmp_path / "v.bin"
    result = mpi(2, "embed", "--input", LESMIS_EDGES, "--weighted", "--output", binary,
                 "--format", "binary", "--dimensions", "8", "--quiet")
    assert result.returncode == 0, result.stderr
    data = binary.read_bytes()
    assert data.startswith(b"77 8\n") and len(data) > 77 * 8 * 4


def test_deterministic_runs_repeat_bit_for_bit(mpi, tmp_path):
    outputs = []
    for run, workers in enumerate(["1", "2", "2"]):
        out = tmp_path / f"v{run}.txt"
        result = mpi(2, "embed", "--input", KARATE, "--output", out, "--deterministic",
                     "--dimensions", "16", "--workers", workers, "--quiet")
        assert result.returncode == 0, result.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_batch_windows_runs_on_every_rank_and_repeats(mpi, tmp_path):
    outputs = []
    for run, workers in enumerate(["1", "2"]):
        out = tmp_path / f"b{run}.txt"
        result = mpi(3, "embed", "--input", KARATE, "--output", out, "--batch-windows",
                     "--deterministic", "--dimensions", "16", "--workers", workers)
        assert result.returncode == 0, result.stderr
        assert re.search(r"on 3 ranks", result.stderr), result.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    pairwise = tmp_path / "p.txt"
    result = mpi(3, "embed", "--input", KARATE, "--output", pairwise, "--deterministic",
                 "--dimensions", "16", "--quiet")
    assert result.returncode == 0, result.stderr
    assert pairwise.read_bytes() != outputs[0]
    assert outputs[0].splitlines()[0] == b"34 16"


@pytest.mark.parametrize("flags,code,message", [
    (["--init", "missing.txt"], 1, "--init: "),
    (["--output-parts", "--output", "v-{rank}.txt", "--context-output", "c.txt"], 2,
     "--output-parts needs --context-output with '{rank}' in the file name"),
    (["--output", "v-{rank}.txt"], 2,
     "--output '{tmp}/v-{rank}.txt' names a file per rank: add --output-parts, or take "
     "'{rank}' out of the name for one file written by rank 0"),
    (["--output-parts", "--output", "v-{rank}.txt", "--context-output", "v-{rank}.txt"], 2,
     "--context-output names the same file as --output: "),
    (["--memory-per-rank", "lots"], 2,
     "--memory-per-rank: expected a size like 512MiB or 8GiB, got 'lots'"),
    (["--walks-per-wave", "0"], 2, "--walks-per-wave must be between 1 and"),
    (["--memory-per-rank", "1KiB"], 1,
     "MiB for its graph and model parts and a wave's "
     "walks, more than --memory-per-rank 1KiB: run on more ranks, or lower "
     "--dimensions or --walks-per-wave"),
])
def test_refusals_are_reported_once(mpi, tmp_path, flags, code, message):
    result = mpi(2, "embed", "--input", KARATE, "--output", tmp_path / "v.txt",
                 *[str(tmp_path / f) if f.endswith(".txt") else f for f in flags])
    assert result.returncode == code, result.stderr
    errors = [l for l in result.stderr.splitlines() if "error:" in l]
    message = message.replace("{tmp}", str(tmp_path))
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert not (tmp_path / "v.txt").exists()


def test_a_waves_memory_counts_against_the_cap(mpi, tmp_path):
    """A cap that holds Cora's graph and model parts but not a wave of
    every walk: refused, naming --walks-per-wave; smaller waves fit, and
    the summary says what they take."""
    flags = ["--input", CORA, "--num-walks", "2", "--workers", "1",
             "--memory-per-rank", "5MiB", "--output", tmp_path / "v.txt"]
    refused = mpi(2, "embed", *flags)
    assert refused.returncode == 1, refused.stderr
    assert "a wave's walks, more than --memory-per-rank 5MiB" in refused.stderr
    assert "--walks-per-wave" in refused.stderr
    fits = mpi(2, "embed", *flags, "--walks-per-wave", "64")
    assert fits.returncode == 0, fits.stderr
    waves = re.search(r"largest rank: graph [\d.]+ MiB, model [\d.]+ MiB, waves ([\d.]+) MiB",
                      fits.stderr)
    assert waves and 0 < float(waves.group(1)) < 1, fits.stderr


def warm_lines(stderr, program):
    """(copied, seeded, drift mean) from a warm run's report lines."""
    warm = re.search(program + r": warm start from .*: (\d+) nodes from their vectors, "
                     r"(\d+) from their neighbours'", stderr)
    drift = re.search(program + r": aligned to .*: (\d+) shared nodes .* drift mean "
                      r"([0-9.]+)", stderr)
    assert warm and drift, stderr
    return int(warm.group(1)), int(warm.group(2)), float(drift.group(2))


def test_warm_start_re_embeds_as_n2v_embed_does(mpi, tmp_path):
    flags = ["--dimensions", "32", "--walk-length", "40", "--num-walks", "5", "--seed", "3"]
    previous, previous_context = tmp_path / "prev.txt", tmp_path / "prev-context.txt"
    result = mpi.single("embed", "--input", CORA, "--output", previous,
                        "--context-output", previous_context, *flags, "--quiet")
    assert result.returncode == 0, result.stderr
    # The graph a day later: 1% more edges, three of them to new nodes.
    lines = [l for l in CORA.read_text().splitlines() if l.strip()]
    grown = tmp_path / "cora-grown.edgelist"
    added = [f"{lines[i].split()[0]} {lines[-i - 1].split()[1]}" for i in range(50)]
    added += [f"{900000 + k} {lines[k].split()[0]}" for k in range(3)]
    grown.write_text("\n".join(lines + added) + "\n")
    warm = ["--input", grown, "--init", previous, "--init-context", previous_context, *flags]
    single = mpi.single("embed", *warm, "--output", tmp_path / "single.txt")
    assert single.returncode == 0, single.stderr
    out, context = tmp_path / "warm.txt", tmp_path / "warm-context.txt"
    result = mpi(2, "embed", *warm, "--output", out, "--context-output", context)
    assert result.returncode == 0, result.stderr
    copied, seeded, drift = warm_lines(result.stderr, "n2v-mpi")
    single_copied, single_seeded, single_drift = warm_lines(single.stderr, "n2v")
    assert (copied, seeded) == (single_copied, single_seeded) and seeded == 3
    assert drift < 0.25 and abs(drift - single_drift) < 0.05, (drift, single_drift)
    ids, _, _ = read_text(out)
    context_ids, _, _ = read_text(context)
    assert ids == context_ids and len(ids) == copied + seeded
    # The next warm start chains from these files, at another rank count.
    again = mpi(3, "embed", "--input", grown, "--init", out, "--init-context", context,
                *flags, "--output-parts", "--output", tmp_path / "next-{rank}.txt",
                "--context-output", tmp_path / "next-context-{rank}.txt")
    assert again.returncode == 0, again.stderr
    assert warm_lines(again.stderr, "n2v-mpi")[:2] == (len(ids), 0)
    assert sum(len(read_text(tmp_path / f"next-{r}.txt")[0]) for r in range(3)) == len(ids)
    # ... and from those three parts at two ranks, which share the parts out
    # and route their rows to the owners.
    parts = mpi(2, "embed", "--input", grown, "--init", tmp_path / "next-{rank}.txt",
                "--init-context", tmp_path / "next-context-{rank}.txt", *flags,
                "--output", tmp_path / "from-parts.txt")
    assert parts.returncode == 0, parts.stderr
    copied, seeded, drift = warm_lines(parts.stderr, "n2v-mpi")
    assert (copied, seeded) == (len(ids), 0) and drift < 0.25
    missing = mpi(2, "embed", "--input", grown, "--init", tmp_path / "none-{rank}.txt",
                  *flags, "--output", tmp_path / "never.txt")
    assert missing.returncode == 1
    assert f"--init: no file {tmp_path / 'none-0.txt'}" in missing.stderr, missing.stderr


def test_warm_start_files_split_by_rank_or_read_whole_and_bad_lines_named(mpi, tmp_path):
    flags = ["--dimensions", "8", "--walk-length", "10", "--num-walks", "2", "--quiet"]
    binary = tmp_path / "prev.bin"
    assert mpi.single("embed", "--input", KARATE, "--output", binary, "--format",
                      "binary", *flags).returncode == 0
    # A binary file cannot be split by bytes: every rank reads it whole.
    result = mpi(3, "embed", "--input", KARATE, "--init", binary, "--output",
                 tmp_path / "v.txt", *flags[:-1])
    assert result.returncode == 0, result.stderr
    assert warm_lines(result.stderr, "n2v-mpi")[:2] == (34, 0)
    # A text file is split by byte ranges; a bad value is named by its line
    # in the whole file, whichever rank read it.
    text = tmp_path / "prev.txt"
    assert mpi.single("embed", "--input", KARATE, "--output", text, *flags).returncode == 0
    lines = text.read_text().splitlines()
    fields = lines[30].split()
    lines[30] = " ".join([fields[0], "abc", *fields[2:]])
    text.write_text("\n".join(lines) + "\n")
    result = mpi(3, "embed", "--input", KARATE, "--init", text, "--output",
                 tmp_path / "w.txt", *flags)
    assert result.returncode == 1
    assert f"--init: {text}:31: value 'abc' is not a number" in result.stderr, result.stderr
    # A header announcing far more rows than the file holds is named as
    # such; the room reserved for them stays what the file can hold.
    lines[0] = "100000000000 8"
    lines[30] = " ".join(fields)
    text.write_text("\n".join(lines) + "\n")
    result = mpi(3, "embed", "--input", KARATE, "--init", text, "--output",
                 tmp_path / "w.txt", *flags)
    assert result.returncode == 1
    assert f"--init: {text}: header announces 100000000000 rows, found 34" in result.stderr, \
        result.stderr


def test_standard_input_is_refused_with_what_to_give_instead(mpi, tmp_path):
    """Piped in, the edge list reached rank 0 only and could not be cut into
    byte ranges: the run failed with "cannot read '/dev/stdin'"."""
    result = subprocess.run([mpi.mpirun, "-np", "2", "--oversubscribe", mpi.mpi_binary,
                             "embed", "--input", "/dev/stdin", "--output", tmp_path / "v.txt",
                             "--quiet"],
                            input=KARATE.read_bytes(), capture_output=True, env=mpi.env,
                            timeout=60)
    assert result.returncode == 1, result.stderr
    errors = [l for l in result.stderr.decode().splitlines() if "error:" in l]
    assert len(errors) == 1, result.stderr
    assert "cannot share '/dev/stdin' among the ranks: it is a stream, not a file" in errors[0]
    assert list(tmp_path.iterdir()) == []
