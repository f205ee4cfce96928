"""Jobs: determinism, progress, listing, estimates, cancellation, deletion."""

import threading
import time

import numpy as np
import pytest

from n2v_client import (FailedPrecondition, Job, JobPhase, JobState,
                        N2vJobCancelled, NotFound)

# How long a test waits for what must happen: only against a hang, never a
# measure of speed.
HANG_GUARD_S = 120


def _bits(vectors):
    return np.ascontiguousarray(vectors).view(np.uint32)


def test_deterministic_job_is_bit_identical_across_runs_and_concurrency(
        client, karate_snapshot, karate_vectors, small):
    ids1, vec1 = karate_vectors  # concurrency 1, first run
    sid = karate_snapshot.snapshot_id
    again = client.run_job(sid, deterministic=True, concurrency=1, **small)
    two = client.run_job(sid, deterministic=True, concurrency=2, **small)
    for job in (again, two):
        ids, vec = client.fetch_embeddings(job.job_id)
        np.testing.assert_array_equal(ids, ids1)
        assert vec.dtype == np.float32
        np.testing.assert_array_equal(_bits(vec), _bits(vec1))
    other_seed = client.run_job(sid, deterministic=True, concurrency=2,
                                **dict(small, random_seed=8))
    assert not np.array_equal(client.fetch_embeddings(other_seed.job_id)[1], vec1)


def test_progress_callback_sees_increasing_fraction_and_the_final_state(
        client, random_graph, small, capsys):
    # Half a second or so of training on one thread (whatever the number of
    # cores), so that several reports arrive.
    snap = client.upload_graph(*random_graph(1000, 5000, seed=2))
    seen = []
    job = client.run_job(snap.snapshot_id, on_progress=seen.append,
                         progress_bar=True, interval_ms=30,
                         **dict(small, walk_length=40, walks_per_node=10, iterations=2,
                                concurrency=1))
    assert isinstance(job, Job) and job.state == JobState.SUCCEEDED
    assert len(seen) >= 3, seen
    assert seen[0].overall_fraction < seen[-1].overall_fraction
    assert all(p.job_id == job.job_id for p in seen)
    fractions = [p.overall_fraction for p in seen]
    assert fractions == sorted(fractions), fractions
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert seen[-1].state == JobState.SUCCEEDED and seen[-1].is_final
    assert seen[-1].overall_fraction == pytest.approx(1.0)
    assert not any(p.is_final for p in seen[:-1])
    err = capsys.readouterr().err
    assert "100.0%" in err and "SUCCEEDED" in err and err.endswith("\n")


def test_finished_job_reports_results_and_filled_in_params(client, karate_job, small):
    job = client.get_job(karate_job.job_id)
    assert job.state == JobState.SUCCEEDED
    assert job.progress.phase == JobPhase.DONE
    assert job.nodes == 34 and job.dimensions == small["embedding_dimension"]
    assert job.params.walk_length == small["walk_length"]
    assert job.params.random_seed == small["random_seed"]
    assert job.params.deterministic is True
    # Defaults filled in by the server.
    assert job.params.return_factor == 1.0 and job.params.in_out_factor == 1.0
    assert len(job.loss_per_epoch) == small["iterations"]
    assert job.finished_unix_ms >= job.created_unix_ms > 0
    assert job.job_id in {j.job_id for j in client.list_jobs()}


def test_fetch_returns_one_row_per_node_sorted_by_id(client, karate, karate_vectors, small):
    ids, vectors = karate_vectors
    assert ids.dtype == np.int64
    np.testing.assert_array_equal(ids, np.unique(np.concatenate(karate)))
    assert vectors.shape == (34, small["embedding_dimension"])
    assert np.all(np.isfinite(vectors)) and np.any(vectors != 0)


def test_fetch_in_small_chunks_equals_one_chunk(client, karate_job, karate_vectors):
    ids, vectors = client.fetch_embeddings(karate_job.job_id, chunk_rows=5)
    np.testing.assert_array_equal(ids, karate_vectors[0])
    np.testing.assert_array_equal(vectors, karate_vectors[1])


def test_isolated_nodes_zero(client, small):
    snap = client.upload_graph([1, 2, 3], [2, 3, 1], nodes=[1, 2, 3, 99])
    job = client.run_job(snap.snapshot_id, isolated_nodes="zero", **small)
    ids, vectors = client.fetch_embeddings(job.job_id)
    assert ids.tolist() == [1, 2, 3, 99]
    assert not vectors[3].any() and vectors[:3].any()


def test_estimate_for_a_snapshot_and_for_a_size(client, karate_snapshot, small):
    est = client.estimate(karate_snapshot.snapshot_id, **small)
    assert est.graph_bytes == 0 and est.job_bytes > 0 and est.result_bytes > 0
    assert est.fits and est.free_bytes > 0 and est.estimated_seconds > 0
    assert est.walk_nodes == 34 * small["walks_per_node"] * small["walk_length"] \
        * small["iterations"]
    big = client.estimate(nodes=10**6, edges=10**7, embedding_dimension=128)
    assert big.graph_bytes > 0 and big.job_bytes > est.job_bytes


def test_cancel_a_long_job(client, random_graph):
    src, dst = random_graph(3000, 15000, seed=5)
    snap = client.upload_graph(src, dst, name="long")
    # Hours of training on any machine: the job is still running when cancelled.
    params = dict(walk_length=400, walks_per_node=100, embedding_dimension=32,
                  window_size=5, concurrency=1, iterations=1000)
    assert client.estimate(snap.snapshot_id, **params).estimated_seconds > 1
    job = client.start_job(snap.snapshot_id, label="to cancel", **params)
    assert job.label == "to cancel"
    assert job.state in (JobState.QUEUED, JobState.RUNNING)
    with pytest.raises(FailedPrecondition):
        client.fetch_embeddings(job.job_id)

    states = []
    watcher_error = []

    def watch():
        try:
            client.watch(job.job_id, on_progress=lambda p: states.append(p.state),
                         interval_ms=20)
        except Exception as exc:  # expected: N2vJobCancelled
            watcher_error.append(exc)

    thread = threading.Thread(target=watch)
    thread.start()
    deadline = time.monotonic() + HANG_GUARD_S
    while JobState.RUNNING not in states and time.monotonic() < deadline:
        time.sleep(0.01)
    assert JobState.RUNNING in states
    client.cancel(job.job_id)
    thread.join(HANG_GUARD_S)
    assert not thread.is_alive()
    assert len(watcher_error) == 1 and isinstance(watcher_error[0], N2vJobCancelled)
    assert watcher_error[0].job.state == JobState.CANCELLED
    # Queued or running, then running until the cancel, then cancelled: never
    # finished another way.
    running = states.index(JobState.RUNNING)
    assert set(states[:running]) <= {JobState.QUEUED}
    assert states[running:-1] == [JobState.RUNNING] * (len(states) - running - 1)
    assert states[-1] == JobState.CANCELLED
    assert client.get_job(job.job_id).state == JobState.CANCELLED
    with pytest.raises(N2vJobCancelled):  # watching a cancelled job again
        client.watch(job.job_id)
    with pytest.raises(FailedPrecondition):
        client.fetch_embeddings(job.job_id)


def test_delete_job(client, karate_snapshot, small):
    job = client.run_job(karate_snapshot.snapshot_id, **small)
    client.delete_job(job.job_id)
    with pytest.raises(NotFound, match=job.job_id):
        client.get_job(job.job_id)
    with pytest.raises(NotFound, match=job.job_id):
        client.fetch_embeddings(job.job_id)


def test_jobs_survive_their_snapshot(client, karate, small):
    snap = client.upload_graph(*karate)
    job = client.start_job(snap.snapshot_id, **small)
    client.delete_snapshot(snap.snapshot_id)
    done = client.watch(job.job_id)
    assert done.state == JobState.SUCCEEDED
    assert client.fetch_embeddings(job.job_id)[1].shape[0] == 34
