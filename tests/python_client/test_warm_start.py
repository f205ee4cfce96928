"""Warm starts against a real server: tracked snapshots, context vectors,
initial vectors, alignment and drift, incremental runs, and their errors.

The graphs are planted-partition graphs of 300 nodes (three blocks); the
second version drops node 299 and adds node 1000 linked to 0, 1 and 2, so a
few percent of the nodes change.
"""

from types import SimpleNamespace

import grpc
import numpy as np
import pytest

from n2v_client import FailedPrecondition, InvalidArgument, graph
from n2v_client._pb import pb

NAME = "warm-planted"
# Small, deterministic node2vec settings (a few milliseconds per run).
TRAIN = dict(embedding_dimension=16, walk_length=20, walks_per_node=5, window_size=5,
             negative_sampling_rate=5, iterations=1, random_seed=7,
             deterministic=True, concurrency=1)
WARM = dict(TRAIN, warm_start=True, align=True, initial_learning_rate=0.001)
NEW_NODE = 1000
GONE_NODE = 299


def _neighbours(sources, targets):
    """Undirected adjacency: id -> set of neighbour ids."""
    adj = {}
    for s, t in zip(sources.tolist(), targets.tolist()):
        adj.setdefault(s, set()).add(t)
        adj.setdefault(t, set()).add(s)
    return adj


def _changed(before, after):
    """Ids of `after` that are new or whose neighbours differ from
    `before`, and ids of `before` that are gone (what the server reports
    as Snapshot.changed_nodes and removed_nodes)."""
    old, new = _neighbours(*before), _neighbours(*after)
    changed = {v for v, n in new.items() if old.get(v) != n}
    return changed, set(old) - set(new)


def _relative_drift(new, old):
    """|new - old| / |old| per row."""
    return np.linalg.norm(new - old, axis=1) / np.linalg.norm(old, axis=1)


def _procrustes(a, b):
    """`a` rotated onto `b` (orthogonal Procrustes, rows paired)."""
    u, _, vt = np.linalg.svd(a.T.astype(np.float64) @ b.astype(np.float64))
    return a @ (u @ vt)


def _rows(ids, vectors, wanted):
    """The rows of `vectors` for the ids `wanted` (sorted), as a matrix."""
    index = {v: r for r, v in enumerate(ids.tolist())}
    return vectors[[index[v] for v in sorted(wanted)]]


@pytest.fixture(scope="module")
def before(planted_partition):
    return planted_partition()


@pytest.fixture(scope="module")
def after(before):
    sources, targets = before
    keep = (sources != GONE_NODE) & (targets != GONE_NODE)
    return (np.concatenate([sources[keep], [NEW_NODE] * 3]),
            np.concatenate([targets[keep], [0, 1, 2]]))


@pytest.fixture(scope="module")
def first(client, before):
    """The first version uploaded with track_changes and embedded with
    keep_context: its snapshot, job, vectors and context vectors."""
    snap = client.upload_graph(*before, name=NAME, track_changes=True)
    job = client.run_job(snap.snapshot_id, keep_context=True, **TRAIN)
    ids, vectors = client.fetch_embeddings(job.job_id)
    context_ids, context = client.fetch_embeddings(job.job_id, context=True)
    return SimpleNamespace(snapshot=snap, job=job, ids=ids, vectors=vectors,
                           context_ids=context_ids, context=context)


@pytest.fixture(scope="module")
def second(client, after, first):
    """The second version, uploaded under the same name with the first
    run's vectors and context vectors."""
    return client.upload_graph(*after, name=NAME, track_changes=True,
                               initial=(first.ids, first.vectors, first.context))


@pytest.fixture(scope="module")
def warm(client, second):
    job = client.run_job(second.snapshot_id, **WARM)
    return SimpleNamespace(job=job, vectors=client.fetch_embeddings(job.job_id))


# ---------------------------------------------------------------- (a) context

def test_first_upload_has_no_previous_and_keeps_context(client, first):
    assert first.snapshot.name == NAME and first.snapshot.nodes == 300
    assert first.snapshot.previous_snapshot_id == ""
    assert (first.snapshot.changed_nodes, first.snapshot.removed_nodes) == (0, 0)
    assert first.snapshot.initial_vectors == 0
    job = first.job
    assert job.params.keep_context and not job.params.warm_start
    assert job.drift is None and not job.incremental
    assert job.warm_started_nodes == 0 and job.walk_start_nodes == 300
    assert first.vectors.shape == first.context.shape == (300, 16)
    assert first.context.dtype == np.float32
    np.testing.assert_array_equal(first.context_ids, first.ids)
    assert np.all(np.isfinite(first.context)) and np.abs(first.context).max() > 0
    assert not np.array_equal(first.context, first.vectors)


def test_context_of_a_job_without_keep_context_is_failed_precondition(client, first):
    job = client.run_job(first.snapshot.snapshot_id, **TRAIN)
    with pytest.raises(FailedPrecondition, match="keep_context") as info:
        client.fetch_embeddings(job.job_id, context=True)
    assert info.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert job.job_id in info.value.message


# ---------------------------------------------------------------- (b) warm start

def test_second_upload_reports_its_changes_and_initial_vectors(first, second, before,
                                                                after):
    changed, removed = _changed(before, after)
    assert removed == {GONE_NODE} and NEW_NODE in changed
    assert second.previous_snapshot_id == first.snapshot.snapshot_id
    assert second.changed_nodes == len(changed) > 0
    assert second.changed_nodes < second.nodes // 10
    assert second.removed_nodes == 1
    assert second.initial_vectors == 300 and second.nodes == 300


def test_warm_start_aligns_and_reports_a_small_drift(warm):
    job = warm.job
    assert job.params.warm_start and job.params.align
    assert job.params.initial_learning_rate == pytest.approx(0.001)
    assert job.warm_started_nodes == 299 and job.neighbour_started_nodes == 1
    assert not job.incremental and job.walk_start_nodes == 300
    drift = job.drift
    assert drift is not None
    assert (drift.shared_nodes, drift.added_nodes, drift.removed_nodes) == (299, 1, 1)
    assert 0 < drift.measured_nodes < drift.shared_nodes
    assert 0 < drift.mean <= drift.p95 <= drift.max
    assert drift.mean < 0.05, drift


def test_drift_matches_the_returned_vectors(first, second, warm, before, after):
    """The returned vectors are the aligned ones: their distance to the
    initial vectors over the unchanged nodes is the reported drift."""
    changed, _ = _changed(before, after)
    unchanged = set(first.ids.tolist()) - changed - {GONE_NODE}
    assert warm.job.drift.measured_nodes == len(unchanged)
    ids, vectors = warm.vectors
    rel = _relative_drift(_rows(ids, vectors, unchanged),
                          _rows(first.ids, first.vectors, unchanged))
    assert rel.mean() == pytest.approx(warm.job.drift.mean, rel=1e-3, abs=1e-6)
    assert rel.max() == pytest.approx(warm.job.drift.max, rel=1e-3, abs=1e-6)


def test_warm_start_drifts_far_less_than_a_cold_run(client, first, second, warm,
                                                    before, after):
    cold = client.run_job(second.snapshot_id, **dict(TRAIN, random_seed=8))
    assert cold.drift is None and cold.warm_started_nodes == 0
    changed, _ = _changed(before, after)
    unchanged = set(first.ids.tolist()) - changed - {GONE_NODE}
    old = _rows(first.ids, first.vectors, unchanged)
    cold_ids, cold_vectors = client.fetch_embeddings(cold.job_id)
    cold_rel = _relative_drift(_procrustes(_rows(cold_ids, cold_vectors, unchanged), old),
                               old)
    assert warm.job.drift.mean * 3 < cold_rel.mean(), (warm.job.drift, cold_rel.mean())


def test_iterator_upload_with_initial_vectors_for_unknown_ids(client, first, before):
    """Initial vectors of ids not in the graph are received and ignored."""
    extra_ids = np.concatenate([first.ids, [5000, 5001]])
    extra = np.concatenate([first.vectors, np.ones((2, 16), dtype=np.float32)])
    edges = zip(before[0].tolist(), before[1].tolist())
    snap = client.upload_edges_iter(edges, initial=(extra_ids, extra), chunk_edges=500)
    assert snap.initial_vectors == 302 and snap.nodes == 300
    assert snap.previous_snapshot_id == ""  # no name: nothing tracked
    job = client.run_job(snap.snapshot_id, **WARM)
    assert job.warm_started_nodes == 300 and job.neighbour_started_nodes == 0
    assert job.drift.removed_nodes == 2
    # No previous snapshot tells what changed: every shared node is measured.
    assert job.drift.measured_nodes == job.drift.shared_nodes == 300


# ---------------------------------------------------------------- (c) incremental

def test_incremental_walks_from_the_changed_nodes_only(client, second):
    job = client.run_job(second.snapshot_id, incremental=True, **WARM)
    assert job.params.incremental and job.incremental
    assert job.walk_start_nodes == second.changed_nodes < second.nodes
    assert job.drift is not None and job.drift.mean < 0.05
    assert job.nodes == second.nodes


def test_too_many_changes_for_the_fraction_give_a_full_run(client, second):
    job = client.run_job(second.snapshot_id, incremental=True,
                         incremental_max_changed_fraction=0.01, **WARM)
    assert job.params.incremental_max_changed_fraction == pytest.approx(0.01)
    assert not job.incremental and job.walk_start_nodes == second.nodes


# ---------------------------------------------------------------- (d) errors

def test_initial_vectors_of_another_dimension_are_invalid_argument(client, second):
    with pytest.raises(InvalidArgument) as info:
        client.start_job(second.snapshot_id, **dict(WARM, embedding_dimension=8))
    assert info.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert ("params.warm_start: the snapshot's initial vectors have 16 dimensions "
            "but params.embedding_dimension is 8") in info.value.message


def test_nan_initial_vectors_are_rejected_client_side(client, first, after):
    before_ids = {s.snapshot_id for s in client.list_snapshots()}
    vectors = first.vectors.copy()
    vectors[5, 3] = np.nan
    with pytest.raises(ValueError, match="initial vectors: row 5 has a NaN"):
        client.upload_graph(*after, name=NAME + "-nan", track_changes=True,
                            initial=(first.ids, vectors))
    assert {s.snapshot_id for s in client.list_snapshots()} == before_ids


def _raw_upload(client, chunks):
    """Uploads a two-edge graph followed by the given InitialVectorChunks,
    as they are: the server's own checks, without the client's."""
    edges = pb.EdgeChunk(source=[1, 2], target=[2, 3])
    parts = [("edges", edges)] + [("initial_vectors", c) for c in chunks]
    return client._upload(graph.header(), iter(parts))


def _chunk(ids, vectors, context=None):
    vectors = np.asarray(vectors, dtype="<f4")
    chunk = pb.InitialVectorChunk(node_ids=list(ids), dimensions=vectors.shape[1],
                                        vectors=vectors.tobytes())
    if context is not None:
        chunk.context = np.asarray(context, dtype="<f4").tobytes()
    return chunk


@pytest.mark.parametrize("chunks,message", [
    ([_chunk([1, 5], [[0.5, 0.5], [np.nan, 1.0]])],
     "initial vector chunk 0: node 5 has a NaN or infinite value"),
    ([_chunk([1], [[0.5, 0.5]], context=[[np.inf, 0.0]])],
     "initial vector chunk 0: node 1 has a NaN or infinite value"),
    ([_chunk([1], [[0.5, 0.5]]), _chunk([2], [[0.5, 0.5, 0.5]])],
     "initial vector chunk 1: dimensions is 3 but earlier chunks had 2"),
    ([_chunk([1], [[0.5, 0.5]], context=[[0.1, 0.1]]), _chunk([2], [[0.5, 0.5]])],
     "context must be given in every chunk or in none"),
    ([_chunk([1, 1], [[0.5, 0.5], [0.5, 0.5]])], "initial vectors"),
])
def test_server_rejects_bad_initial_vector_chunks(client, chunks, message):
    before_ids = {s.snapshot_id for s in client.list_snapshots()}
    with pytest.raises(InvalidArgument) as info:
        _raw_upload(client, chunks)
    assert info.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert message in info.value.message
    assert {s.snapshot_id for s in client.list_snapshots()} == before_ids


def test_server_rejects_a_wrong_byte_count(client):
    chunk = _chunk([1, 2], [[0.5, 0.5], [0.5, 0.5]])
    chunk.vectors = chunk.vectors[:-4]
    with pytest.raises(InvalidArgument, match="vectors has 12 bytes, expected 2 x 2 x 4"):
        _raw_upload(client, [chunk])


@pytest.mark.parametrize("params,message", [
    (dict(TRAIN, incremental=True), "params.incremental needs params.warm_start"),
    (dict(WARM, incremental=True, incremental_max_changed_fraction=1.5),
     "incremental_max_changed_fraction must be in (0, 1], got 1.5"),
    (dict(WARM, incremental=True, incremental_max_changed_fraction=0.0),
     "incremental_max_changed_fraction must be in (0, 1], got 0"),
])
def test_bad_incremental_params_are_invalid_argument(client, second, params, message):
    with pytest.raises(InvalidArgument) as info:
        client.start_job(second.snapshot_id, **params)
    assert message in info.value.message
