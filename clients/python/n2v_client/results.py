"""Reading result streams: embedding rows and edge features.

Result streams (FetchEmbeddings, EdgeFeatures, Embed, PairFeatures) send
chunks of consecutive rows, each with its row offset, and vectors as packed
little-endian float32 bytes. `read_rows` concatenates them into numpy
arrays; given a way to reopen the stream at an offset, it resumes after a
broken connection from the rows already received.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, List, Optional, Tuple

import grpc
import numpy as np

from .errors import error_for, from_rpc_error

# Codes after which a resumable stream is reopened at the rows received.
RETRYABLE_CODES = frozenset({grpc.StatusCode.UNAVAILABLE})
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF_S = 0.2

_LE_FLOAT32 = np.dtype("<f4")


@dataclass
class Rows:
    """A chunk decoded: id columns (one or two int64 arrays) and a float32
    matrix with one row per id, of width `width`."""

    offset: int
    ids: Tuple[np.ndarray, ...]
    matrix: np.ndarray
    total: Optional[int] = None

    def __len__(self) -> int:
        return int(self.ids[0].shape[0])

    def tail(self, skip: int) -> "Rows":
        """The rows after the first `skip` ones."""
        return Rows(self.offset + skip, tuple(c[skip:] for c in self.ids),
                    self.matrix[skip:], self.total)


def _matrix(data: bytes, rows: int, width: int, what: str) -> np.ndarray:
    expected = rows * width * 4
    if len(data) != expected:
        raise error_for(
            grpc.StatusCode.DATA_LOSS,
            f"{what}: {len(data)} bytes of floats for {rows} rows x {width}, "
            f"expected {expected}")
    matrix = np.frombuffer(data, dtype=_LE_FLOAT32).astype(np.float32, copy=False)
    return matrix.reshape(rows, width)


def decode_embedding_chunk(chunk: Any) -> Rows:
    """An EmbeddingChunk as Rows (ids,) x (n, dimensions)."""
    ids = np.array(chunk.node_ids, dtype=np.int64)
    matrix = _matrix(chunk.vectors, ids.shape[0], chunk.dimensions, "EmbeddingChunk")
    return Rows(chunk.offset, (ids,), matrix, chunk.total_rows)


def decode_feature_chunk(chunk: Any) -> Rows:
    """A FeatureChunk as Rows (sources, targets) x (n, width)."""
    src = np.array(chunk.source, dtype=np.int64)
    dst = np.array(chunk.target, dtype=np.int64)
    if src.shape != dst.shape:
        raise error_for(grpc.StatusCode.DATA_LOSS,
                        f"FeatureChunk: {src.shape[0]} sources but {dst.shape[0]} targets")
    matrix = _matrix(chunk.features, src.shape[0], chunk.width, "FeatureChunk")
    return Rows(chunk.offset, (src, dst), matrix)


@dataclass
class RowAssembler:
    """Collects consecutive Rows; `received` is the next expected offset.

    When the stream announces its total (EmbeddingChunk.total_rows), the
    output arrays are allocated once and chunks are copied straight into
    them; otherwise chunks are kept and concatenated at the end.
    """

    id_columns: int
    received: int = 0
    width: Optional[int] = None
    total: Optional[int] = None
    _parts: List[Rows] = field(default_factory=list)
    _ids: Optional[Tuple[np.ndarray, ...]] = None
    _matrix: Optional[np.ndarray] = None

    def add(self, rows: Rows) -> None:
        """Appends `rows`, dropping any already received (a resumed stream
        may repeat some); a gap is DATA_LOSS."""
        if rows.total is not None:
            self.total = rows.total
        if rows.offset > self.received:
            raise error_for(grpc.StatusCode.DATA_LOSS,
                            f"stream skipped rows: expected offset {self.received}, "
                            f"got {rows.offset}")
        if rows.offset < self.received:
            rows = rows.tail(self.received - rows.offset)
        if self.width is None:
            self.width = rows.matrix.shape[1]
        elif len(rows) and rows.matrix.shape[1] != self.width:
            raise error_for(grpc.StatusCode.DATA_LOSS,
                            f"row width changed from {self.width} to {rows.matrix.shape[1]}")
        n = len(rows)
        if n == 0:
            return
        end = self.received + n
        if self._matrix is None and not self._parts and self.total is not None \
                and self.total >= end:
            self._ids = tuple(np.empty(self.total, dtype=np.int64)
                              for _ in range(self.id_columns))
            self._matrix = np.empty((self.total, self.width), dtype=np.float32)
        if self._matrix is not None and end <= self._matrix.shape[0]:
            for column, values in zip(self._ids or (), rows.ids):
                column[self.received:end] = values
            self._matrix[self.received:end] = rows.matrix
        else:
            if self._matrix is not None:  # more rows than announced
                self._parts.append(Rows(0, tuple(c[:self.received] for c in self._ids or ()),
                                        self._matrix[:self.received]))
                self._ids, self._matrix = None, None
            self._parts.append(rows)
        self.received = end

    def result(self) -> Tuple[np.ndarray, ...]:
        """The id columns and the matrix (writable arrays of their own)."""
        if self._matrix is not None:
            ids = tuple(c[:self.received] for c in self._ids or ())
            return (*ids, self._matrix[:self.received])
        width = self.width or 0
        if not self._parts:
            empty_ids = tuple(np.zeros(0, dtype=np.int64) for _ in range(self.id_columns))
            return (*empty_ids, np.zeros((0, width), dtype=np.float32))
        ids = tuple(np.concatenate([p.ids[i] for p in self._parts])
                    for i in range(self.id_columns))
        matrix = np.concatenate([p.matrix for p in self._parts])
        return (*ids, matrix)


def read_rows(open_stream: Callable[[int], Iterable[Any]],
              decode: Callable[[Any], Rows],
              id_columns: int,
              *,
              resume: bool = False,
              retries: int = DEFAULT_RETRIES,
              backoff_s: float = DEFAULT_BACKOFF_S,
              check_total: bool = False,
              on_chunk: Optional[Callable[[RowAssembler], None]] = None,
              ) -> Tuple[np.ndarray, ...]:
    """Reads a chunked result stream into numpy arrays.

    `open_stream(offset)` starts the call at row `offset`. When `resume`
    is true and the stream fails with a retryable code (UNAVAILABLE), it is
    reopened at the rows received so far, up to `retries` times in a row
    without progress, waiting `backoff_s` doubled each time. Every other
    failure raises the matching N2vError. With `check_total`, ending with
    fewer rows than the chunks' total_rows is DATA_LOSS.
    """
    rows = RowAssembler(id_columns)
    failures = 0
    while True:
        before = rows.received
        try:
            for chunk in open_stream(rows.received):
                rows.add(decode(chunk))
                if on_chunk is not None:
                    on_chunk(rows)
            break
        except grpc.RpcError as err:
            code = err.code() if callable(getattr(err, "code", None)) else None
            if rows.received > before:
                failures = 0
            if not (resume and code in RETRYABLE_CODES and failures < retries):
                raise from_rpc_error(err) from None
            time.sleep(backoff_s * (2 ** failures))
            failures += 1
    if check_total and rows.total is not None and rows.received != rows.total:
        raise error_for(grpc.StatusCode.DATA_LOSS,
                        f"stream ended after {rows.received} of {rows.total} rows")
    return rows.result()


def column_pairs(pairs: Any) -> Tuple[Any, Any]:
    """Splits `pairs` given as (sources, targets) or as an (n, 2) array."""
    if isinstance(pairs, np.ndarray) and pairs.ndim == 2 and pairs.shape[1] == 2:
        return pairs[:, 0], pairs[:, 1]
    if isinstance(pairs, tuple) and len(pairs) == 2:
        return pairs[0], pairs[1]
    raise TypeError("pairs must be a (sources, targets) tuple or an (n, 2) array")
