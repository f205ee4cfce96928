"""Results: resumable fetching, edge features of snapshot edges and of pairs."""

import grpc
import numpy as np
import pytest

from n2v_client import InvalidArgument, NotFound
from n2v_client._pb import pb

OPERATORS = ["average", "hadamard", "weighted_l1", "weighted_l2", "cosine", "dot"]


def expected_features(op, a, b):
    a = a.astype(np.float32)
    b = b.astype(np.float32)
    if op == "average":
        return np.float32(0.5) * (a + b)
    if op == "hadamard":
        return a * b
    if op == "weighted_l1":
        return np.abs(a - b)
    if op == "weighted_l2":
        return (a - b) ** 2
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    dot = np.sum(a64 * b64, axis=1)
    if op == "dot":
        return dot.astype(np.float32)[:, None]
    norms = np.linalg.norm(a64, axis=1) * np.linalg.norm(b64, axis=1)
    cos = np.divide(dot, norms, out=np.zeros_like(dot), where=norms > 0)
    return cos.astype(np.float32)[:, None]


def lookup(ids, vectors, wanted):
    rows = np.searchsorted(ids, wanted)
    assert np.all(ids[rows] == wanted)
    return vectors[rows]


class FlakyStream:
    """Wraps a server-streaming method of the generated stub: the first call
    breaks with UNAVAILABLE after `break_after` chunks; later calls pass."""

    class Broken(grpc.RpcError):
        def code(self):
            return grpc.StatusCode.UNAVAILABLE

        def details(self):
            return "injected: connection reset"

    def __init__(self, method, break_after):
        self.method = method
        self.break_after = break_after
        self.offsets = []

    def __call__(self, request, **kwargs):
        self.offsets.append(request.offset)
        stream = self.method(request, **kwargs)
        if len(self.offsets) > 1:
            return stream
        return self._broken(stream)

    def _broken(self, stream):
        for i, chunk in enumerate(stream):
            if i == self.break_after:
                stream.cancel()
                raise self.Broken()
            yield chunk


def test_stub_offset_returns_the_tail(client, karate_job, karate_vectors):
    ids, vectors = karate_vectors
    request = pb.FetchEmbeddingsRequest(job_id=karate_job.job_id, offset=30, chunk_rows=3)
    chunks = list(client._stub.FetchEmbeddings(request))
    assert [c.offset for c in chunks] == [30, 33]
    assert all(c.total_rows == 34 for c in chunks)
    tail_ids = np.concatenate([np.array(c.node_ids) for c in chunks])
    tail = np.concatenate([np.frombuffer(c.vectors, "<f4").reshape(-1, c.dimensions)
                           for c in chunks])
    np.testing.assert_array_equal(tail_ids, ids[30:])
    np.testing.assert_array_equal(tail, vectors[30:])


def test_offset_at_the_end_gives_an_empty_chunk_and_past_it_an_error(client, karate_job):
    request = pb.FetchEmbeddingsRequest(job_id=karate_job.job_id, offset=34)
    chunks = list(client._stub.FetchEmbeddings(request))
    assert all(len(c.node_ids) == 0 and c.total_rows == 34 for c in chunks)
    with pytest.raises(grpc.RpcError) as info:
        list(client._stub.FetchEmbeddings(
            pb.FetchEmbeddingsRequest(job_id=karate_job.job_id, offset=35)))
    assert info.value.code() == grpc.StatusCode.OUT_OF_RANGE


def test_fetch_resumes_after_a_broken_stream(client, karate_job, karate_vectors, monkeypatch):
    flaky = FlakyStream(client._stub.FetchEmbeddings, break_after=2)
    monkeypatch.setattr(client._stub, "FetchEmbeddings", flaky)
    ids, vectors = client.fetch_embeddings(karate_job.job_id, chunk_rows=4)
    assert flaky.offsets == [0, 8]
    np.testing.assert_array_equal(ids, karate_vectors[0])
    np.testing.assert_array_equal(vectors, karate_vectors[1])


def test_fetch_without_resume_raises_unavailable(client, karate_job, monkeypatch):
    from n2v_client import Unavailable

    flaky = FlakyStream(client._stub.FetchEmbeddings, break_after=1)
    monkeypatch.setattr(client._stub, "FetchEmbeddings", flaky)
    with pytest.raises(Unavailable, match="injected"):
        client.fetch_embeddings(karate_job.job_id, chunk_rows=4, resume=False)
    assert flaky.offsets == [0]


def test_edge_features_resume_after_a_broken_stream(client, karate_job, monkeypatch):
    want = client.edge_features(karate_job.job_id, "average", chunk_pairs=7)
    flaky = FlakyStream(client._stub.EdgeFeatures, break_after=3)
    monkeypatch.setattr(client._stub, "EdgeFeatures", flaky)
    got = client.edge_features(karate_job.job_id, "average", chunk_pairs=7)
    assert flaky.offsets == [0, 21]
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("op", OPERATORS)
def test_edge_features_of_snapshot_edges(client, karate, karate_job, karate_vectors, op):
    ids, vectors = karate_vectors
    src, dst, feats = client.edge_features(karate_job.job_id, op, chunk_pairs=10)
    # Each stored undirected edge once, in ascending (source, target) order.
    assert len(src) == 78
    want = {tuple(sorted(e)) for e in zip(karate[0].tolist(), karate[1].tolist())}
    assert {tuple(sorted(e)) for e in zip(src.tolist(), dst.tolist())} == want
    order = np.lexsort((dst, src))
    np.testing.assert_array_equal(order, np.arange(len(src)))
    width = 1 if op in ("cosine", "dot") else vectors.shape[1]
    assert feats.shape == (78, width) and feats.dtype == np.float32
    expect = expected_features(op, lookup(ids, vectors, src), lookup(ids, vectors, dst))
    np.testing.assert_allclose(feats, expect, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", OPERATORS)
def test_pair_features_in_the_order_given(client, karate_job, karate_vectors, op):
    ids, vectors = karate_vectors
    rng = np.random.default_rng(11)
    src = rng.choice(ids, size=45)
    dst = rng.choice(ids, size=45)
    got_src, got_dst, feats = client.edge_features(karate_job.job_id, op,
                                                   pairs=(src, dst), chunk_pairs=10)
    np.testing.assert_array_equal(got_src, src)
    np.testing.assert_array_equal(got_dst, dst)
    expect = expected_features(op, lookup(ids, vectors, src), lookup(ids, vectors, dst))
    np.testing.assert_allclose(feats, expect, rtol=1e-5, atol=1e-6)


def test_pair_features_from_an_n_by_2_array_and_empty_pairs(client, karate_job,
                                                           karate_vectors):
    pairs = np.array([[1, 2], [34, 1]], dtype=np.int64)
    src, dst, feats = client.edge_features(karate_job.job_id, "dot", pairs=pairs)
    assert src.tolist() == [1, 34] and dst.tolist() == [2, 1] and feats.shape == (2, 1)
    src, dst, feats = client.edge_features(karate_job.job_id, "dot",
                                           pairs=(np.zeros(0, np.int64), np.zeros(0, np.int64)))
    assert src.shape == (0,) and feats.shape[0] == 0


def test_pair_with_an_unknown_node_is_not_found_naming_it(client, karate_job):
    with pytest.raises(NotFound, match="12345"):
        client.edge_features(karate_job.job_id, "hadamard", pairs=([1, 12345], [2, 3]))


def test_unspecified_operator_is_invalid(client, karate_job):
    with pytest.raises(InvalidArgument, match="operator"):
        client.edge_features(karate_job.job_id, 0)
