"""Errors: codes become N2vError subclasses with the server's message."""

import grpc
import pytest

from n2v_client import InvalidArgument, N2vError, NotFound


def test_unknown_job_id_is_not_found_naming_the_id(client):
    job_id = "no-such-job-42"
    for call in (client.get_job, client.cancel, client.delete_job,
                 client.fetch_embeddings, client.watch):
        with pytest.raises(NotFound) as info:
            call(job_id)
        err = info.value
        assert isinstance(err, N2vError)
        assert err.code == grpc.StatusCode.NOT_FOUND
        assert job_id in err.message
        assert str(err) == f"NOT_FOUND: {err.message}"
    with pytest.raises(NotFound, match=job_id):
        client.edge_features(job_id)
    with pytest.raises(NotFound, match=job_id):
        client.edge_features(job_id, pairs=([1], [2]))


def test_unknown_snapshot_id_is_not_found_naming_the_id(client):
    for call in (client.get_snapshot, client.delete_snapshot, client.start_job,
                 client.estimate):
        with pytest.raises(NotFound, match="no-such-snapshot"):
            call("no-such-snapshot")


@pytest.mark.parametrize("field,value", [
    ("return_factor", -1.0),
    ("in_out_factor", 0.0),
    ("min_learning_rate", 1.0),   # above the initial rate 0.025
    ("negative_sampling_exponent", float("nan")),
])
def test_bad_parameter_is_invalid_argument_naming_the_field(client, karate_snapshot,
                                                            field, value):
    with pytest.raises(InvalidArgument, match=field) as info:
        client.start_job(karate_snapshot.snapshot_id, **{field: value})
    assert info.value.code == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(InvalidArgument, match=field):
        client.estimate(karate_snapshot.snapshot_id, **{field: value})


def test_unknown_keyword_is_a_type_error_before_any_call(client, karate_snapshot):
    with pytest.raises(TypeError, match="'retrun_factor'"):
        client.start_job(karate_snapshot.snapshot_id, retrun_factor=2.0)
    with pytest.raises(TypeError, match="'dimensions'"):
        client.run_job(karate_snapshot.snapshot_id, dimensions=8)
    with pytest.raises(TypeError, match="'foo'"):
        client.embed([1], [2], foo=1)


def test_mismatched_expected_counts_are_invalid(client):
    # The helpers always send the right counts; go one level down.
    from n2v_client import graph

    one_edge = next(graph.edge_chunks(graph.EdgeColumns.of([1], [2]), 10))
    with pytest.raises(InvalidArgument, match="expected_edges"):
        client._upload(graph.header(expected_edges=5), [("edges", one_edge)])


def test_unreachable_server_is_unavailable():
    from n2v_client import Client, Unavailable

    with Client("127.0.0.1:1", timeout=120) as c:
        with pytest.raises(Unavailable):
            c.list_jobs()
