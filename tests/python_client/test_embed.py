"""The one-call Embed RPC."""

import numpy as np
import pytest

from n2v_client import InvalidArgument


def test_embed_karate(client, karate, small):
    snaps = {s.snapshot_id for s in client.list_snapshots()}
    jobs = {j.job_id for j in client.list_jobs()}
    ids, vectors = client.embed(*karate, chunk_rows=7, **small)
    np.testing.assert_array_equal(ids, np.unique(np.concatenate(karate)))
    assert vectors.shape == (34, small["embedding_dimension"])
    assert vectors.dtype == np.float32 and np.all(np.isfinite(vectors))
    # Nothing stays behind on the server.
    assert {s.snapshot_id for s in client.list_snapshots()} == snaps
    assert {j.job_id for j in client.list_jobs()} == jobs


def test_deterministic_embed_equals_upload_and_job(client, karate, karate_vectors, small):
    ids, vectors = client.embed(*karate, deterministic=True, concurrency=2, **small)
    np.testing.assert_array_equal(ids, karate_vectors[0])
    np.testing.assert_array_equal(vectors.view(np.uint32), karate_vectors[1].view(np.uint32))


def test_embed_with_weights_isolated_nodes_and_directed(client, small):
    ids, vectors = client.embed([5, 6, 7], [6, 7, 5], [1.0, 2.0, 0.5], nodes=[5, 6, 7, 8],
                                directed=True, isolated_nodes="zero", **small)
    assert ids.tolist() == [5, 6, 7, 8]
    assert not vectors[3].any()


def test_embed_bad_parameter(client, karate):
    with pytest.raises(InvalidArgument, match="return_factor"):
        client.embed(*karate, return_factor=-1)
