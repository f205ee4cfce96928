"""Server limits: the memory budget and the number of running jobs."""

import pytest

from n2v_client import FailedPrecondition, JobState, N2vJobCancelled, ResourceExhausted


@pytest.fixture(scope="module")
def tight_server(start_sidecar):
    return start_sidecar("--memory-budget", "1MiB", "--max-jobs", "1")


def test_upload_over_the_budget_is_resource_exhausted_with_numbers(tight_server,
                                                                  random_graph):
    src, dst = random_graph(100000, 200000, seed=4)
    with tight_server.client() as c:
        with pytest.raises(ResourceExhausted, match=r"memory budget.*\d") as info:
            c.upload_graph(src, dst)
        assert "MiB" in info.value.message
        assert c.list_snapshots() == []
        est = c.estimate(nodes=100000, edges=200000)
        assert not est.fits and est.free_bytes <= 1 << 20


def test_jobs_beyond_max_jobs_queue_and_can_be_cancelled(tight_server, small):
    with tight_server.client() as c:
        snap = c.upload_graph([1, 2, 3], [2, 3, 1])
        # Hours of training on any machine: it holds the one slot until cancelled.
        long = c.start_job(snap.snapshot_id, walk_length=1000, walks_per_node=1000,
                           embedding_dimension=4, window_size=2, iterations=1000)
        queued = c.start_job(snap.snapshot_id, **small)
        assert c.get_job(queued.job_id).state == JobState.QUEUED
        assert c.cancel(queued.job_id).state == JobState.CANCELLED
        assert c.get_job(long.job_id).state in (JobState.QUEUED, JobState.RUNNING)
        with pytest.raises(FailedPrecondition, match=long.job_id):
            c.delete_job(long.job_id)  # not finished
        c.cancel(long.job_id)
        with pytest.raises(N2vJobCancelled):
            c.watch(long.job_id)
        c.delete_job(long.job_id)
        # The slot is free again.
        assert c.run_job(snap.snapshot_id, **small).state == JobState.SUCCEEDED
