"""Client-side logic that needs no server: stub generation, parameters,
error conversion, message conversion, chunking, stream assembly, progress."""

import importlib
import io
import sys

import grpc
import numpy as np
import pytest

import n2v_client
from n2v_client import _protogen, cli, errors, graph, results
from n2v_client._pb import pb
from n2v_client.models import Drift, Job, JobPhase, JobState, Params, Snapshot
from n2v_client.params import PARAM_NAMES, WARM_START_PARAMS, build_params
from n2v_client.progress import ProgressBar, format_progress
from n2v_client.models import JobProgress


class FakeRpcError(grpc.RpcError):
    """What a failed grpc call raises: an RpcError with code() and details()."""

    def __init__(self, code, details=""):
        super().__init__(details)
        self._code, self._details = code, details

    def code(self):
        return self._code

    def details(self):
        return self._details


# ---------------------------------------------------------------- stubs

def test_stubs_generate_into_any_folder_with_relative_imports(tmp_path):
    root = _protogen.find_proto_root(_protogen.Path(n2v_client.__file__).parents[1])
    assert root is not None and (root / "n2v" / "v1" / "n2v.proto").is_file()
    gen = tmp_path / "pkg" / "_gen"
    _protogen.generate(root, gen)
    for path in _protogen.generated_files(gen):
        assert path.is_file(), path
    grpc_module = (gen / "n2v" / "v1" / "n2v_pb2_grpc.py").read_text()
    assert "from . import n2v_pb2" in grpc_module
    assert "from n2v.v1 import" not in grpc_module
    assert _protogen.is_current(gen, root)
    (gen / _protogen.STAMP_NAME).write_text("stale\n")
    assert not _protogen.is_current(gen, root)


def test_stubs_match_the_proto_and_no_top_level_n2v_module():
    assert pb.DESCRIPTOR.name == "n2v/v1/n2v.proto"
    assert pb.DESCRIPTOR.package == "n2v.v1"
    assert set(pb.DESCRIPTOR.services_by_name["N2v"].methods_by_name) >= {
        "UploadSnapshot", "StartJob", "WatchJob", "FetchEmbeddings",
        "EdgeFeatures", "PairFeatures", "Embed"}
    assert "n2v" not in sys.modules  # stubs are imported relatively


# ---------------------------------------------------------------- params

def test_every_node2vec_field_has_a_keyword():
    fields = {f.name for f in pb.Node2VecParams.DESCRIPTOR.fields}
    assert set(PARAM_NAMES) == fields


def test_gds_style_params_convert():
    msg = build_params(dict(embedding_initializer="UNIFORM", walk_buffer_size=100,
                            walk_from=[3, np.int64(4)]))
    assert msg.embedding_initializer == pb.EMBEDDING_INITIALIZER_UNIFORM
    assert msg.walk_buffer_size == 100
    assert list(msg.walk_from) == [3, 4]
    with pytest.raises(ValueError, match="expected 'normalized' or 'uniform'"):
        build_params(dict(embedding_initializer="gaussian"))
    with pytest.raises(TypeError, match="walk_from"):
        build_params(dict(walk_from="12"))


def test_params_map_to_fields_and_none_means_unset():
    msg = build_params(dict(walk_length=7, return_factor=0.5, random_seed=np.int64(3),
                            deterministic=True, isolated_nodes="zero",
                            initial_learning_rate=None))
    assert msg.walk_length == 7
    assert msg.return_factor == 0.5
    assert msg.random_seed == 3
    assert msg.deterministic is True
    assert msg.isolated_nodes == pb.ISOLATED_NODES_ZERO
    assert not msg.HasField("initial_learning_rate")
    assert not msg.HasField("in_out_factor")
    # Out-of-range floats are sent as given: the server names the field.
    assert build_params(dict(return_factor=-1)).return_factor == -1.0


def test_unknown_parameter_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="'walk_lenght'"):
        build_params(dict(walk_lenght=3))


@pytest.mark.parametrize("name,value,exc", [
    ("walk_length", "80", TypeError),
    ("walk_length", 2.5, TypeError),
    ("return_factor", "1", TypeError),
    ("walk_length", -1, ValueError),
    ("isolated_nodes", "none", ValueError),
])
def test_bad_parameter_values_name_the_parameter(name, value, exc):
    with pytest.raises(exc, match=name):
        build_params({name: value})


def test_warm_start_params_map_to_fields():
    msg = build_params(dict(warm_start=True, align=1, incremental=True,
                            incremental_max_changed_fraction=0.25, keep_context=False))
    assert (msg.warm_start, msg.align, msg.incremental, msg.keep_context) == (
        True, True, True, False)
    assert msg.HasField("incremental_max_changed_fraction")
    assert msg.incremental_max_changed_fraction == 0.25
    assert not build_params(dict(incremental=True)).HasField(
        "incremental_max_changed_fraction")
    assert build_params(dict(incremental_max_changed_fraction=np.float32(0.5))) \
        .incremental_max_changed_fraction == 0.5


@pytest.mark.parametrize("name,value", [
    ("warm_start", "yes"),
    ("align", 1.0),
    ("keep_context", "no"),
    ("incremental_max_changed_fraction", "0.1"),
    ("incremental_max_changed_fraction", True),
])
def test_bad_warm_start_values_are_type_errors_naming_the_parameter(name, value):
    with pytest.raises(TypeError, match=name):
        build_params({name: value})


def test_cli_has_no_flags_for_warm_start_params(capsys):
    assert set(cli.cli_param_names()) == set(PARAM_NAMES) - set(WARM_START_PARAMS)
    base = ["embed", "--input", "e.txt", "--output", "o.emb"]
    assert cli.build_parser().parse_args(base + ["--walk-length", "5"]).walk_length == 5
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(base + ["--warm-start"])
    assert "unrecognized arguments: --warm-start" in capsys.readouterr().err


def test_params_from_proto_reports_unset_optionals_as_none():
    p = Params.from_proto(pb.Node2VecParams(walk_length=80, return_factor=2.0,
                                            isolated_nodes=pb.ISOLATED_NODES_ZERO))
    assert p.walk_length == 80 and p.return_factor == 2.0
    assert p.in_out_factor is None and p.random_seed is None
    assert p.isolated_nodes == "zero"
    assert (p.warm_start, p.align, p.incremental, p.keep_context) == (False,) * 4
    assert p.incremental_max_changed_fraction is None
    warm = Params.from_proto(pb.Node2VecParams(
        warm_start=True, align=True, incremental=True, keep_context=True,
        incremental_max_changed_fraction=0.2))
    assert (warm.warm_start, warm.align, warm.incremental, warm.keep_context) == (True,) * 4
    assert warm.incremental_max_changed_fraction == pytest.approx(0.2)


# ---------------------------------------------------------------- errors

def test_rpc_errors_become_n2v_errors_by_code():
    err = errors.from_rpc_error(FakeRpcError(grpc.StatusCode.NOT_FOUND, "job 'x' not found"))
    assert isinstance(err, n2v_client.NotFound) and isinstance(err, n2v_client.N2vError)
    assert err.code == grpc.StatusCode.NOT_FOUND
    assert err.message == "job 'x' not found"
    assert str(err) == "NOT_FOUND: job 'x' not found"
    for code, cls in [(grpc.StatusCode.INVALID_ARGUMENT, n2v_client.InvalidArgument),
                      (grpc.StatusCode.RESOURCE_EXHAUSTED, n2v_client.ResourceExhausted),
                      (grpc.StatusCode.UNAUTHENTICATED, n2v_client.Unauthenticated),
                      (grpc.StatusCode.UNAVAILABLE, n2v_client.Unavailable),
                      (grpc.StatusCode.FAILED_PRECONDITION, n2v_client.FailedPrecondition)]:
        assert type(errors.from_rpc_error(FakeRpcError(code, "m"))) is cls
    other = errors.from_rpc_error(FakeRpcError(grpc.StatusCode.UNKNOWN, "boom"))
    assert type(other) is n2v_client.N2vError and str(other) == "UNKNOWN: boom"


# ---------------------------------------------------------------- models

def test_job_from_proto():
    msg = pb.Job(job_id="j1", snapshot_id="s1", label="l", nodes=34, dimensions=16,
                 loss_per_epoch=[0.5, 0.25],
                 params=pb.Node2VecParams(walk_length=20, random_seed=9),
                 progress=pb.JobProgress(job_id="j1", state=pb.JOB_STATE_SUCCEEDED,
                                         phase=pb.JOB_PHASE_DONE, overall_fraction=1.0))
    job = Job.from_proto(msg)
    assert job.state == JobState.SUCCEEDED and job.state.is_final
    assert job.progress.phase == JobPhase.DONE
    assert job.loss_per_epoch == (0.5, 0.25)
    assert job.params.walk_length == 20 and job.params.random_seed == 9
    assert Job.from_proto(pb.Job(job_id="j2")).state == JobState.UNSPECIFIED


def test_job_warm_start_facts_and_drift_from_proto():
    msg = pb.Job(job_id="j", warm_started_nodes=290, neighbour_started_nodes=10,
                 incremental=True, walk_start_nodes=12,
                 drift=pb.Drift(shared_nodes=290, added_nodes=10, removed_nodes=3,
                                mean=0.01, p95=0.02, max=0.05, measured_nodes=280))
    job = Job.from_proto(msg)
    assert (job.warm_started_nodes, job.neighbour_started_nodes) == (290, 10)
    assert job.incremental is True and job.walk_start_nodes == 12
    assert job.drift == Drift(shared_nodes=290, added_nodes=10, removed_nodes=3,
                              mean=0.01, p95=0.02, max=0.05, measured_nodes=280)
    # No drift field: None, even though proto3 would read back an empty Drift.
    assert Job.from_proto(pb.Job(job_id="j")).drift is None
    # An all-zero drift that is set is still a Drift.
    zero = pb.Job(job_id="j")
    zero.drift.SetInParent()
    assert Job.from_proto(zero).drift == Drift()


def test_snapshot_change_facts_from_proto():
    snap = Snapshot.from_proto(pb.Snapshot(
        snapshot_id="s2", initial_vectors=300, previous_snapshot_id="s1",
        changed_nodes=11, removed_nodes=1))
    assert (snap.initial_vectors, snap.previous_snapshot_id) == (300, "s1")
    assert (snap.changed_nodes, snap.removed_nodes) == (11, 1)
    assert Snapshot.from_proto(pb.Snapshot(snapshot_id="s")).previous_snapshot_id == ""


def test_unknown_enum_values_from_a_newer_server_are_unspecified():
    msg = pb.JobProgress(job_id="j", state=3)
    msg.state = 42  # proto3 enums are open
    assert JobProgress.from_proto(msg).state == JobState.UNSPECIFIED


# ---------------------------------------------------------------- graph input

def test_edge_columns_accept_arrays_lists_and_generators():
    cols = graph.EdgeColumns.of(np.array([1, 2], dtype=np.int32), [3, 4],
                                (w for w in [0.5, 2.0]))
    assert cols.sources.dtype == np.int64 and cols.targets.tolist() == [3, 4]
    assert cols.weights.dtype == np.float32 and cols.weights.tolist() == [0.5, 2.0]
    assert graph.EdgeColumns.of(iter([1]), iter([2])).sources.tolist() == [1]


@pytest.mark.parametrize("sources,targets,weights,match", [
    ([1, 2], [3], None, "differ in length"),
    ([1.5], [2], None, "integers"),
    ([1, 2], [3, 4], [1.0], "weights and sources"),
    ([[1, 2]], [[3, 4]], None, "one-dimensional"),
])
def test_edge_columns_reject_bad_input(sources, targets, weights, match):
    with pytest.raises(ValueError, match=match):
        graph.EdgeColumns.of(sources, targets, weights)


def test_edge_chunks_split_packed_columns():
    cols = graph.EdgeColumns.of(np.arange(10), np.arange(10) + 100,
                                np.ones(10, dtype=np.float32))
    chunks = list(graph.edge_chunks(cols, 4))
    assert [len(c.source) for c in chunks] == [4, 4, 2]
    assert list(chunks[2].target) == [108, 109] and list(chunks[2].weight) == [1.0, 1.0]
    unweighted = list(graph.edge_chunks(graph.EdgeColumns.of([1], [2]), 4))
    assert len(unweighted) == 1 and len(unweighted[0].weight) == 0
    assert [list(c.ids) for c in graph.node_chunks(np.arange(5), 2)] == [[0, 1], [2, 3], [4]]


def test_tuple_edges_are_chunked_lazily_and_checked():
    weighted, it = graph.peek_weighted(iter([(1, 2, 0.5), (2, 3, 1.5), (3, 4, 2.0)]))
    assert weighted
    chunks = list(graph.tuple_edge_chunks(it, weighted, 2))
    assert [list(c.source) for c in chunks] == [[1, 2], [3]]
    assert list(chunks[0].weight) == [0.5, 1.5]
    weighted, it = graph.peek_weighted([(1, 2), (2, 3, 1.0)])
    with pytest.raises(ValueError, match="edge 1 has 3 fields, expected 2"):
        list(graph.tuple_edge_chunks(it, weighted, 10))
    assert graph.peek_weighted([])[0] is False


def test_header_carries_track_changes():
    assert graph.header(name="g", track_changes=True).track_changes is True
    assert graph.header(name="g").track_changes is False


# ---------------------------------------------------------------- initial vectors

def _initial(n=5, d=3, context=True, seed=0):
    rng = np.random.default_rng(seed)
    ids = np.arange(n, dtype=np.int64) * 10
    vectors = rng.standard_normal((n, d)).astype(np.float32)
    ctx = rng.standard_normal((n, d)).astype(np.float32) if context else None
    return ids, vectors, ctx


def _decode(data, d):
    return np.frombuffer(data, dtype="<f4").reshape(-1, d)


def test_initial_vector_chunks_are_whole_little_endian_rows():
    ids, vectors, ctx = _initial(n=5, d=3)
    initial = graph.InitialVectors.of((ids, vectors, ctx))
    # 8 + 2 x 3 x 4 = 32 bytes a row: 64 bytes hold two rows.
    chunks = list(graph.initial_vector_chunks(initial, max_bytes=64))
    assert [list(c.node_ids) for c in chunks] == [[0, 10], [20, 30], [40]]
    assert all(c.dimensions == 3 for c in chunks)
    np.testing.assert_array_equal(np.concatenate([_decode(c.vectors, 3) for c in chunks]),
                                  vectors)
    np.testing.assert_array_equal(np.concatenate([_decode(c.context, 3) for c in chunks]),
                                  ctx)
    one = list(graph.initial_vector_chunks(initial))
    assert len(one) == 1 and len(one[0].vectors) == 5 * 3 * 4
    # A chunk always carries at least one row, however small max_bytes is.
    assert len(list(graph.initial_vector_chunks(initial, max_bytes=1))) == 5


def test_initial_vectors_without_context_send_no_context_bytes():
    ids, vectors, _ = _initial(context=False)
    for initial in [(ids, vectors), (ids, vectors, None)]:
        chunks = list(graph.initial_vector_chunks(graph.InitialVectors.of(initial)))
        assert len(chunks) == 1 and chunks[0].context == b""


def test_initial_vectors_accept_lists_and_float64_and_cast_to_float32():
    initial = graph.InitialVectors.of(([3, 1], [[0.5, 1.5], [2.0, -1.0]]))
    assert initial.ids.dtype == np.int64 and initial.vectors.dtype == np.float32
    assert initial.vectors.flags.c_contiguous and initial.dimensions == 2
    strided = np.arange(12, dtype=np.float64).reshape(3, 4)[:, ::2]
    got = graph.InitialVectors.of((np.arange(3), strided))
    np.testing.assert_array_equal(got.vectors, strided.astype(np.float32))
    assert len(got) == 3 and got.context is None
    assert graph.InitialVectors.of(got) is got


@pytest.mark.parametrize("make,match", [
    (lambda i, v, c: [i, v], "must be a tuple"),
    (lambda i, v, c: (i,), "must be a tuple"),
    (lambda i, v, c: (i[:4], v), r"shape \(4, dimensions\).*got shape \(5, 3\)"),
    (lambda i, v, c: (i, v[:, 0]), r"got shape \(5,\)"),
    (lambda i, v, c: (i, v[:, :0]), "between 1 and 65536 columns, got 0"),
    (lambda i, v, c: (i, v.astype(np.int32)), "floating-point.*dtype int32"),
    (lambda i, v, c: (i, v, c.astype(object)), "initial context must hold floating"),
    (lambda i, v, c: (i, v, c[:, :2]), r"context has shape \(5, 2\) but the vectors "
                                       r"have shape \(5, 3\)"),
    (lambda i, v, c: (i, v, c[:4]), r"initial context must have shape \(5, dimensions\)"),
    (lambda i, v, c: (i.astype(float) + 0.5, v), "initial ids must hold integers"),
    (lambda i, v, c: (np.array([1, 2, 3, 2, 5]), v), "unique: id 2 repeats"),
])
def test_malformed_initial_vectors_are_value_errors(make, match):
    ids, vectors, ctx = _initial(n=5, d=3)
    with pytest.raises(ValueError, match=match):
        graph.InitialVectors.of(make(ids, vectors, ctx))


@pytest.mark.parametrize("where,bad", [
    ("vectors", np.nan), ("vectors", np.inf), ("context", -np.inf), ("vectors", 1e300),
])
def test_non_finite_initial_values_name_the_row(where, bad):
    ids, vectors, ctx = _initial(n=5, d=3)
    vectors, ctx = vectors.astype(np.float64), ctx.astype(np.float64)
    (vectors if where == "vectors" else ctx)[3, 1] = bad
    with pytest.raises(ValueError, match=f"initial {where}: row 3 has a NaN or infinite"):
        graph.InitialVectors.of((ids, vectors, ctx))


class RecordingStub:
    """Stands in for N2vStub.UploadSnapshot: records the request stream."""

    def __init__(self):
        self.requests = None

    def UploadSnapshot(self, requests, **kwargs):
        self.requests = list(requests)
        return pb.Snapshot(snapshot_id="s", initial_vectors=sum(
            len(r.initial_vectors.node_ids) for r in self.requests
            if r.WhichOneof("part") == "initial_vectors"))


@pytest.mark.parametrize("upload", ["graph", "iter"])
def test_uploads_send_initial_vectors_after_the_edges_and_track_changes(upload):
    stub = RecordingStub()
    ids, vectors, ctx = _initial(n=3, d=2)
    with _client_with(stub) as client:
        kwargs = dict(name="g", track_changes=True, initial=(ids, vectors, ctx),
                      chunk_edges=1)
        if upload == "graph":
            snap = client.upload_graph([1, 2], [2, 3], nodes=[1, 2, 3], **kwargs)
        else:
            snap = client.upload_edges_iter([(1, 2), (2, 3)], nodes=[1, 2, 3], **kwargs)
    parts = [r.WhichOneof("part") for r in stub.requests]
    assert parts == ["header", "nodes", "nodes", "nodes", "edges", "edges",
                     "initial_vectors"]
    assert stub.requests[0].header.track_changes is True
    chunk = stub.requests[-1].initial_vectors
    assert list(chunk.node_ids) == [0, 10, 20] and chunk.dimensions == 2
    np.testing.assert_array_equal(_decode(chunk.context, 2), ctx)
    assert snap.initial_vectors == 3


def test_bad_initial_vectors_fail_before_anything_is_sent():
    stub = RecordingStub()
    ids, vectors, _ = _initial()
    vectors[0, 0] = np.nan
    with _client_with(stub) as client:
        with pytest.raises(ValueError, match="NaN"):
            client.upload_graph([1], [2], initial=(ids, vectors))
        with pytest.raises(ValueError, match="NaN"):
            client.upload_edges_iter(iter([(1, 2)]), initial=(ids, vectors))
    assert stub.requests is None


def test_fetch_embeddings_asks_for_context():
    seen = []

    class Stub:
        def FetchEmbeddings(self, request, **kwargs):
            seen.append(request)
            return iter([pb.EmbeddingChunk(offset=0, total_rows=1, dimensions=2,
                                           node_ids=[7], vectors=b"\0" * 8)])

    with _client_with(Stub()) as client:
        ids, vectors = client.fetch_embeddings("j", context=True)
        client.fetch_embeddings("j")
    assert [r.context for r in seen] == [True, False]
    assert ids.tolist() == [7] and vectors.shape == (1, 2)


# ---------------------------------------------------------------- results

def _embedding_chunks(ids, vectors, per_chunk, start=0):
    for lo in range(start, len(ids), per_chunk):
        hi = min(lo + per_chunk, len(ids))
        yield pb.EmbeddingChunk(offset=lo, total_rows=len(ids), dimensions=vectors.shape[1],
                                node_ids=ids[lo:hi].tolist(),
                                vectors=vectors[lo:hi].astype("<f4").tobytes())


def test_read_rows_resumes_after_unavailable_from_rows_received():
    ids = np.arange(10, dtype=np.int64) * 3
    vectors = np.random.default_rng(0).standard_normal((10, 4)).astype(np.float32)
    offsets = []

    def open_stream(offset):
        offsets.append(offset)
        for i, chunk in enumerate(_embedding_chunks(ids, vectors, 3, offset)):
            if len(offsets) == 1 and i == 2:
                raise FakeRpcError(grpc.StatusCode.UNAVAILABLE, "connection reset")
            yield chunk

    got_ids, got_vectors = results.read_rows(open_stream, results.decode_embedding_chunk, 1,
                                             resume=True, backoff_s=0, check_total=True)
    assert offsets == [0, 6]
    np.testing.assert_array_equal(got_ids, ids)
    np.testing.assert_array_equal(got_vectors, vectors)


def test_read_rows_drops_repeated_rows_and_rejects_gaps():
    ids = np.arange(6, dtype=np.int64)
    vectors = np.arange(12, dtype=np.float32).reshape(6, 2)
    chunks = list(_embedding_chunks(ids, vectors, 4))
    repeat = list(_embedding_chunks(ids, vectors, 2))  # offsets 0, 2, 4
    got_ids, got = results.read_rows(lambda o: [chunks[0], repeat[1], repeat[2]],
                                     results.decode_embedding_chunk, 1)
    np.testing.assert_array_equal(got, vectors)
    with pytest.raises(n2v_client.N2vError, match="DATA_LOSS: stream skipped rows"):
        results.read_rows(lambda o: [repeat[0], repeat[2]], results.decode_embedding_chunk, 1)
    with pytest.raises(n2v_client.N2vError, match="ended after 4 of 6 rows"):
        results.read_rows(lambda o: [chunks[0]], results.decode_embedding_chunk, 1,
                          check_total=True)


def test_read_rows_survives_a_wrong_total():
    ids = np.arange(6, dtype=np.int64)
    vectors = np.arange(12, dtype=np.float32).reshape(6, 2)
    chunks = list(_embedding_chunks(ids, vectors, 4))
    for c in chunks:
        c.total_rows = 4  # announces fewer rows than it sends
    with pytest.raises(n2v_client.N2vError, match="ended after 6 of 4 rows"):
        results.read_rows(lambda o: chunks, results.decode_embedding_chunk, 1,
                          check_total=True)
    got_ids, got = results.read_rows(lambda o: chunks, results.decode_embedding_chunk, 1)
    np.testing.assert_array_equal(got_ids, ids)
    np.testing.assert_array_equal(got, vectors)


def test_read_rows_gives_up_after_retries_and_on_other_codes():
    calls = []

    def always_broken(offset):
        calls.append(offset)
        raise FakeRpcError(grpc.StatusCode.UNAVAILABLE, "down")
        yield  # pragma: no cover

    with pytest.raises(n2v_client.Unavailable, match="down"):
        results.read_rows(always_broken, results.decode_embedding_chunk, 1,
                          resume=True, retries=2, backoff_s=0)
    assert len(calls) == 3

    def not_found(offset):
        calls.append(offset)
        raise FakeRpcError(grpc.StatusCode.NOT_FOUND, "job 'j' not found")
        yield  # pragma: no cover

    calls.clear()
    with pytest.raises(n2v_client.NotFound):
        results.read_rows(not_found, results.decode_embedding_chunk, 1, resume=True)
    assert calls == [0]


def test_empty_result_keeps_the_width():
    chunk = pb.EmbeddingChunk(offset=0, total_rows=0, dimensions=8)
    ids, vectors = results.read_rows(lambda o: [chunk], results.decode_embedding_chunk, 1)
    assert ids.shape == (0,) and vectors.shape == (0, 8)


def test_feature_chunks_decode_to_pairs_and_rows():
    feats = np.arange(6, dtype=np.float32).reshape(3, 2)
    chunk = pb.FeatureChunk(offset=0, source=[1, 2, 3], target=[4, 5, 6], width=2,
                            features=feats.astype("<f4").tobytes())
    src, dst, got = results.read_rows(lambda o: [chunk], results.decode_feature_chunk, 2)
    assert src.tolist() == [1, 2, 3] and dst.tolist() == [4, 5, 6]
    np.testing.assert_array_equal(got, feats)
    bad = pb.FeatureChunk(offset=0, source=[1], target=[2], width=2, features=b"\0" * 4)
    with pytest.raises(n2v_client.N2vError, match="DATA_LOSS"):
        results.decode_feature_chunk(bad)


def test_edge_operator_names():
    assert n2v_client.edge_operator("Weighted-L1") == pb.EDGE_OPERATOR_WEIGHTED_L1
    assert n2v_client.edge_operator("l2") == pb.EDGE_OPERATOR_WEIGHTED_L2
    assert n2v_client.edge_operator("cosine") == pb.EDGE_OPERATOR_COSINE
    with pytest.raises(ValueError, match="unknown edge operator 'sum'"):
        n2v_client.edge_operator("sum")


# ---------------------------------------------------------------- progress

def test_progress_bar_draws_one_line_and_ends_it_on_the_final_state():
    out = io.StringIO()
    bar = ProgressBar(out)
    bar(JobProgress(job_id="j", state=JobState.RUNNING, phase=JobPhase.TRAINING,
                    overall_fraction=0.5, nodes_per_second=2.5e6, eta_seconds=3, epoch=1))
    bar(JobProgress(job_id="j", state=JobState.SUCCEEDED, phase=JobPhase.DONE,
                    overall_fraction=1.0, elapsed_seconds=6.0))
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    assert "50.0%" in text and "2.5M nodes/s" in text and "SUCCEEDED" in text
    assert format_progress(JobProgress(job_id="j", overall_fraction=0.0)).startswith("[---")


def test_package_reimport_is_cheap_and_current():
    # A second import must not regenerate (the stamp matches the proto).
    gen = _protogen.Path(n2v_client.__file__).parent / "_gen"
    before = (gen / _protogen.STAMP_NAME).stat().st_mtime_ns
    importlib.reload(sys.modules["n2v_client._pb"])
    assert (gen / _protogen.STAMP_NAME).stat().st_mtime_ns == before


# ---------------------------------------------------------------- watch

class FakeStub:
    """Stands in for the generated N2vStub: WatchJob streams are scripted,
    GetJob answers with the job in the state of the last script."""

    def __init__(self, scripts, final_state, error=""):
        self.scripts = list(scripts)
        self.final_state = final_state
        self.error = error
        self.watch_calls = 0

    def WatchJob(self, request, **kwargs):
        self.watch_calls += 1
        script = self.scripts.pop(0)

        def stream():
            for item in script:
                if isinstance(item, Exception):
                    raise item
                yield pb.JobProgress(job_id=request.job_id, state=item[0],
                                     overall_fraction=item[1], error=self.error)
        return stream()

    def GetJob(self, request, **kwargs):
        return pb.Job(job_id=request.job_id, progress=pb.JobProgress(
            job_id=request.job_id, state=self.final_state, overall_fraction=1.0,
            error=self.error))


def _client_with(stub):
    client = n2v_client.Client("127.0.0.1:1")
    client._stub = stub
    return client


def test_watch_rewatches_after_unavailable_and_returns_the_final_job(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    running, done = pb.JOB_STATE_RUNNING, pb.JOB_STATE_SUCCEEDED
    stub = FakeStub([[(running, 0.1), FakeRpcError(grpc.StatusCode.UNAVAILABLE, "reset")],
                     [(running, 0.5), (done, 1.0)]], done)
    seen = []
    with _client_with(stub) as client:
        job = client.watch("j1", on_progress=seen.append)
    assert stub.watch_calls == 2
    assert [p.overall_fraction for p in seen] == [0.1, 0.5, 1.0]
    assert job.job_id == "j1" and job.state == JobState.SUCCEEDED


def test_watch_raises_for_failed_and_cancelled_jobs():
    failed = FakeStub([[(pb.JOB_STATE_FAILED, 0.3)]], pb.JOB_STATE_FAILED, error="diverged")
    with _client_with(failed) as client:
        with pytest.raises(n2v_client.N2vJobFailed, match="diverged") as info:
            client.watch("j2")
    assert info.value.job.state == JobState.FAILED
    cancelled = FakeStub([[(pb.JOB_STATE_CANCELLED, 0.3)]], pb.JOB_STATE_CANCELLED)
    with _client_with(cancelled) as client:
        with pytest.raises(n2v_client.N2vJobCancelled, match="j3"):
            client.watch("j3")


def test_watch_other_errors_are_not_retried():
    stub = FakeStub([[FakeRpcError(grpc.StatusCode.NOT_FOUND, "job 'j4' not found")]],
                    pb.JOB_STATE_SUCCEEDED)
    with _client_with(stub) as client:
        with pytest.raises(n2v_client.NotFound, match="j4"):
            client.watch("j4")
    assert stub.watch_calls == 1


class _InterruptedRows:
    """Vectors whose third row is never reached: Ctrl-C while writing."""
    shape = (5, 2)

    def __iter__(self):
        yield np.array([1.0, 2.0], dtype=np.float32)
        yield np.array([3.0, 4.0], dtype=np.float32)
        raise KeyboardInterrupt


def test_write_word2vec_is_whole_or_nothing(tmp_path):
    out = tmp_path / "out.emb"
    out.write_text("an older file\n")
    with pytest.raises(KeyboardInterrupt):
        cli.write_word2vec(out, np.array([1, 2, 3, 4, 5]), _InterruptedRows())
    assert [p.name for p in tmp_path.iterdir()] == ["out.emb"]
    assert out.read_text() == "an older file\n"
    cli.write_word2vec(out, np.array([7, 9]),
                       np.array([[0.5, 1.0], [2.0, -1.5]], dtype=np.float32))
    assert out.read_text() == "2 2\n7 0.5 1.0\n9 2.0 -1.5\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.emb"]
    assert out.stat().st_mode & 0o777 == 0o666 & ~_current_umask()


def _current_umask():
    import os
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_read_edges_skips_a_byte_order_mark(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_bytes(b"\xef\xbb\xbfsource,target,weight\r\n1,2,0.5\r\n2,3,1.5\r\n")
    assert list(cli.read_edges(path)) == [(1, 2, 0.5), (2, 3, 1.5)]
    path.write_bytes(b"\xef\xbb\xbf1 2\n")
    assert list(cli.read_edges(path)) == [(1, 2)]
