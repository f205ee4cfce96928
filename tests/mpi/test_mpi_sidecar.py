"""n2v-sidecar under a real mpirun: rank 0 serves n2v.v1 as one process
does, cold and warm jobs run on every rank (Job.ranks,
Estimate.memory_per_rank_bytes), a cold or warm job's context vectors come
back, incremental jobs walk only from what changed, progress and
cancel work (a cancel reaches every rank within a heartbeat, mid-wave), a
job waiting for the busy ranks stays QUEUED and cancellable,
and
when a rank dies:
under a plain mpirun the whole MPI job ends, so the orchestrator restarts
it; under mpirun --enable-recovery the job that used the rank fails naming
it and the sidecar stays up, running later jobs on rank 0 alone. Either way
no result is half delivered."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import DATASETS, KARATE, LESMIS_EDGES, REPO

sys.path.insert(0, str(REPO / "clients" / "python"))
sys.path.insert(0, str(REPO / "tests" / "support"))

import n2v_client  # noqa: E402
from built_binary import built_binary  # noqa: E402
from sidecar_process import SidecarProcess  # noqa: E402


def read_edges(path):
    rows = [l.replace(",", " ").split() for l in Path(path).read_text().splitlines()
            if l.strip() and not l.startswith("#") and l[0].isdigit()]
    return (np.array([int(r[0]) for r in rows]), np.array([int(r[1]) for r in rows]))


def sidecar_binary():
    return built_binary("N2V_SIDECAR", "n2v-sidecar", "build/sidecar/n2v-sidecar",
                        "tests/mpi")


@pytest.fixture
def sidecar(mpi, tmp_path):
    with SidecarProcess(sidecar_binary(), tmp_path,
                        launcher=[mpi.mpirun, "-np", "2", "--oversubscribe"],
                        env=mpi.env) as process:
        yield process


@pytest.fixture
def recovering_sidecar(mpi, tmp_path):
    """Three ranks under mpirun --enable-recovery: the others live on when
    one dies."""
    with SidecarProcess(sidecar_binary(), tmp_path, args=["--rank-timeout", "4s"],
                        launcher=[mpi.mpirun, "-np", "3", "--oversubscribe",
                                  "--enable-recovery"],
                        env=mpi.env) as process:
        yield process


def test_cold_jobs_run_on_every_rank(sidecar):
    client = n2v_client.Client(sidecar.target)
    sources, targets = read_edges(KARATE)
    snapshot = client.upload_graph(sources, targets)
    estimate = client.estimate(snapshot.snapshot_id, embedding_dimension=16)
    assert estimate.ranks == 2
    assert 0 < estimate.memory_per_rank_bytes
    seen = []
    job = client.run_job(snapshot.snapshot_id, embedding_dimension=16, walk_length=20,
                         positive_sampling_factor=0, deterministic=True,
                         on_progress=lambda p: seen.append(p.overall_fraction))
    assert job.state == n2v_client.JobState.SUCCEEDED, job.error
    assert job.ranks == 2
    assert len(job.loss_per_epoch) == 1 and job.loss_per_epoch[0] > 0
    ids, vectors = client.fetch_embeddings(job.job_id)
    assert sorted(ids.tolist()) == sorted(set(sources.tolist()) | set(targets.tolist()))
    assert vectors.shape == (34, 16) and np.isfinite(vectors).all()
    # Deterministic at a fixed rank count: the same bits again.
    again = client.run_job(snapshot.snapshot_id, embedding_dimension=16, walk_length=20,
                           positive_sampling_factor=0, deterministic=True)
    _, vectors_again = client.fetch_embeddings(again.job_id)
    assert np.array_equal(vectors, vectors_again)


def test_rank_0_is_charged_the_whole_result_and_its_own_share(sidecar):
    """Rank 0 collects every vector and takes part in the run: a job there
    is charged at least its whole result and its share of the run (it was
    charged what one process would hold, here less than its share)."""
    estimate = n2v_client.Client(sidecar.target).estimate(nodes=34, edges=78,
                                                          embedding_dimension=16)
    assert estimate.ranks == 2
    assert estimate.job_bytes >= estimate.memory_per_rank_bytes + estimate.result_bytes


def test_a_cold_job_keeps_its_context_vectors_on_every_rank(sidecar):
    """keep_context without warm_start: every rank brings its context block
    home at the end (a collective), so every node's context row comes back.
    One wave at 2 ranks: a rank that did not know would hang the job."""
    client = n2v_client.Client(sidecar.target)
    snapshot = client.upload_graph(*read_edges(LESMIS_EDGES))
    job = client.start_job(snapshot.snapshot_id, embedding_dimension=8, walks_per_node=3,
                           keep_context=True)
    wait_for_state(client, job.job_id, (n2v_client.JobState.SUCCEEDED,
                                        n2v_client.JobState.FAILED), 60)
    done = client.get_job(job.job_id)
    assert done.state == n2v_client.JobState.SUCCEEDED, done.error
    assert done.ranks == 2 and done.params.keep_context
    ids, context = client.fetch_embeddings(job.job_id, context=True)
    assert context.shape == (77, 8) and np.isfinite(context).all()
    assert (np.abs(context).sum(axis=1) > 0).all()


def test_the_wave_size_is_the_servers_and_every_rank_uses_it(mpi, sidecar, tmp_path):
    """--walks-per-wave, set on the command line, reaches every rank's jobs
    (waves of 2 walks train in another order: other bits) and the per-rank
    estimate (smaller waves, less memory); a bad value stops every rank
    with one message."""
    def karate_run(client):
        sources, targets = read_edges(KARATE)
        snapshot = client.upload_graph(sources, targets)
        estimate = client.estimate(snapshot.snapshot_id, embedding_dimension=16)
        job = client.run_job(snapshot.snapshot_id, embedding_dimension=16, walk_length=20,
                             positive_sampling_factor=0, deterministic=True)
        assert job.state == n2v_client.JobState.SUCCEEDED, job.error
        assert job.ranks == 2
        return estimate.memory_per_rank_bytes, client.fetch_embeddings(job.job_id)[1]

    default_bytes, default_vectors = karate_run(n2v_client.Client(sidecar.target))
    (tmp_path / "small").mkdir()
    with SidecarProcess(sidecar_binary(), tmp_path / "small", args=["--walks-per-wave", "2"],
                        launcher=[mpi.mpirun, "-np", "2", "--oversubscribe"],
                        env=mpi.env) as small:
        small_bytes, small_vectors = karate_run(n2v_client.Client(small.target))
    assert 0 < small_bytes < default_bytes
    assert small_vectors.shape == default_vectors.shape
    assert not np.array_equal(small_vectors, default_vectors)

    refused = subprocess.run([mpi.mpirun, "-np", "2", "--oversubscribe", str(sidecar_binary()),
                              "--listen", "127.0.0.1:0", "--walks-per-wave", "0"],
                             capture_output=True, text=True, env=mpi.env, timeout=60)
    assert refused.returncode != 0
    assert refused.stderr.count("--walks-per-wave must be between 1 and 4294967295, "
                                "got 0") == 1, refused.stderr


def test_a_job_must_fit_every_ranks_own_memory_budget(mpi, tmp_path):
    """Each rank brings its own --memory-budget (here rank 1 a tiny one, on
    an MPMD command line): a job whose share would not fit the smallest of
    the other ranks' budgets is refused before it starts, naming both
    sizes, though rank 0's own budget has room; the sidecar goes on."""
    binary = str(sidecar_binary())
    with SidecarProcess(sidecar_binary(), tmp_path,
                        args=["--memory-budget", "1GiB",
                              ":", "-np", "1", binary, "--memory-budget", "1KiB"],
                        launcher=[mpi.mpirun, "--oversubscribe", "-np", "1"],
                        env=mpi.env) as process:
        client = n2v_client.Client(process.target)
        sources, targets = read_edges(KARATE)
        snapshot = client.upload_graph(sources, targets)
        estimate = client.estimate(snapshot.snapshot_id, embedding_dimension=16)
        assert estimate.ranks == 2 and estimate.memory_per_rank_bytes > 1024
        assert not estimate.fits  # rank 1's budget, not only rank 0's
        with pytest.raises(n2v_client.ResourceExhausted) as refused:
            client.start_job(snapshot.snapshot_id, embedding_dimension=16)
        message = refused.value.message
        assert (f"({estimate.memory_per_rank_bytes} bytes) on each of its 2 ranks, more "
                "than the 1.0 KiB --memory-budget of the smallest other rank") in message, message
        assert client.list_jobs() == []
        # The sidecar goes on serving, on every rank.
        assert client.estimate(snapshot.snapshot_id).ranks == 2


def test_a_rank_that_refuses_its_own_flags_stops_every_rank(mpi):
    """On an MPMD command line each rank reads its own flags: when rank 1
    refuses its --memory-budget, every rank stops, even under mpirun
    --enable-recovery (where the others would live on), rank 1 says why
    and rank 0 names it."""
    binary = str(sidecar_binary())
    refused = subprocess.run([mpi.mpirun, "--oversubscribe", "--enable-recovery",
                              "-np", "1", binary, "--listen", "127.0.0.1:0",
                              ":", "-np", "1", binary, "--memory-budget", "5 lots"],
                             capture_output=True, text=True, env=mpi.env, timeout=60)
    # (mpirun --enable-recovery itself exits 0 once every rank has ended.)
    assert "n2v-sidecar: error: rank 1: --memory-budget: " in refused.stderr, refused.stderr
    assert ("n2v-sidecar: error: rank 1 failed: it refused its flags"
            in refused.stderr), refused.stderr


def test_warm_and_incremental_jobs_run_on_every_rank(sidecar):
    client = n2v_client.Client(sidecar.target)
    sources, targets = read_edges(LESMIS_EDGES)
    cold = client.upload_graph(sources, targets)
    first = client.run_job(cold.snapshot_id, embedding_dimension=8, keep_context=True)
    assert first.state == n2v_client.JobState.SUCCEEDED, first.error
    assert first.ranks == 2  # its context vectors come back from every rank
    ids, vectors = client.fetch_embeddings(first.job_id)
    context_ids, context = client.fetch_embeddings(first.job_id, context=True)
    assert context_ids.tolist() == ids.tolist() and np.abs(context).sum() > 0
    # A day later: two more nodes; the warm job runs on every rank too.
    grown_sources = np.concatenate([sources, [1000, 1001]])
    grown_targets = np.concatenate([targets, [ids[0], ids[1]]])
    warm = client.upload_graph(grown_sources, grown_targets,
                               initial=(ids, vectors, context))
    job = client.run_job(warm.snapshot_id, embedding_dimension=8, warm_start=True)
    assert job.state == n2v_client.JobState.SUCCEEDED, job.error
    assert job.ranks == 2 and job.warm_started_nodes == len(ids)
    assert job.neighbour_started_nodes == 2
    assert job.drift is not None and job.drift.shared_nodes == len(ids)
    assert job.drift.added_nodes == 2 and 0 < job.drift.mean < 0.3, job.drift
    next_ids, next_vectors = client.fetch_embeddings(job.job_id)
    _, next_context = client.fetch_embeddings(job.job_id, context=True)
    assert len(next_ids) == len(ids) + 2
    # Incremental jobs run on every rank too: the named graph uploaded again
    # with one more edge walks only from the two nodes it joins.
    initial = (next_ids, next_vectors, next_context)
    first_named = client.upload_graph(grown_sources, grown_targets, name="lesmis",
                                      track_changes=True, initial=initial)
    client.delete_snapshot(first_named.snapshot_id)
    changed = client.upload_graph(np.concatenate([grown_sources, [ids[2]]]),
                                  np.concatenate([grown_targets, [ids[5]]]), name="lesmis",
                                  track_changes=True, initial=initial)
    assert changed.changed_nodes == 2
    incremental = client.run_job(changed.snapshot_id, embedding_dimension=8,
                                 warm_start=True, incremental=True)
    assert incremental.state == n2v_client.JobState.SUCCEEDED, incremental.error
    assert incremental.ranks == 2 and incremental.incremental
    assert incremental.walk_start_nodes == 2 and incremental.drift.measured_nodes > 0
    # The Embed RPC (upload, train, stream in one call) works as before.
    embed_ids, embed_vectors = client.embed(sources, targets, embedding_dimension=8)
    assert sorted(embed_ids.tolist()) == sorted(ids.tolist())
    assert embed_vectors.shape == (len(ids), 8)


def test_cancel_ends_the_job_on_every_rank_and_the_next_one_runs(sidecar):
    client = n2v_client.Client(sidecar.target)
    sources, targets = read_edges(DATASETS / "blogcatalog" / "blogcatalog.edgelist")
    snapshot = client.upload_graph(sources, targets)
    job = client.start_job(snapshot.snapshot_id, walks_per_node=50, iterations=5)
    deadline = time.monotonic() + 300
    while client.get_job(job.job_id).progress.overall_fraction == 0:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    # The ranks run one job at a time: another job waits QUEUED, and
    # cancelling it ends it now, not when the running job ends.
    small = client.upload_graph(*read_edges(KARATE))
    waiting = client.start_job(small.snapshot_id, embedding_dimension=8)
    time.sleep(0.5)
    assert client.get_job(waiting.job_id).state == n2v_client.JobState.QUEUED
    assert client.cancel(waiting.job_id).state == n2v_client.JobState.CANCELLED
    assert client.get_job(job.job_id).state == n2v_client.JobState.RUNNING
    client.cancel(job.job_id)
    while client.get_job(job.job_id).state not in (n2v_client.JobState.CANCELLED,
                                                   n2v_client.JobState.SUCCEEDED):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert client.get_job(job.job_id).state == n2v_client.JobState.CANCELLED
    done = client.run_job(small.snapshot_id, embedding_dimension=8)
    assert done.state == n2v_client.JobState.SUCCEEDED and done.ranks == 2


def test_a_cancel_reaches_every_rank_within_a_heartbeat(sidecar):
    """One wave of walks of 3,000 nodes, whose ring steps take seconds: a
    cancel ends the job within about a heartbeat (a second here), not when
    rank 1 finishes its ring step. Rank 0 relays it on the rank watch's
    heartbeats, and rank 1 stops training at once."""
    client = n2v_client.Client(sidecar.target)
    sources, targets = read_edges(DATASETS / "blogcatalog" / "blogcatalog.edgelist")
    snapshot = client.upload_graph(sources, targets)
    job = client.start_job(snapshot.snapshot_id, walk_length=3000, walks_per_node=1)
    wait_for_state(client, job.job_id, (n2v_client.JobState.RUNNING,), 60)
    # Past the counting pass and the wave's walks, into its ring steps.
    time.sleep(6)
    assert client.get_job(job.job_id).state == n2v_client.JobState.RUNNING
    asked = time.monotonic()
    client.cancel(job.job_id)
    done = wait_for_state(client, job.job_id, (n2v_client.JobState.CANCELLED,
                                               n2v_client.JobState.SUCCEEDED), 120)
    waited = time.monotonic() - asked
    assert done.state == n2v_client.JobState.CANCELLED
    assert waited < 5, f"the cancel took {waited:.1f} s"
    after = client.run_job(client.upload_graph(*read_edges(KARATE)).snapshot_id,
                           embedding_dimension=8)
    assert after.state == n2v_client.JobState.SUCCEEDED and after.ranks == 2


def descendants(pid):
    """The pids of every process below `pid` (its children, theirs, ...)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        parent = re.search(r"^PPid:\s+(\d+)", status, re.M)
        if parent:
            children.setdefault(int(parent.group(1)), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rank_pid(launcher_pid, rank):
    """The pid of MPI rank `rank` among the launcher's descendants (other
    tests may run sidecars under mpirun at the same time)."""
    for pid in descendants(launcher_pid):
        entry = Path("/proc") / str(pid)
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if f"OMPI_COMM_WORLD_RANK={rank}".encode() in environ and "n2v-sidecar" in cmdline:
            return pid
    return None


def test_a_dead_rank_ends_the_sidecar_and_no_result_is_delivered(sidecar):
    client = n2v_client.Client(sidecar.target)
    sources, targets = read_edges(DATASETS / "blogcatalog" / "blogcatalog.edgelist")
    snapshot = client.upload_graph(sources, targets)
    job = client.start_job(snapshot.snapshot_id, walks_per_node=50, iterations=5)
    while client.get_job(job.job_id).progress.overall_fraction == 0:
        time.sleep(0.1)
    pid = rank_pid(sidecar.proc.pid, 1)
    assert pid is not None, "rank 1 not found"
    os.kill(pid, signal.SIGKILL)
    # Open MPI ends the whole job: the server goes away, the job never
    # succeeds, and the launcher exits for its orchestrator to restart.
    assert sidecar.proc.wait(timeout=120) != 0
    with pytest.raises(n2v_client.Unavailable):
        client.get_job(job.job_id)


def wait_for_state(client, job_id, states, timeout_s):
    deadline = time.monotonic() + timeout_s
    while True:
        job = client.get_job(job_id)
        if job.state in states:
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job.state}"
        time.sleep(0.1)


def test_a_dead_rank_fails_its_job_by_name_and_the_sidecar_stays_up(recovering_sidecar):
    sidecar = recovering_sidecar
    client = n2v_client.Client(sidecar.target)
    assert client.estimate(client.upload_graph(*read_edges(KARATE)).snapshot_id,
                           embedding_dimension=8).ranks == 3
    sources, targets = read_edges(DATASETS / "blogcatalog" / "blogcatalog.edgelist")
    snapshot = client.upload_graph(sources, targets)
    job = client.start_job(snapshot.snapshot_id, walks_per_node=50, iterations=5)
    assert job.ranks == 3
    deadline = time.monotonic() + 300
    while client.get_job(job.job_id).progress.overall_fraction == 0:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    # A job queued behind it, planned for the three ranks.
    queued = client.start_job(client.upload_graph(*read_edges(LESMIS_EDGES)).snapshot_id,
                              embedding_dimension=8)
    assert queued.ranks == 3
    pid = rank_pid(sidecar.proc.pid, 2)
    assert pid is not None, "rank 2 not found"
    os.kill(pid, signal.SIGKILL)
    failed = wait_for_state(client, job.job_id, (n2v_client.JobState.FAILED,
                                                 n2v_client.JobState.SUCCEEDED), 60)
    assert failed.state == n2v_client.JobState.FAILED
    assert "rank 2 of 3 stopped answering" in failed.error, failed.error
    assert "rank 0 alone" in failed.error, failed.error
    with pytest.raises(n2v_client.N2vError):
        client.fetch_embeddings(job.job_id)
    # The queued job runs on rank 0 alone instead of failing as the lost
    # rank's job did.
    ran = wait_for_state(client, queued.job_id, (n2v_client.JobState.FAILED,
                                                 n2v_client.JobState.SUCCEEDED), 60)
    assert ran.state == n2v_client.JobState.SUCCEEDED, ran.error
    assert ran.ranks == 1
    # Still serving: later jobs plan and run on rank 0 alone.
    assert sidecar.proc.poll() is None
    small = client.upload_graph(*read_edges(KARATE))
    assert client.estimate(small.snapshot_id, embedding_dimension=8).ranks == 1
    done = client.run_job(small.snapshot_id, embedding_dimension=8)
    assert done.state == n2v_client.JobState.SUCCEEDED, done.error
    assert done.ranks == 1
    ids, vectors = client.fetch_embeddings(done.job_id)
    assert vectors.shape == (34, 8) and np.isfinite(vectors).all()
    # The surviving follower heard its leader go quiet and left; the
    # leader still stops cleanly on SIGTERM.
    assert sidecar.stop() is not None
    log = sidecar.log()
    assert "rank_lost" in log, log
