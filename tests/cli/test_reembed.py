"""Re-embedding with the CLI: --init (warm start), --init-context,
--context-output, --align-to and --no-align, through the engine's one
re-embedding path (n2v/reembed.h)."""

import re

import numpy as np
import pytest

from conftest import DATASETS, KARATE, read_text_embeddings, rows_by_id

BLOGCATALOG = DATASETS / "blogcatalog" / "blogcatalog.edgelist"
SMALL = ["--dimensions", "32", "--num-walks", "2", "--walk-length", "20"]


def loss_of(result):
    assert result.returncode == 0, result.stderr
    return float(re.search(r"loss ([0-9.]+)", result.stderr).group(1))


def embed(n2v, *args):
    result = n2v("embed", "--input", BLOGCATALOG, *SMALL, *args, timeout=300)
    assert result.returncode == 0, result.stderr
    return result


def test_warm_start_from_aligned_cli_outputs_starts_at_the_loss_of_a_consistent_pair(
        n2v, tmp_path):
    """Regression: --align-to rotated the vectors but wrote the context
    vectors unrotated, so the pair no longer fit together and a warm start
    from it began far from trained (loss 4.93 against 2.73 on BlogCatalog)."""
    a, a_ctx = tmp_path / "a.emb", tmp_path / "a.ctx"
    b, b_ctx = tmp_path / "b.emb", tmp_path / "b.ctx"
    embed(n2v, "--output", a, "--context-output", a_ctx, "--seed", "1")
    embed(n2v, "--output", b, "--context-output", b_ctx, "--seed", "2",
          "--align-to", a)
    frozen = ["--alpha", "1e-6", "--min-alpha", "1e-6", "--no-align",
              "--seed", "3", "--output", tmp_path / "c.emb"]
    consistent = loss_of(embed(n2v, "--init", a, "--init-context", a_ctx, *frozen))
    aligned = loss_of(embed(n2v, "--init", b, "--init-context", b_ctx, *frozen))
    cold = loss_of(embed(n2v, "--seed", "3", "--alpha", "1e-6",
                         "--min-alpha", "1e-6", "--output", tmp_path / "d.emb"))
    assert consistent < 0.8 * cold, (consistent, cold)
    assert abs(aligned - consistent) < 0.02 * consistent, (aligned, consistent)


def test_init_is_a_warm_start_at_the_small_learning_rate_and_aligned(n2v, tmp_path):
    first, first_ctx = tmp_path / "first.emb", tmp_path / "first.ctx"
    common = ["--input", KARATE, "--dimensions", "16", "--num-walks", "4",
              "--walk-length", "20", "--deterministic"]
    assert n2v("embed", *common, "--output", first, "--context-output",
               first_ctx).returncode == 0
    second = tmp_path / "second.emb"
    result = n2v("embed", *common, "--output", second, "--init", first,
                 "--init-context", first_ctx, "--seed", "9")
    assert result.returncode == 0, result.stderr
    assert (f"n2v: warm start from {first}: 34 nodes from their vectors, 0 "
            "from their neighbours'; learning rate 0.001 to 4e-05") in result.stderr
    drift = re.search(rf"n2v: aligned to {re.escape(str(first))}: 34 shared nodes "
                      r"\(0 added, 0 removed\), drift mean ([0-9.]+)", result.stderr)
    assert drift, result.stderr
    assert float(drift.group(1)) < 0.05
    # The vectors written are the aligned ones: close to the first run's.
    _, _, ids1, v1 = read_text_embeddings(first)
    _, _, ids2, v2 = read_text_embeddings(second)
    one, two = rows_by_id(ids1, v1), rows_by_id(ids2, v2)
    moved = [np.linalg.norm(two[i] - one[i]) / np.linalg.norm(one[i]) for i in ids1]
    assert np.mean(moved) == pytest.approx(float(drift.group(1)), abs=1e-3)

    # A chosen learning rate is kept; --no-align leaves the frame alone.
    result = n2v("embed", *common, "--output", tmp_path / "third.emb", "--init",
                 first, "--alpha", "0.01", "--no-align")
    assert result.returncode == 0, result.stderr
    assert "learning rate 0.01 to 0.0001" in result.stderr
    assert "aligned to" not in result.stderr


def test_init_of_another_dimension_names_the_flag(n2v, tmp_path):
    first = tmp_path / "first.emb"
    assert n2v("embed", "--input", KARATE, "--dimensions", "8", "--num-walks",
               "1", "--output", first).returncode == 0
    result = n2v("embed", "--input", KARATE, "--dimensions", "16", "--output",
                 tmp_path / "x.emb", "--init", first, "--quiet")
    assert result.returncode == 1
    assert result.stderr == ("n2v embed: error: --init: its vectors have 8 "
                             "dimensions but --dimensions is 16\n")


def test_no_align_and_align_to_contradict(n2v, tmp_path):
    result = n2v("embed", "--input", KARATE, "--output", tmp_path / "x.emb",
                 "--no-align", "--align-to", tmp_path / "y.emb")
    assert result.returncode == 2
    assert result.stderr == "n2v embed: error: --no-align contradicts --align-to\n"

