"""Graph input -> the parts of an upload stream (header, node, edge and
initial vector chunks).

UploadSnapshot and Embed take the same parts (a SnapshotHeader, NodeChunks
and EdgeChunks with packed columns); this module builds them from numpy
arrays, any iterables of ids, or an iterator of (source, target[, weight])
tuples, and leaves wrapping them into request messages to the caller.
UploadSnapshot also takes InitialVectorChunks (warm-start vectors, see
`InitialVectors`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Optional, Sequence, Tuple, Union

import numpy as np

from ._pb import pb

DEFAULT_CHUNK_EDGES = 65536
# Payload bytes per InitialVectorChunk (ids, vectors and context), well
# below the server's 64 MiB limit on a received message.
DEFAULT_CHUNK_VECTOR_BYTES = 2 << 20
# The server's bounds on InitialVectorChunk.dimensions.
MAX_INITIAL_DIMENSIONS = 65536
_INT64_MAX = np.iinfo(np.int64).max


def id_column(values: Any, what: str) -> np.ndarray:
    """`values` (array, sequence or iterable of integers) as a 1-D int64
    array; ValueError naming `what` for anything else."""
    arr = _as_array(values, np.int64)
    if arr.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "u":
        if arr.max() > _INT64_MAX:
            raise ValueError(f"{what} holds ids above the int64 range")
    elif arr.dtype.kind != "i":
        raise ValueError(f"{what} must hold integers, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def weight_column(values: Any) -> np.ndarray:
    """`values` as a 1-D float32 array (range checks are the server's)."""
    arr = _as_array(values, np.float32)
    if arr.ndim != 1:
        raise ValueError(f"weights must be one-dimensional, got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in "iuf":
        raise ValueError(f"weights must be numbers, got dtype {arr.dtype}")
    return arr.astype(np.float32, copy=False)


def _as_array(values: Any, dtype: Any) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    if hasattr(values, "__len__") or hasattr(values, "__array__"):
        return np.asarray(values)
    return np.fromiter(values, dtype=dtype)


@dataclass(frozen=True)
class EdgeColumns:
    """Validated edge columns: equal lengths; weights None when unweighted."""

    sources: np.ndarray
    targets: np.ndarray
    weights: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return int(self.sources.shape[0])

    @classmethod
    def of(cls, sources: Any, targets: Any, weights: Any = None) -> "EdgeColumns":
        src = id_column(sources, "sources")
        dst = id_column(targets, "targets")
        if src.shape != dst.shape:
            raise ValueError(
                f"sources and targets differ in length: {src.shape[0]} and {dst.shape[0]}")
        w = None
        if weights is not None:
            w = weight_column(weights)
            if w.shape != src.shape:
                raise ValueError(
                    f"weights and sources differ in length: {w.shape[0]} and {src.shape[0]}")
        return cls(src, dst, w)


def header(*, name: str = "", directed: bool = False, weighted: bool = False,
           expected_nodes: int = 0, expected_edges: int = 0,
           strict_node_list: bool = False, track_changes: bool = False) -> Any:
    """A SnapshotHeader message."""
    return pb.SnapshotHeader(
        name=name, directed=directed, weighted=weighted,
        expected_nodes=expected_nodes, expected_edges=expected_edges,
        strict_node_list=strict_node_list, track_changes=track_changes)


def node_chunks(nodes: Optional[np.ndarray], chunk_size: int) -> Iterator[Any]:
    """NodeChunk messages of at most `chunk_size` ids."""
    if nodes is None:
        return
    for start in range(0, nodes.shape[0], chunk_size):
        yield pb.NodeChunk(ids=nodes[start:start + chunk_size].tolist())


def edge_chunks(edges: EdgeColumns, chunk_size: int) -> Iterator[Any]:
    """EdgeChunk messages of at most `chunk_size` edges (packed columns)."""
    for start in range(0, len(edges), chunk_size):
        stop = start + chunk_size
        chunk = pb.EdgeChunk(source=edges.sources[start:stop].tolist(),
                             target=edges.targets[start:stop].tolist())
        if edges.weights is not None:
            chunk.weight.extend(edges.weights[start:stop].tolist())
        yield chunk


def vector_matrix(values: Any, rows: int, what: str) -> np.ndarray:
    """`values` as a C-contiguous (rows, d) float32 matrix of finite
    values; ValueError naming `what` for another shape, a dimension outside
    1..65536, a non-floating dtype, or a NaN or infinite value (also one
    that float32 cannot hold)."""
    arr = np.asarray(values)
    if arr.dtype.kind != "f":
        raise ValueError(f"{what} must hold floating-point numbers (float32), "
                         f"got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[0] != rows:
        raise ValueError(f"{what} must have shape ({rows}, dimensions), one row per "
                         f"id, got shape {arr.shape}")
    if not 1 <= arr.shape[1] <= MAX_INITIAL_DIMENSIONS:
        raise ValueError(f"{what} must have between 1 and {MAX_INITIAL_DIMENSIONS} "
                         f"columns, got {arr.shape[1]}")
    with np.errstate(over="ignore"):
        matrix = np.ascontiguousarray(arr, dtype=np.float32)
    _check_finite(matrix, what)
    return matrix


def _check_finite(matrix: np.ndarray, what: str) -> None:
    finite = np.isfinite(matrix)
    if not finite.all():
        row = int(np.argwhere(~finite)[0][0])
        raise ValueError(f"{what}: row {row} has a NaN or infinite value "
                         "(or one too large for float32)")


def _check_unique(ids: np.ndarray) -> None:
    uniq, counts = np.unique(ids, return_counts=True)
    if uniq.shape[0] != ids.shape[0]:
        raise ValueError(f"initial vector ids must be unique: id "
                         f"{int(uniq[counts > 1][0])} repeats")


InitialInput = Union["InitialVectors", Tuple[Any, Any], Tuple[Any, Any, Any]]


@dataclass(frozen=True)
class InitialVectors:
    """Validated warm-start vectors: unique int64 ids (n,), finite float32
    vectors (n, d) and optionally the context vectors of the same shape."""

    ids: np.ndarray
    vectors: np.ndarray
    context: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def dimensions(self) -> int:
        """The vectors' width."""
        return int(self.vectors.shape[1])

    @classmethod
    def of(cls, initial: InitialInput) -> "InitialVectors":
        """From (ids, vectors) or (ids, vectors, context), e.g. what
        Client.fetch_embeddings returned for a previous run; context may be
        None. ValueError for anything malformed (see `vector_matrix`)."""
        if isinstance(initial, InitialVectors):
            return initial
        if not isinstance(initial, tuple) or len(initial) not in (2, 3):
            raise ValueError("initial must be a tuple (ids, vectors) or "
                             "(ids, vectors, context)")
        ids = id_column(initial[0], "initial ids")
        vectors = vector_matrix(initial[1], ids.shape[0], "initial vectors")
        context = None
        if len(initial) == 3 and initial[2] is not None:
            context = vector_matrix(initial[2], ids.shape[0], "initial context")
            if context.shape != vectors.shape:
                raise ValueError(f"initial context has shape {context.shape} but the "
                                 f"vectors have shape {vectors.shape}")
        _check_unique(ids)
        return cls(ids, vectors, context)


def initial_vector_chunks(initial: InitialVectors,
                          max_bytes: int = DEFAULT_CHUNK_VECTOR_BYTES) -> Iterator[Any]:
    """InitialVectorChunk messages of whole rows, about `max_bytes` of ids,
    vectors and context each (at least one row); vectors and context as
    row-major little-endian float32 bytes. Nothing for zero rows."""
    d = initial.dimensions
    row_bytes = 8 + 4 * d * (1 if initial.context is None else 2)
    rows = max(1, max_bytes // row_bytes)
    for start in range(0, len(initial), rows):
        stop = start + rows
        chunk = pb.InitialVectorChunk(
            node_ids=initial.ids[start:stop].tolist(), dimensions=d,
            vectors=_le_bytes(initial.vectors[start:stop]))
        if initial.context is not None:
            chunk.context = _le_bytes(initial.context[start:stop])
        yield chunk


def _le_bytes(matrix: np.ndarray) -> bytes:
    return np.ascontiguousarray(matrix, dtype="<f4").tobytes()


def peek_weighted(edges: Iterable[Sequence[Any]]) -> Tuple[bool, Iterator[Sequence[Any]]]:
    """Looks at the first edge tuple: weighted when it has three fields.
    Returns the flag and an iterator that still yields every edge."""
    it = iter(edges)
    try:
        first = next(it)
    except StopIteration:
        return False, iter(())
    return len(first) == 3, itertools.chain([first], it)


def tuple_edge_chunks(edges: Iterable[Sequence[Any]], weighted: bool,
                      chunk_size: int) -> Iterator[Any]:
    """EdgeChunk messages from (source, target[, weight]) tuples, read
    lazily: at most one chunk is held in memory. ValueError for a tuple of
    the wrong length (all must have 3 fields when `weighted`, else 2)."""
    width = 3 if weighted else 2
    buf_src: list = []
    buf_dst: list = []
    buf_w: list = []
    for position, edge in enumerate(edges):
        if len(edge) != width:
            raise ValueError(
                f"edge {position} has {len(edge)} fields, expected {width} "
                f"({'weighted' if weighted else 'unweighted'} edges, as the first one)")
        buf_src.append(int(edge[0]))
        buf_dst.append(int(edge[1]))
        if weighted:
            buf_w.append(float(edge[2]))
        if len(buf_src) == chunk_size:
            yield pb.EdgeChunk(source=buf_src, target=buf_dst, weight=buf_w)
            buf_src, buf_dst, buf_w = [], [], []
    if buf_src:
        yield pb.EdgeChunk(source=buf_src, target=buf_dst, weight=buf_w)


class CapturingIterator:
    """Wraps a request iterator and remembers an exception it raised.

    grpc turns an exception inside a request iterator into a CANCELLED
    call (the server then drops the partial upload); the client re-raises
    the remembered exception instead of the bare CANCELLED.
    """

    def __init__(self, inner: Iterable[Any]) -> None:
        self._inner = iter(inner)
        self.error: Optional[BaseException] = None

    def __iter__(self) -> "CapturingIterator":
        return self

    def __next__(self) -> Any:
        try:
            return next(self._inner)
        except StopIteration:
            raise
        except BaseException as exc:  # re-raised by the caller
            self.error = exc
            raise
