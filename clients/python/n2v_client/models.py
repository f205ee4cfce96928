"""Plain data types returned by the client, converted from n2v.v1 messages.

The client never hands out protobuf messages: snapshots, jobs, progress
and estimates come back as frozen dataclasses with Python types (enums for
states and phases, tuples for repeated fields).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Optional, Tuple

from ._pb import pb


class JobState(enum.IntEnum):
    """Life cycle of a job (n2v.v1.JobState)."""

    UNSPECIFIED = 0
    QUEUED = 1
    RUNNING = 2
    SUCCEEDED = 3
    FAILED = 4
    CANCELLED = 5

    @property
    def is_final(self) -> bool:
        """SUCCEEDED, FAILED or CANCELLED: the job will not change again."""
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


class JobPhase(enum.IntEnum):
    """What a running job is doing (n2v.v1.JobPhase)."""

    UNSPECIFIED = 0
    COUNTING = 1
    TRAINING = 2
    DONE = 3


def _enum(cls: Any, value: int) -> Any:
    """Maps a wire enum value to `cls`, UNSPECIFIED for unknown values (a
    newer server may send states this client does not know)."""
    try:
        return cls(value)
    except ValueError:
        return cls.UNSPECIFIED


@dataclass(frozen=True)
class Params:
    """node2vec parameters of a job as the server reports them (defaults
    filled in). None marks an optional field the server left unset."""

    walk_length: int = 0
    walks_per_node: int = 0
    return_factor: Optional[float] = None
    in_out_factor: Optional[float] = None
    window_size: int = 0
    negative_sampling_rate: int = 0
    embedding_dimension: int = 0
    iterations: int = 0
    initial_learning_rate: Optional[float] = None
    min_learning_rate: Optional[float] = None
    random_seed: Optional[int] = None
    concurrency: int = 0
    deterministic: bool = False
    positive_sampling_factor: Optional[float] = None
    negative_sampling_exponent: Optional[float] = None
    isolated_nodes: str = "random"
    warm_start: bool = False
    align: bool = False
    incremental: bool = False
    incremental_max_changed_fraction: Optional[float] = None
    keep_context: bool = False
    embedding_initializer: str = "normalized"
    walk_buffer_size: int = 0
    walk_from: tuple = ()

    @classmethod
    def from_proto(cls, msg: Any) -> "Params":
        """Converts an n2v.v1.Node2VecParams message."""
        def opt(name: str) -> Any:
            return getattr(msg, name) if msg.HasField(name) else None

        return cls(
            walk_length=msg.walk_length,
            walks_per_node=msg.walks_per_node,
            return_factor=opt("return_factor"),
            in_out_factor=opt("in_out_factor"),
            window_size=msg.window_size,
            negative_sampling_rate=msg.negative_sampling_rate,
            embedding_dimension=msg.embedding_dimension,
            iterations=msg.iterations,
            initial_learning_rate=opt("initial_learning_rate"),
            min_learning_rate=opt("min_learning_rate"),
            random_seed=opt("random_seed"),
            concurrency=msg.concurrency,
            deterministic=msg.deterministic,
            positive_sampling_factor=opt("positive_sampling_factor"),
            negative_sampling_exponent=opt("negative_sampling_exponent"),
            isolated_nodes=(
                "zero" if msg.isolated_nodes == pb.ISOLATED_NODES_ZERO else "random"
            ),
            warm_start=msg.warm_start,
            align=msg.align,
            incremental=msg.incremental,
            incremental_max_changed_fraction=opt("incremental_max_changed_fraction"),
            keep_context=msg.keep_context,
            embedding_initializer=(
                "uniform"
                if msg.embedding_initializer == pb.EMBEDDING_INITIALIZER_UNIFORM
                else "normalized"
            ),
            walk_buffer_size=msg.walk_buffer_size,
            walk_from=tuple(msg.walk_from),
        )


@dataclass(frozen=True)
class Snapshot:
    """An uploaded graph held by the server (n2v.v1.Snapshot).

    `initial_vectors` counts the warm-start rows uploaded with the graph.
    `previous_snapshot_id` names the snapshot last uploaded under the same
    name with track_changes ("" when none is held); `changed_nodes` (new
    nodes and nodes whose edges differ from it) and `removed_nodes` (its
    nodes that are gone) compare against it.
    """

    snapshot_id: str
    name: str = ""
    directed: bool = False
    weighted: bool = False
    nodes: int = 0
    edges: int = 0
    self_loops: int = 0
    merged_duplicates: int = 0
    isolated_nodes: int = 0
    input_edges: int = 0
    memory_bytes: int = 0
    upload_seconds: float = 0.0
    build_seconds: float = 0.0
    created_unix_ms: int = 0
    initial_vectors: int = 0
    previous_snapshot_id: str = ""
    changed_nodes: int = 0
    removed_nodes: int = 0

    @classmethod
    def from_proto(cls, msg: Any) -> "Snapshot":
        """Converts an n2v.v1.Snapshot message."""
        return cls(
            snapshot_id=msg.snapshot_id,
            name=msg.name,
            directed=msg.directed,
            weighted=msg.weighted,
            nodes=msg.nodes,
            edges=msg.edges,
            self_loops=msg.self_loops,
            merged_duplicates=msg.merged_duplicates,
            isolated_nodes=msg.isolated_nodes,
            input_edges=msg.input_edges,
            memory_bytes=msg.memory_bytes,
            upload_seconds=msg.upload_seconds,
            build_seconds=msg.build_seconds,
            created_unix_ms=msg.created_unix_ms,
            initial_vectors=msg.initial_vectors,
            previous_snapshot_id=msg.previous_snapshot_id,
            changed_nodes=msg.changed_nodes,
            removed_nodes=msg.removed_nodes,
        )


@dataclass(frozen=True)
class Drift:
    """How far an aligned warm-started job's vectors moved from the initial
    ones (n2v.v1.Drift).

    `mean`, `p95` and `max` are relative L2 distances |new - old| / |old|
    over `measured_nodes` nodes: the unchanged shared nodes, or all shared
    nodes when the snapshot has no previous one to tell what changed.
    """

    shared_nodes: int = 0
    added_nodes: int = 0
    removed_nodes: int = 0
    mean: float = 0.0
    p95: float = 0.0
    max: float = 0.0
    measured_nodes: int = 0

    @classmethod
    def from_proto(cls, msg: Any) -> "Drift":
        """Converts an n2v.v1.Drift message."""
        return cls(
            shared_nodes=msg.shared_nodes,
            added_nodes=msg.added_nodes,
            removed_nodes=msg.removed_nodes,
            mean=msg.mean,
            p95=msg.p95,
            max=msg.max,
            measured_nodes=msg.measured_nodes,
        )


@dataclass(frozen=True)
class JobProgress:
    """One progress report of a job (n2v.v1.JobProgress)."""

    job_id: str
    state: JobState = JobState.UNSPECIFIED
    phase: JobPhase = JobPhase.UNSPECIFIED
    phase_fraction: float = 0.0
    overall_fraction: float = 0.0
    nodes_per_second: float = 0.0
    eta_seconds: float = 0.0
    loss: float = 0.0
    epoch: int = 0
    elapsed_seconds: float = 0.0
    error: str = ""

    @property
    def is_final(self) -> bool:
        """Whether this report carries a final state."""
        return self.state.is_final

    @classmethod
    def from_proto(cls, msg: Any) -> "JobProgress":
        """Converts an n2v.v1.JobProgress message."""
        return cls(
            job_id=msg.job_id,
            state=_enum(JobState, msg.state),
            phase=_enum(JobPhase, msg.phase),
            phase_fraction=msg.phase_fraction,
            overall_fraction=msg.overall_fraction,
            nodes_per_second=msg.nodes_per_second,
            eta_seconds=msg.eta_seconds,
            loss=msg.loss,
            epoch=msg.epoch,
            elapsed_seconds=msg.elapsed_seconds,
            error=msg.error,
        )


@dataclass(frozen=True)
class Job:
    """A node2vec job (n2v.v1.Job): parameters, latest progress, results.

    Warm-start facts, filled when SUCCEEDED: `warm_started_nodes` took an
    initial vector, `neighbour_started_nodes` (new nodes) started from their
    neighbours' mean; `incremental` tells whether walks started only from
    the changed nodes (`walk_start_nodes` of them; all nodes otherwise);
    `drift` is None unless the job ran with warm_start and align.
    """

    job_id: str
    snapshot_id: str = ""
    label: str = ""
    params: Params = field(default_factory=Params)
    progress: Optional[JobProgress] = None
    nodes: int = 0
    dimensions: int = 0
    loss_per_epoch: Tuple[float, ...] = ()
    counting_seconds: float = 0.0
    training_seconds: float = 0.0
    memory_bytes: int = 0
    created_unix_ms: int = 0
    finished_unix_ms: int = 0
    warm_started_nodes: int = 0
    neighbour_started_nodes: int = 0
    incremental: bool = False
    walk_start_nodes: int = 0
    drift: Optional[Drift] = None
    # MPI ranks it ran on (1: one process, or rank 0 of an mpirun'd sidecar).
    ranks: int = 1

    @property
    def state(self) -> JobState:
        """The job's state (from its latest progress)."""
        return self.progress.state if self.progress else JobState.UNSPECIFIED

    @property
    def error(self) -> str:
        """The failure reason when the job FAILED, else ""."""
        return self.progress.error if self.progress else ""

    @classmethod
    def from_proto(cls, msg: Any) -> "Job":
        """Converts an n2v.v1.Job message."""
        return cls(
            job_id=msg.job_id,
            snapshot_id=msg.snapshot_id,
            label=msg.label,
            params=Params.from_proto(msg.params),
            progress=JobProgress.from_proto(msg.progress)
            if msg.HasField("progress") else None,
            nodes=msg.nodes,
            dimensions=msg.dimensions,
            loss_per_epoch=tuple(msg.loss_per_epoch),
            counting_seconds=msg.counting_seconds,
            training_seconds=msg.training_seconds,
            memory_bytes=msg.memory_bytes,
            created_unix_ms=msg.created_unix_ms,
            finished_unix_ms=msg.finished_unix_ms,
            warm_started_nodes=msg.warm_started_nodes,
            neighbour_started_nodes=msg.neighbour_started_nodes,
            incremental=msg.incremental,
            walk_start_nodes=msg.walk_start_nodes,
            drift=Drift.from_proto(msg.drift) if msg.HasField("drift") else None,
            ranks=msg.ranks or 1,
        )


@dataclass(frozen=True)
class Estimate:
    """Memory and time a job would need (n2v.v1.Estimate)."""

    graph_bytes: int = 0
    job_bytes: int = 0
    result_bytes: int = 0
    free_bytes: int = 0
    fits: bool = False
    estimated_seconds: float = 0.0
    walk_nodes: int = 0
    budget_bytes: int = 0
    # MPI ranks the job would run on, and the most one rank would hold of
    # the graph and model (0 on one rank).
    ranks: int = 1
    memory_per_rank_bytes: int = 0

    @classmethod
    def from_proto(cls, msg: Any) -> "Estimate":
        """Converts an n2v.v1.Estimate message."""
        return cls(
            graph_bytes=msg.graph_bytes,
            job_bytes=msg.job_bytes,
            result_bytes=msg.result_bytes,
            free_bytes=msg.free_bytes,
            fits=msg.fits,
            estimated_seconds=msg.estimated_seconds,
            walk_nodes=msg.walk_nodes,
            budget_bytes=msg.budget_bytes,
            ranks=msg.ranks or 1,
            memory_per_rank_bytes=msg.memory_per_rank_bytes,
        )
