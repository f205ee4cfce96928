"""Graph input -> the parts of an upload stream (header, node and edge chunks).

UploadSnapshot and Embed take the same parts (a SnapshotHeader, NodeChunks
and EdgeChunks with packed columns); this module builds them from numpy
arrays, any iterables of ids, or an iterator of (source, target[, weight])
tuples, and leaves wrapping them into request messages to the caller.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Optional, Sequence, Tuple

import numpy as np

from ._pb import pb

DEFAULT_CHUNK_EDGES = 65536
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
           strict_node_list: bool = False) -> Any:
    """A SnapshotHeader message."""
    return pb.SnapshotHeader(
        name=name, directed=directed, weighted=weighted,
        expected_nodes=expected_nodes, expected_edges=expected_edges,
        strict_node_list=strict_node_list)


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
