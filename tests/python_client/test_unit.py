"""Client-side logic that needs no server: stub generation, parameters,
error conversion, message conversion, chunking, stream assembly, progress."""

import importlib
import io
import sys

import grpc
import numpy as np
import pytest

import n2v_client
from n2v_client import _protogen, errors, graph, results
from n2v_client._pb import pb
from n2v_client.models import Job, JobPhase, JobState, Params
from n2v_client.params import PARAM_NAMES, build_params
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


def test_params_from_proto_reports_unset_optionals_as_none():
    p = Params.from_proto(pb.Node2VecParams(walk_length=80, return_factor=2.0,
                                            isolated_nodes=pb.ISOLATED_NODES_ZERO))
    assert p.walk_length == 80 and p.return_factor == 2.0
    assert p.in_out_factor is None and p.random_seed is None
    assert p.isolated_nodes == "zero"


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
