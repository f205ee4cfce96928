"""`Client`: the n2v.v1.N2v service behind a small Python API.

Every method converts its arguments to request messages, converts replies
to dataclasses or numpy arrays, and turns failed RPCs into N2vError (see
errors.py).
"""

from __future__ import annotations

import dataclasses
import os
import time
from typing import (Any, Callable, Iterable, Iterator, List, Optional,
                    Sequence, Tuple, Union)

import grpc
import numpy as np
from grpc_health.v1 import health_pb2, health_pb2_grpc

from . import graph
from ._pb import pb, pb_grpc
from .errors import N2vJobCancelled, N2vJobFailed, error_for, from_rpc_error
from .models import Estimate, Job, JobProgress, JobState, Snapshot
from .params import build_params, check_param_names
from .progress import ProgressBar
from .results import (RETRYABLE_CODES, column_pairs, decode_embedding_chunk,
                      decode_feature_chunk, read_rows)

DEFAULT_TARGET = "127.0.0.1:50051"
DEFAULT_CHUNK_ROWS = 4096
DEFAULT_CHUNK_PAIRS = 4096
# WatchJob reconnections after UNAVAILABLE before giving up.
WATCH_RETRIES = 3

PemInput = Union[bytes, str, "os.PathLike[str]", None]
ProgressCallback = Callable[[JobProgress], None]
Embeddings = Tuple[np.ndarray, np.ndarray]
Features = Tuple[np.ndarray, np.ndarray, np.ndarray]

EDGE_OPERATORS = {
    "average": pb.EDGE_OPERATOR_AVERAGE,
    "hadamard": pb.EDGE_OPERATOR_HADAMARD,
    "weighted_l1": pb.EDGE_OPERATOR_WEIGHTED_L1,
    "weighted_l2": pb.EDGE_OPERATOR_WEIGHTED_L2,
    "cosine": pb.EDGE_OPERATOR_COSINE,
    "dot": pb.EDGE_OPERATOR_DOT,
}
_OPERATOR_ALIASES = {"avg": "average", "mean": "average",
                     "l1": "weighted_l1", "l2": "weighted_l2"}


def edge_operator(operator: Union[str, int]) -> int:
    """The EdgeOperator enum value for a name ("hadamard", "weighted-l1",
    "l2", ... case-insensitive, '-' or '_') or an enum value."""
    if isinstance(operator, int) and not isinstance(operator, bool):
        return operator
    if isinstance(operator, str):
        key = operator.strip().lower().replace("-", "_")
        key = _OPERATOR_ALIASES.get(key, key)
        if key in EDGE_OPERATORS:
            return EDGE_OPERATORS[key]
    raise ValueError(f"unknown edge operator {operator!r} "
                     f"(expected one of {', '.join(EDGE_OPERATORS)})")


def _pem(value: PemInput, what: str) -> Optional[bytes]:
    """PEM bytes from bytes, PEM text, or a path to a PEM file."""
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str) and value.lstrip().startswith("-----BEGIN"):
        return value.encode()
    try:
        with open(value, "rb") as f:
            return f.read()
    except OSError as exc:
        raise ValueError(f"{what}: cannot read {value!r}: {exc}") from exc


class Client:
    """A connection to an n2v-sidecar.

    Args:
        target: "host:port" of the server.
        token: bearer token, sent as "authorization: Bearer <token>" on
            every call (for servers started with --token-file).
        root_certificates: PEM (bytes, text or a file path) of the CA that
            signed the server's certificate. Giving any TLS material makes
            the channel use TLS; otherwise it is plaintext.
        private_key, certificate_chain: the client's key and certificate
            for mutual TLS (servers started with --tls-client-ca).
        timeout: deadline in seconds of each unary call (get, list, start,
            cancel, delete, estimate, health). Streaming calls (uploads,
            watching, results, embed) have no deadline.
        server_name: TLS name to check the server's certificate against
            when it differs from the target's host.
        options: extra grpc channel options.

    Use as a context manager, or call close().
    """

    def __init__(self, target: str = DEFAULT_TARGET, *,
                 token: Optional[str] = None,
                 root_certificates: PemInput = None,
                 private_key: PemInput = None,
                 certificate_chain: PemInput = None,
                 timeout: Optional[float] = None,
                 server_name: Optional[str] = None,
                 options: Sequence[Tuple[str, Any]] = ()) -> None:
        self.target = target
        self.timeout = timeout
        self._metadata: Tuple[Tuple[str, str], ...] = (
            (("authorization", f"Bearer {token}"),) if token else ())
        channel_options: List[Tuple[str, Any]] = [
            # Result chunks can exceed gRPC's 4 MiB default
            # (4096 rows x 512 dimensions x 4 bytes = 8 MiB).
            ("grpc.max_receive_message_length", -1),
            ("grpc.max_send_message_length", -1),
        ]
        if server_name:
            channel_options.append(("grpc.ssl_target_name_override", server_name))
        channel_options.extend(options)
        tls = (root_certificates, private_key, certificate_chain)
        if any(v is not None for v in tls):
            credentials = grpc.ssl_channel_credentials(
                root_certificates=_pem(root_certificates, "root_certificates"),
                private_key=_pem(private_key, "private_key"),
                certificate_chain=_pem(certificate_chain, "certificate_chain"))
            self._channel = grpc.secure_channel(target, credentials, channel_options)
        else:
            self._channel = grpc.insecure_channel(target, channel_options)
        self._stub = pb_grpc.N2vStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)

    # ------------------------------------------------------------ plumbing

    def close(self) -> None:
        """Closes the channel; the client cannot be used afterwards."""
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _unary(self, method: Callable[..., Any], request: Any) -> Any:
        try:
            return method(request, timeout=self.timeout, metadata=self._metadata)
        except grpc.RpcError as err:
            raise from_rpc_error(err) from None

    # ------------------------------------------------------------ health

    def health(self, service: str = "") -> str:
        """The grpc.health.v1 status of `service` ("" = the whole server):
        "SERVING", "NOT_SERVING", "UNKNOWN" or "SERVICE_UNKNOWN"."""
        reply = self._unary(self._health.Check,
                            health_pb2.HealthCheckRequest(service=service))
        return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)

    def wait_until_serving(self, timeout: float = 10.0, service: str = "") -> None:
        """Polls health() until SERVING; the last N2vError (or TimeoutError)
        after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.health(service) == "SERVING":
                    return
                last: Exception = TimeoutError(f"{self.target} is not SERVING")
            except Exception as exc:  # N2vError while the server starts
                last = exc
            if time.monotonic() >= deadline:
                raise last
            time.sleep(0.05)

    # ------------------------------------------------------------ snapshots

    def upload_graph(self, sources: Any, targets: Any, weights: Any = None, *,
                     nodes: Any = None, directed: bool = False, name: str = "",
                     strict_node_list: bool = False, track_changes: bool = False,
                     initial: Optional[graph.InitialInput] = None,
                     chunk_edges: int = graph.DEFAULT_CHUNK_EDGES) -> Snapshot:
        """Uploads a graph given as edge columns and returns its Snapshot.

        `sources`, `targets` (int64 ids) and `weights` (float32, > 0; None
        for an unweighted graph) are numpy arrays or any sequences or
        iterables of equal length. `nodes` adds ids (e.g. isolated nodes);
        with `strict_node_list` every endpoint must be among them. The
        header carries the edge count (and the node count when `nodes` is
        given); columns are streamed in chunks of `chunk_edges`.

        Warm starts: `track_changes` (with a non-empty `name`) makes the
        server keep this graph so that the next upload under the same name
        reports its changed nodes (Snapshot.changed_nodes, for incremental
        jobs). `initial` is (ids, vectors) or (ids, vectors, context) of a
        previous run (fetch_embeddings with context=False / True): int64
        (n,), float32 (n, d), float32 (n, d) or None; jobs with
        warm_start=True start from them. Malformed `initial` (shapes, dtype,
        NaN or infinite values, repeated ids) raises ValueError before
        anything is sent.
        """
        edges = graph.EdgeColumns.of(sources, targets, weights)
        node_ids = None if nodes is None else graph.id_column(nodes, "nodes")
        vectors = None if initial is None else graph.InitialVectors.of(initial)
        head = graph.header(
            name=name, directed=directed, weighted=edges.weights is not None,
            expected_nodes=0 if node_ids is None else int(node_ids.shape[0]),
            expected_edges=len(edges), strict_node_list=strict_node_list,
            track_changes=track_changes)
        parts = self._parts(node_ids, graph.edge_chunks(edges, chunk_edges), chunk_edges,
                            vectors)
        return self._upload(head, parts)

    def upload_edges_iter(self, edges: Iterable[Sequence[Any]], *,
                          nodes: Any = None, directed: bool = False,
                          name: str = "", strict_node_list: bool = False,
                          track_changes: bool = False,
                          initial: Optional[graph.InitialInput] = None,
                          chunk_edges: int = graph.DEFAULT_CHUNK_EDGES) -> Snapshot:
        """Uploads edges read lazily from an iterable of (source, target)
        or (source, target, weight) tuples (the first tuple decides whether
        the graph is weighted); at most one chunk is held in memory. A bad
        tuple raises ValueError and the server keeps nothing.
        `track_changes` and `initial` as in upload_graph."""
        vectors = None if initial is None else graph.InitialVectors.of(initial)
        weighted, it = graph.peek_weighted(edges)
        node_ids = None if nodes is None else graph.id_column(nodes, "nodes")
        expected = len(edges) if hasattr(edges, "__len__") else 0  # type: ignore[arg-type]
        head = graph.header(
            name=name, directed=directed, weighted=weighted,
            expected_nodes=0 if node_ids is None else int(node_ids.shape[0]),
            expected_edges=expected, strict_node_list=strict_node_list,
            track_changes=track_changes)
        chunks = graph.tuple_edge_chunks(it, weighted, chunk_edges)
        return self._upload(head, self._parts(node_ids, chunks, chunk_edges, vectors))

    @staticmethod
    def _parts(node_ids: Optional[np.ndarray], edge_chunks: Iterator[Any],
               chunk_size: int, initial: Optional[graph.InitialVectors] = None,
               ) -> Iterator[Tuple[str, Any]]:
        """The upload parts after the header: node chunks, edge chunks,
        then initial vector chunks (named by their UploadSnapshotRequest
        field)."""
        for chunk in graph.node_chunks(node_ids, chunk_size):
            yield "nodes", chunk
        for chunk in edge_chunks:
            yield "edges", chunk
        if initial is not None:
            for chunk in graph.initial_vector_chunks(initial):
                yield "initial_vectors", chunk

    def _upload(self, head: Any, parts: Iterable[Tuple[str, Any]]) -> Snapshot:
        def requests() -> Iterator[Any]:
            yield pb.UploadSnapshotRequest(header=head)
            for kind, chunk in parts:
                yield pb.UploadSnapshotRequest(**{kind: chunk})

        stream = graph.CapturingIterator(requests())
        try:
            reply = self._stub.UploadSnapshot(stream, metadata=self._metadata)
        except grpc.RpcError as err:
            if stream.error is not None:
                raise stream.error from None
            raise from_rpc_error(err) from None
        return Snapshot.from_proto(reply)

    def get_snapshot(self, snapshot_id: str) -> Snapshot:
        """Describes one snapshot (NotFound for an unknown id)."""
        return Snapshot.from_proto(
            self._unary(self._stub.GetSnapshot, pb.GetSnapshotRequest(snapshot_id=snapshot_id)))

    def list_snapshots(self) -> List[Snapshot]:
        """The snapshots the server holds."""
        reply = self._unary(self._stub.ListSnapshots, pb.ListSnapshotsRequest())
        return [Snapshot.from_proto(s) for s in reply.snapshots]

    def delete_snapshot(self, snapshot_id: str) -> None:
        """Drops a snapshot (running jobs on it finish)."""
        self._unary(self._stub.DeleteSnapshot,
                    pb.DeleteSnapshotRequest(snapshot_id=snapshot_id))

    # ------------------------------------------------------------ jobs

    def estimate(self, snapshot_id: Optional[str] = None, *, nodes: int = 0,
                 edges: int = 0, directed: bool = False, weighted: bool = False,
                 **params: Any) -> Estimate:
        """Memory and time a job would need: for an uploaded snapshot, or
        for a graph of `nodes` x `edges` not uploaded yet. `params` as in
        start_job."""
        request = pb.EstimateJobRequest(
            snapshot_id=snapshot_id or "", nodes=nodes, edges=edges,
            directed=directed, weighted=weighted,
            params=build_params(params, "estimate"))
        return Estimate.from_proto(self._unary(self._stub.EstimateJob, request))

    def start_job(self, snapshot_id: str, *, label: str = "", **params: Any) -> Job:
        """Starts node2vec on a snapshot and returns the Job at once.

        `params` are Node2VecParams fields in snake_case: walk_length,
        walks_per_node, return_factor, in_out_factor, window_size,
        negative_sampling_rate, embedding_dimension, iterations,
        initial_learning_rate, min_learning_rate, random_seed, concurrency,
        deterministic, positive_sampling_factor, negative_sampling_exponent,
        isolated_nodes ('random' or 'zero'), and for warm starts:
        warm_start (start from the snapshot's initial vectors, at the
        engine's warm learning rate 0.001 unless initial_learning_rate is
        given), align (rotate the result onto the initial vectors and report
        Job.drift; by default when warm-starting), incremental (walk only
        from the snapshot's changed nodes when they are at most
        incremental_max_changed_fraction of the graph [0.1]; needs
        warm_start), keep_context (keep the context vectors for
        fetch_embeddings(context=True); implied by warm_start). Unset ones
        take the server's defaults; an unknown name is a TypeError naming
        it.
        """
        request = pb.StartJobRequest(snapshot_id=snapshot_id, label=label,
                                     params=build_params(params, "start_job"))
        return Job.from_proto(self._unary(self._stub.StartJob, request))

    def watch(self, job_id: str, on_progress: Optional[ProgressCallback] = None,
              progress_bar: bool = False, interval_ms: int = 500) -> Job:
        """Follows a job until its final state and returns the final Job.

        `on_progress` is called with every JobProgress (the last one has
        the final state); `progress_bar` draws a one-line bar on stderr.
        Raises N2vJobFailed or N2vJobCancelled when the job ends so. A
        broken connection (UNAVAILABLE) is re-watched a few times.
        """
        bar = ProgressBar() if progress_bar else None
        final: Optional[JobProgress] = None
        failures = 0
        while final is None:
            request = pb.WatchJobRequest(job_id=job_id, interval_ms=interval_ms)
            try:
                for msg in self._stub.WatchJob(request, metadata=self._metadata):
                    progress = JobProgress.from_proto(msg)
                    failures = 0
                    if on_progress is not None:
                        on_progress(progress)
                    if bar is not None:
                        bar(progress)
                    if progress.is_final:
                        final = progress
                        break
            except grpc.RpcError as err:
                if err.code() not in RETRYABLE_CODES or failures >= WATCH_RETRIES:
                    raise from_rpc_error(err) from None
                time.sleep(0.2 * (2 ** failures))
                failures += 1
                continue
            if final is None:
                # The stream ended without a final state (e.g. the server is
                # restarting): ask the job itself, then watch again.
                job = self.get_job(job_id)
                if job.state.is_final and job.progress is not None:
                    final = job.progress
                    if on_progress is not None:
                        on_progress(final)
                    if bar is not None:
                        bar(final)
                elif failures >= WATCH_RETRIES:
                    raise error_for(grpc.StatusCode.UNAVAILABLE,
                                    f"WatchJob for job {job_id} kept ending before "
                                    "the job finished")
                else:
                    time.sleep(0.2 * (2 ** failures))
                    failures += 1
        job = self.get_job(job_id)
        if not job.state.is_final:
            job = dataclasses.replace(job, progress=final)
        if job.state == JobState.FAILED:
            raise N2vJobFailed(job, f"job {job_id} failed: {job.error or 'no reason given'}")
        if job.state == JobState.CANCELLED:
            raise N2vJobCancelled(job, f"job {job_id} was cancelled")
        return job

    def run_job(self, snapshot_id: str, *, label: str = "",
                on_progress: Optional[ProgressCallback] = None,
                progress_bar: bool = False, interval_ms: int = 500,
                **params: Any) -> Job:
        """start_job then watch: returns the SUCCEEDED Job (or raises as
        watch does)."""
        check_param_names(params, "run_job")
        job = self.start_job(snapshot_id, label=label, **params)
        return self.watch(job.job_id, on_progress=on_progress,
                          progress_bar=progress_bar, interval_ms=interval_ms)

    def get_job(self, job_id: str) -> Job:
        """Describes one job (NotFound for an unknown id)."""
        return Job.from_proto(self._unary(self._stub.GetJob, pb.GetJobRequest(job_id=job_id)))

    def list_jobs(self) -> List[Job]:
        """Running and recent jobs."""
        reply = self._unary(self._stub.ListJobs, pb.ListJobsRequest())
        return [Job.from_proto(j) for j in reply.jobs]

    def cancel(self, job_id: str) -> Job:
        """Cancels a running job; returns the job."""
        return Job.from_proto(
            self._unary(self._stub.CancelJob, pb.CancelJobRequest(job_id=job_id)))

    def delete_job(self, job_id: str) -> None:
        """Drops a finished job and its results."""
        self._unary(self._stub.DeleteJob, pb.DeleteJobRequest(job_id=job_id))

    # ------------------------------------------------------------ results

    def fetch_embeddings(self, job_id: str, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                         resume: bool = True, retries: int = 3,
                         context: bool = False) -> Embeddings:
        """The vectors of a SUCCEEDED job: (ids int64 (n,), vectors float32
        (n, d)), rows in ascending id order. With `resume`, a stream broken
        by UNAVAILABLE is reopened at the rows already received (up to
        `retries` times in a row without progress). With `context`, the
        job's context (output) vectors instead, for the next warm start
        (FailedPrecondition unless the job ran with keep_context or
        warm_start)."""
        def open_stream(offset: int) -> Iterable[Any]:
            request = pb.FetchEmbeddingsRequest(job_id=job_id, offset=offset,
                                                chunk_rows=chunk_rows, context=context)
            return self._stub.FetchEmbeddings(request, metadata=self._metadata)

        ids, vectors = read_rows(open_stream, decode_embedding_chunk, 1,
                                 resume=resume, retries=retries, check_total=True)
        return ids, vectors

    def edge_features(self, job_id: str, operator: Union[str, int] = "hadamard",
                      pairs: Any = None, chunk_pairs: int = DEFAULT_CHUNK_PAIRS,
                      resume: bool = True) -> Features:
        """Edge features of a SUCCEEDED job: (sources, targets, features
        float32 (n, width)); width is the dimension, or 1 for "cosine" and
        "dot". Operators: average, hadamard, weighted_l1, weighted_l2,
        cosine, dot.

        `pairs` None: every stored edge of the job's snapshot, in ascending
        (source, target) order (EdgeFeatures, resumable like
        fetch_embeddings). Otherwise `pairs` is (sources, targets) or an
        (n, 2) array, streamed in chunks of `chunk_pairs` (PairFeatures);
        rows come back in the order given.
        """
        op: Any = edge_operator(operator)  # an EdgeOperator enum value
        if pairs is None:
            def open_stream(offset: int) -> Iterable[Any]:
                request = pb.EdgeFeaturesRequest(job_id=job_id, operator=op,
                                                 chunk_pairs=chunk_pairs, offset=offset)
                return self._stub.EdgeFeatures(request, metadata=self._metadata)

            src, dst, feats = read_rows(open_stream, decode_feature_chunk, 2,
                                        resume=resume)
            return src, dst, feats
        return self._pair_features(job_id, op, pairs, chunk_pairs)

    def _pair_features(self, job_id: str, op: Any, pairs: Any,
                       chunk_pairs: int) -> Features:
        sources, targets = column_pairs(pairs)
        cols = graph.EdgeColumns.of(sources, targets)

        def requests() -> Iterator[Any]:
            yield pb.PairFeaturesRequest(
                header=pb.PairFeaturesHeader(job_id=job_id, operator=op))
            for start in range(0, len(cols), chunk_pairs):
                stop = start + chunk_pairs
                yield pb.PairFeaturesRequest(pairs=pb.PairChunk(
                    source=cols.sources[start:stop].tolist(),
                    target=cols.targets[start:stop].tolist()))

        def open_stream(offset: int) -> Iterable[Any]:
            return self._stub.PairFeatures(requests(), metadata=self._metadata)

        src, dst, feats = read_rows(open_stream, decode_feature_chunk, 2)
        return src, dst, feats

    # ------------------------------------------------------------ one call

    def embed(self, sources: Any, targets: Any, weights: Any = None, *,
              nodes: Any = None, directed: bool = False, name: str = "",
              strict_node_list: bool = False,
              chunk_edges: int = graph.DEFAULT_CHUNK_EDGES,
              chunk_rows: int = DEFAULT_CHUNK_ROWS, **params: Any) -> Embeddings:
        """Uploads a graph, trains and returns (ids, vectors) in one call
        (the Embed RPC; for small graphs: nothing stays on the server).
        Graph arguments as in upload_graph, `params` as in start_job."""
        node2vec = build_params(params, "embed")
        edges = graph.EdgeColumns.of(sources, targets, weights)
        node_ids = None if nodes is None else graph.id_column(nodes, "nodes")
        head = pb.EmbedHeader(
            graph=graph.header(
                name=name, directed=directed, weighted=edges.weights is not None,
                expected_nodes=0 if node_ids is None else int(node_ids.shape[0]),
                expected_edges=len(edges), strict_node_list=strict_node_list),
            params=node2vec, chunk_rows=chunk_rows)
        parts = self._parts(node_ids, graph.edge_chunks(edges, chunk_edges), chunk_edges)

        def requests() -> Iterator[Any]:
            yield pb.EmbedRequest(header=head)
            for kind, chunk in parts:
                yield pb.EmbedRequest(**{kind: chunk})

        def open_stream(offset: int) -> Iterable[Any]:
            return self._stub.Embed(requests(), metadata=self._metadata)

        ids, vectors = read_rows(open_stream, decode_embedding_chunk, 1, check_total=True)
        return ids, vectors
