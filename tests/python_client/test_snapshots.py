"""Uploading graphs: numpy columns, iterators, node lists, listing, deleting."""

import numpy as np
import pytest

from n2v_client import InvalidArgument, NotFound, Snapshot


def _karate_ids(karate):
    return np.unique(np.concatenate(karate))


def test_upload_from_numpy_arrays(client, karate):
    snap = client.upload_graph(*karate, name="karate-numpy")
    assert isinstance(snap, Snapshot)
    assert snap.snapshot_id
    assert (snap.name, snap.directed, snap.weighted) == ("karate-numpy", False, False)
    assert snap.nodes == 34
    assert snap.edges == 78 and snap.input_edges == 78
    assert snap.self_loops == 0 and snap.merged_duplicates == 0
    assert snap.isolated_nodes == 0
    assert snap.memory_bytes > 0 and snap.created_unix_ms > 0
    assert client.get_snapshot(snap.snapshot_id) == snap
    assert snap.snapshot_id in {s.snapshot_id for s in client.list_snapshots()}


def test_upload_from_an_iterator_of_tuples_in_small_chunks(client, karate):
    edges = ((int(s), int(t)) for s, t in zip(*karate))
    snap = client.upload_edges_iter(edges, name="karate-iter", chunk_edges=10)
    assert (snap.nodes, snap.edges, snap.input_edges, snap.weighted) == (34, 78, 78, False)


def test_upload_weighted_iterator_merges_duplicates(client):
    edges = iter([(1, 2, 0.5), (2, 3, 1.0), (1, 2, 1.5), (3, 3, 2.0)])
    snap = client.upload_edges_iter(edges, directed=True)
    assert snap.weighted and snap.directed
    assert snap.input_edges == 4
    assert snap.edges == 3 and snap.merged_duplicates == 1 and snap.self_loops == 1


def test_upload_from_plain_lists_with_weights_and_isolated_nodes(client):
    snap = client.upload_graph([10, 20], [20, 30], [1.0, 2.5], nodes=[10, 20, 30, 40, 50])
    assert snap.weighted
    assert snap.nodes == 5 and snap.isolated_nodes == 2 and snap.edges == 2


def test_many_chunks_equal_one_chunk(client, random_graph):
    src, dst = random_graph(500, 3000, seed=3)
    one = client.upload_graph(src, dst)
    many = client.upload_graph(src, dst, chunk_edges=97, nodes=np.arange(600),
                               )
    assert one.edges == many.edges and one.input_edges == many.input_edges == len(src)
    assert many.nodes == 600 and many.isolated_nodes == 600 - one.nodes


def test_strict_node_list_rejects_unknown_endpoints(client):
    with pytest.raises(InvalidArgument, match="not in the node list"):
        client.upload_graph([1, 2], [2, 3], nodes=[1, 2], strict_node_list=True)


def test_bad_weight_is_invalid_argument_and_leaves_nothing(client):
    before = {s.snapshot_id for s in client.list_snapshots()}
    with pytest.raises(InvalidArgument, match="weight"):
        client.upload_graph([1, 2], [2, 3], [1.0, -2.0])
    assert {s.snapshot_id for s in client.list_snapshots()} == before


def test_a_bad_tuple_aborts_the_upload_client_side(client):
    before = {s.snapshot_id for s in client.list_snapshots()}

    def edges():
        yield (1, 2)
        yield (2, 3)
        yield (3, 4, 5.0)

    with pytest.raises(ValueError, match="edge 2 has 3 fields"):
        client.upload_edges_iter(edges(), chunk_edges=1)
    assert {s.snapshot_id for s in client.list_snapshots()} == before


def test_delete_snapshot(client, karate):
    snap = client.upload_graph(*karate)
    client.delete_snapshot(snap.snapshot_id)
    with pytest.raises(NotFound, match=snap.snapshot_id):
        client.get_snapshot(snap.snapshot_id)
    with pytest.raises(NotFound, match=snap.snapshot_id):
        client.delete_snapshot(snap.snapshot_id)
