#!/usr/bin/env python3
"""Quality harness for n2v node embeddings.

Owns the scoring side of the project: reading embedding files (word2vec text
and binary), node classification (one-vs-rest logistic regression, Macro/Micro
F1) and link prediction (connected edge split, edge operators, ROC AUC), using
the protocols of Grover & Leskovec, "node2vec" (KDD 2016). It never trains
embeddings itself: the `link-eval` and `node-eval` subcommands run an external
embedding command given on the command line.

Usable both as a CLI (see `--help`) and as an importable module.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

PROG = "n2v_quality"
OPERATORS = ("average", "hadamard", "weighted-l1", "weighted-l2", "cosine", "dot")
# Below this many candidate node pairs, non-edges are drawn from an explicit
# enumeration instead of by rejection sampling (robust for dense graphs).
_ENUMERATE_PAIRS_LIMIT = 2_000_000


class UserError(Exception):
    """A problem with the user's input; the CLI prints it as one line, no traceback."""


# --------------------------------------------------------------------------
# Small file helpers
# --------------------------------------------------------------------------


def _read_bytes(path: str) -> bytes:
    """Return the whole content of `path` (gunzipped if it ends in .gz)."""
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                return f.read()
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise UserError(f"{path}: cannot read: {e.strerror or e}") from None


def _text_lines(path: str) -> list[str]:
    """Return the lines of a text file (gzip allowed), without line endings."""
    data = _read_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise UserError(f"{path}:{line}: not valid UTF-8 text") from None
    return text.splitlines()


def _open_for_write(path: str):
    """Open `path` for writing text, creating its parent directory."""
    parent = os.path.dirname(path)
    try:
        if parent:
            os.makedirs(parent, exist_ok=True)
        return open(path, "w", encoding="ascii", newline="\n")
    except OSError as e:
        raise UserError(f"{path}: cannot write: {e.strerror or e}") from None


def _is_int(token: str) -> bool:
    """True if `token` parses as a (possibly signed) decimal integer."""
    try:
        int(token)
        return True
    except ValueError:
        return False


def _warn(msg: str) -> None:
    """Print a one-line warning to stderr."""
    print(f"{PROG}: warning: {msg}", file=sys.stderr)


# --------------------------------------------------------------------------
# Embeddings
# --------------------------------------------------------------------------


@dataclass
class Embedding:
    """Node embedding: `ids[i]` (int64) is the node of row `vectors[i]` (float32)."""

    ids: np.ndarray
    vectors: np.ndarray
    path: str = ""
    _order: np.ndarray | None = field(default=None, repr=False)

    @property
    def dim(self) -> int:
        """Number of dimensions d."""
        return int(self.vectors.shape[1])

    def rows(self, node_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map node ids to row indices.

        Returns (rows, found): `found[i]` is False where node_ids[i] has no
        vector, and rows[i] is then meaningless (0).
        """
        node_ids = np.asarray(node_ids, dtype=np.int64)
        if self._order is None:
            self._order = np.argsort(self.ids, kind="stable")
        sorted_ids = self.ids[self._order]
        if len(sorted_ids) == 0:
            return np.zeros(len(node_ids), np.int64), np.zeros(len(node_ids), bool)
        pos = np.searchsorted(sorted_ids, node_ids)
        pos = np.minimum(pos, len(sorted_ids) - 1)
        found = sorted_ids[pos] == node_ids
        rows = np.where(found, self._order[pos], 0)
        return rows, found


def _parse_header(path: str, data: bytes) -> tuple[int, int, int]:
    """Parse the 'N d' header line; return (N, d, offset of the first row)."""
    nl = data.find(b"\n")
    head = data[: nl if nl >= 0 else len(data)]
    parts = head.split()
    try:
        n, d = int(parts[0]), int(parts[1])
        if len(parts) != 2 or n < 0 or d <= 0:
            raise ValueError
    except (ValueError, IndexError):
        shown = head[:60].decode("ascii", "replace")
        raise UserError(f"{path}:1: expected header 'N d' (rows, dimensions), got {shown!r}") from None
    return n, d, (nl + 1 if nl >= 0 else len(data))


def _detect_format(data: bytes, start: int, d: int) -> str:
    """Guess 'text' or 'binary' from the first row after the header.

    A row is text when it decodes as ASCII into an integer id followed by
    exactly d numbers; anything else is taken as word2vec binary.
    """
    end = data.find(b"\n", start)
    line = data[start : end if end >= 0 else len(data)]
    try:
        parts = line.decode("ascii").split()
        if len(parts) != d + 1:
            return "binary"
        int(parts[0])
        for p in parts[1:]:
            float(p)
    except ValueError:  # includes UnicodeDecodeError
        return "binary"
    return "text"


def _parse_text_rows(path: str, data: bytes, start: int, n: int, d: int):
    """Parse word2vec text rows 'id v1 ... vd'; return (ids int64, vectors float32).

    Ids are parsed exactly as integers; the numbers are parsed by numpy's C
    reader (the id column is read there too, as a float, only to check that
    every row has exactly d + 1 fields).
    """
    body = data[start:]
    try:
        body.decode("ascii")
    except UnicodeDecodeError as e:
        line = data[: start + e.start].count(b"\n") + 1
        raise UserError(f"{path}:{line}: non-ASCII bytes in a text embedding (binary file? try --format binary)") from None
    heads = [ln.split(None, 1)[0] for ln in body.split(b"\n") if ln.strip()]
    if len(heads) != n:
        raise UserError(f"{path}: header says {n} rows but the file has {len(heads)}")
    ids = np.empty(n, dtype=np.int64)
    try:
        for i, head in enumerate(heads):
            ids[i] = int(head)
    except (ValueError, OverflowError):
        raise UserError(f"{path}:{_row_lineno(body, i) + 1}: node id {head[:40].decode()!r} is not a 64-bit integer") from None
    if n == 0:
        return ids, np.zeros((0, d), np.float32)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = np.loadtxt(io.BytesIO(body), dtype=np.float32, ndmin=2, comments=None)
        if table.shape != (n, d + 1):
            raise ValueError
    except ValueError:
        _diagnose_text_rows(path, body, d)
        raise UserError(f"{path}: cannot parse the embedding rows") from None
    return ids, np.ascontiguousarray(table[:, 1:])


def _row_lineno(body: bytes, row: int) -> int:
    """1-based line number within `body` of the row-th (0-based) non-blank line."""
    seen = -1
    for lineno, ln in enumerate(body.split(b"\n"), 1):
        if ln.strip():
            seen += 1
            if seen == row:
                return lineno
    return lineno


def _diagnose_text_rows(path: str, body: bytes, d: int) -> None:
    """Raise UserError naming file:line of the first malformed text row."""
    for lineno, ln in enumerate(body.split(b"\n"), 2):
        parts = ln.split()
        if not parts:
            continue
        try:
            if len(parts) != d + 1:
                raise ValueError
            [float(p) for p in parts[1:]]
        except ValueError:
            raise UserError(f"{path}:{lineno}: expected an id and {d} numbers, got {ln[:60].decode()!r}") from None


def _parse_binary_rows(path: str, data: bytes, start: int, n: int, d: int):
    """Parse word2vec binary rows 'id<space><d little-endian float32>[\\n]'."""
    ids = np.empty(n, dtype=np.int64)
    vecs = np.empty((n, d), dtype=np.float32)
    row_bytes = 4 * d
    size = len(data)
    ws = b" \t\r\n"
    pos = start
    for i in range(n):
        while pos < size and data[pos] in ws:
            pos += 1
        sp = data.find(b" ", pos, pos + 64)
        if sp < 0:
            raise UserError(f"{path}: binary row {i + 1} of {n}: missing id or truncated file (text file? try --format text)")
        token = data[pos:sp]
        try:
            ids[i] = int(token)
        except (ValueError, OverflowError):
            shown = token[:40].decode("ascii", "replace")
            raise UserError(f"{path}: binary row {i + 1}: node id {shown!r} is not a 64-bit integer") from None
        end = sp + 1 + row_bytes
        if end > size:
            raise UserError(f"{path}: binary row {i + 1} of {n}: truncated (needs {row_bytes} bytes of floats)")
        vecs[i] = np.frombuffer(data, dtype="<f4", count=d, offset=sp + 1)
        pos = end
    if data[pos:].strip():
        raise UserError(f"{path}: data after the {n} rows announced by the header")
    return ids, vecs


def read_embedding(path: str, fmt: str = "auto") -> Embedding:
    """Read a word2vec text or binary embedding file with 64-bit integer node ids.

    `fmt` is 'auto' (detect from the first row), 'text' or 'binary'. Raises
    UserError on malformed input, a row count that disagrees with the header,
    or duplicate ids.
    """
    if fmt not in ("auto", "text", "binary"):
        raise UserError(f"unknown embedding format {fmt!r} (auto, text, binary)")
    data = _read_bytes(path)
    n, d, start = _parse_header(path, data)
    if fmt == "auto":
        fmt = "text" if n == 0 else _detect_format(data, start, d)
    parse = _parse_text_rows if fmt == "text" else _parse_binary_rows
    ids, vecs = parse(path, data, start, n, d)
    uniq, counts = np.unique(ids, return_counts=True)
    if len(uniq) != len(ids):
        raise UserError(f"{path}: node id {int(uniq[counts > 1][0])} appears more than once")
    if not np.all(np.isfinite(vecs)):
        bad = int(ids[np.nonzero(~np.all(np.isfinite(vecs), axis=1))[0][0]])
        raise UserError(f"{path}: vector of node {bad} contains NaN or infinity")
    return Embedding(ids=ids, vectors=vecs, path=path)


def write_embedding(path: str, ids, vectors, binary: bool = False) -> None:
    """Write an embedding in word2vec text (default) or binary format."""
    ids = np.asarray(ids, dtype=np.int64)
    vectors = np.asarray(vectors, dtype=np.float32)
    n, d = vectors.shape
    with open(path, "wb") as f:
        f.write(f"{n} {d}\n".encode("ascii"))
        for i in range(n):
            if binary:
                f.write(f"{int(ids[i])} ".encode("ascii"))
                f.write(vectors[i].astype("<f4").tobytes())
                f.write(b"\n")
            else:
                vals = " ".join(f"{v:.9g}" for v in vectors[i].tolist())
                f.write(f"{int(ids[i])} {vals}\n".encode("ascii"))


# --------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------


def read_labels(path: str, label_column: str | None = None) -> dict[int, set[str]]:
    """Read node labels; return {node id: set of labels} (insertion ordered).

    Default format: 'node label' per line, whitespace- or comma-separated,
    '#' comments, one optional header line, several lines per node for
    multi-label data. With `label_column`, the file is a CSV with a header;
    the node id is the first column and the label the named column (rows
    with an empty label cell are skipped).
    """
    if label_column is not None:
        return _read_label_csv(path, label_column)
    labels: dict[int, set[str]] = {}
    seen_data = False
    for lineno, raw in enumerate(_text_lines(path), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.replace(",", " ").split()
        if not seen_data and not _is_int(parts[0]):
            seen_data = True  # header line
            continue
        seen_data = True
        if len(parts) != 2 or not _is_int(parts[0]):
            hint = " (CSV with a header? use --label-column NAME)" if len(parts) > 2 else ""
            raise UserError(f"{path}:{lineno}: expected 'node label' with an integer node id, got {line[:60]!r}{hint}")
        labels.setdefault(_int64(path, lineno, parts[0]), set()).add(parts[1])
    if not labels:
        raise UserError(f"{path}: no labels found")
    return labels


def _int64(path: str, lineno: int, token: str) -> int:
    """Parse a 64-bit signed integer node id or raise UserError naming file:line."""
    try:
        value = int(token)
    except ValueError:
        raise UserError(f"{path}:{lineno}: node id {token[:40]!r} is not an integer") from None
    if not -(2**63) <= value < 2**63:
        raise UserError(f"{path}:{lineno}: node id {token[:40]} does not fit in 64 bits")
    return value


def _read_label_csv(path: str, column: str) -> dict[int, set[str]]:
    """Read labels from a headed CSV (id in the first column, label in `column`)."""
    rows = csv.reader(_text_lines(path))
    labels: dict[int, set[str]] = {}
    header = None
    col = -1
    for lineno, row in enumerate(rows, 1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        row = [c.strip() for c in row]
        if header is None:
            header = row
            if column not in header:
                raise UserError(f"{path}:{lineno}: no column {column!r} in header (columns: {', '.join(header)})")
            col = header.index(column)
            continue
        if len(row) <= col:
            raise UserError(f"{path}:{lineno}: expected {len(header)} columns, got {len(row)}")
        if row[col] == "":
            continue
        labels.setdefault(_int64(path, lineno, row[0]), set()).add(row[col])
    if not labels:
        raise UserError(f"{path}: no labels found in column {column!r}")
    return labels


# --------------------------------------------------------------------------
# Node classification
# --------------------------------------------------------------------------


def predict_top_k(scores: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Return a 0/1 matrix marking, per row, the k[i] highest-scoring columns.

    Ties are broken by column order (lower column first).
    """
    scores = np.asarray(scores, dtype=np.float64)
    n, L = scores.shape
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty_like(order)
    ranks[np.arange(n)[:, None], order] = np.arange(L)[None, :]
    return (ranks < np.asarray(k).reshape(-1, 1)).astype(np.int64)


def align_labels(emb: Embedding, labels: dict[int, set[str]], allow_missing: bool = False):
    """Join labels with embeddings.

    Returns (X float32 (n,d), Y 0/1 int matrix (n,L), class names, missing count).
    Raises UserError when labelled nodes lack a vector unless `allow_missing`.
    """
    nodes = np.fromiter(labels.keys(), dtype=np.int64, count=len(labels))
    rows, found = emb.rows(nodes)
    missing = int((~found).sum())
    if missing and not allow_missing:
        example = int(nodes[~found][0])
        raise UserError(
            f"{missing} of {len(nodes)} labelled nodes have no embedding (e.g. node {example}) "
            f"in {emb.path or 'the embedding'}; pass --allow-missing to score the rest"
        )
    kept = nodes[found]
    if len(kept) < 2:
        raise UserError("fewer than 2 labelled nodes have an embedding")
    classes = sorted({lab for s in labels.values() for lab in s}, key=_label_sort_key)
    index = {c: j for j, c in enumerate(classes)}
    Y = np.zeros((len(kept), len(classes)), dtype=np.int64)
    for i, node in enumerate(kept.tolist()):
        for lab in labels[node]:
            Y[i, index[lab]] = 1
    return emb.vectors[rows[found]], Y, classes, missing


def _label_sort_key(label: str):
    """Sort numeric labels numerically, then the rest alphabetically."""
    return (0, int(label), "") if _is_int(label) else (1, 0, label)


def _make_classifier(jobs: int):
    """One-vs-rest L2-regularised logistic regression (C=1, lbfgs)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    return OneVsRestClassifier(LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000), n_jobs=jobs)


def _single_threaded_blas():
    """Context manager limiting BLAS to one thread.

    The many small matrix products of lbfgs run far slower with a threaded
    BLAS on few cores (measured ~15x on 2 cores); parallelism comes from
    --jobs instead. A no-op if threadpoolctl (a scikit-learn dependency) is
    missing.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def classify_once(X: np.ndarray, Y: np.ndarray, train_ratio: float, rng: np.random.Generator, jobs: int = 1):
    """One seeded split: train on `train_ratio` of the rows, predict the rest.

    Each test node is given as many labels as it truly has (top-k by the
    per-class probability). Returns (macro F1, micro F1, predicted 0/1 matrix,
    test row indices).
    """
    from sklearn.metrics import f1_score

    n = len(X)
    n_train = min(max(int(round(train_ratio * n)), 1), n - 1)
    perm = rng.permutation(n)
    train, test = perm[:n_train], perm[n_train:]
    clf = _make_classifier(jobs)
    with warnings.catch_warnings(), _single_threaded_blas():
        warnings.simplefilter("ignore")  # "label not present in training" etc.
        clf.fit(X[train], Y[train])
        probs = clf.predict_proba(X[test])
    pred = predict_top_k(probs, Y[test].sum(axis=1))
    labels = list(range(Y.shape[1]))
    macro = f1_score(Y[test], pred, average="macro", labels=labels, zero_division=0)
    micro = f1_score(Y[test], pred, average="micro", labels=labels, zero_division=0)
    return float(macro), float(micro), pred, test


def classify(X: np.ndarray, Y: np.ndarray, train_ratios, repeats: int = 10, seed: int = 0, jobs: int = 1) -> list[dict]:
    """Score node classification for each training ratio over `repeats` splits.

    Repeat r of every ratio uses the split permutation seeded by (seed, r).
    Returns one dict per ratio with per-repeat scores and their mean/std.
    """
    results = []
    for ratio in train_ratios:
        macros, micros = [], []
        for r in range(repeats):
            rng = np.random.default_rng([seed, r])
            macro, micro, _, _ = classify_once(X, Y, ratio, rng, jobs)
            macros.append(macro)
            micros.append(micro)
        results.append(
            {
                "train_ratio": ratio,
                "macro_f1_mean": float(np.mean(macros)),
                "macro_f1_std": float(np.std(macros)),
                "micro_f1_mean": float(np.mean(micros)),
                "micro_f1_std": float(np.std(micros)),
                "macro_f1": macros,
                "micro_f1": micros,
            }
        )
    return results


# --------------------------------------------------------------------------
# Edge lists and the link-prediction split
# --------------------------------------------------------------------------


def read_edgelist(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Read an edge list; return (u, v) int64 arrays, one entry per data line.

    Accepts SNAP style files: whitespace- or comma-separated, '#' and '%'
    comments, one optional header line (first data line with non-integer
    ids), an optional third (weight) column that is ignored, .gz files.
    """
    us: list[int] = []
    vs: list[int] = []
    first = True
    for lineno, raw in enumerate(_text_lines(path), 1):
        line = raw.strip()
        if not line or line[0] in "#%":
            continue
        parts = line.replace(",", " ").split()
        if len(parts) < 2 or len(parts) > 3:
            raise UserError(f"{path}:{lineno}: expected 'u v [weight]', got {line[:60]!r}")
        try:
            u, v = int(parts[0]), int(parts[1])
        except ValueError:
            if first:
                first = False
                continue  # header line
            raise UserError(f"{path}:{lineno}: expected integer node ids, got {line[:60]!r}") from None
        first = False
        if not (-(2**63) <= u < 2**63 and -(2**63) <= v < 2**63):
            raise UserError(f"{path}:{lineno}: node id does not fit in 64 bits")
        us.append(u)
        vs.append(v)
    if not us:
        raise UserError(f"{path}: no edges found")
    return np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64)


@dataclass
class EdgeSplit:
    """Result of `split_edges`; all pair arrays hold original node ids, shape (k, 2)."""

    residual: np.ndarray
    removed: np.ndarray
    test_pairs: np.ndarray  # (k, 3): u, v, label
    train_pairs: np.ndarray  # (k, 3): u, v, label
    stats: dict
    warnings: list[str]


def _canonical_edges(u: np.ndarray, v: np.ndarray):
    """Drop self-loops and duplicate undirected edges.

    Returns (nodes, a, b, self_loops, duplicates): `nodes` are the sorted
    distinct ids, and (a[i], b[i]) with a < b are the distinct edges as
    indices into `nodes`, sorted by (a, b).
    """
    loops = u == v
    u, v = u[~loops], v[~loops]
    if len(u) == 0:
        raise UserError("the edge list has no edges besides self-loops")
    nodes, inv = np.unique(np.concatenate([u, v]), return_inverse=True)
    n = len(nodes)
    iu, iv = inv[: len(u)], inv[len(u) :]
    a, b = np.minimum(iu, iv), np.maximum(iu, iv)
    keys = np.unique(a.astype(np.int64) * n + b)
    return nodes, keys // n, keys % n, int(loops.sum()), len(u) - len(keys)


def _spanning_forest_mask(n: int, a: np.ndarray, b: np.ndarray, rng: np.random.Generator):
    """Mark the edges of a random spanning forest (one tree per component).

    Implemented as a minimum spanning forest under i.i.d. random weights.
    Returns (mask over edges, number of connected components).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

    weights = 1.0 + rng.random(len(a))  # strictly positive: zero means "no edge"
    graph = coo_matrix((weights, (a, b)), shape=(n, n)).tocsr()
    tree = minimum_spanning_tree(graph).tocoo()
    ta, tb = np.minimum(tree.row, tree.col), np.maximum(tree.row, tree.col)
    tree_keys = np.sort(ta.astype(np.int64) * n + tb)
    mask = _in_sorted(a.astype(np.int64) * n + b, tree_keys)
    n_comp, _ = connected_components(graph, directed=False)
    return mask, int(n_comp)


def _in_sorted(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Boolean mask: which `keys` occur in the ascending array `sorted_keys`."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), bool)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[pos] == keys


def sample_non_edges(n: int, edge_keys: np.ndarray, count: int, rng: np.random.Generator, exclude: np.ndarray | None = None) -> np.ndarray:
    """Draw `count` distinct unordered node pairs (i < j) that are not edges.

    Pairs are encoded as i * n + j. `edge_keys` (distinct encoded edges) and
    `exclude` (distinct encoded non-edges) must not be drawn. Draws are
    uniform over the allowed pairs, returned in draw order. Raises UserError
    if fewer than `count` pairs are allowed.
    """
    exclude = np.zeros(0, np.int64) if exclude is None else np.asarray(exclude, np.int64)
    forbidden = np.sort(np.concatenate([np.asarray(edge_keys, np.int64), exclude]))
    available = n * (n - 1) // 2 - len(forbidden)
    if count > available:
        raise UserError(f"the graph has only {available} usable non-edges, {count} needed")
    if count == 0:
        return np.zeros(0, np.int64)
    if n * (n - 1) // 2 <= _ENUMERATE_PAIRS_LIMIT:
        i, j = np.triu_indices(n, 1)
        keys = i.astype(np.int64) * n + j
        return rng.choice(keys[~_in_sorted(keys, forbidden)], size=count, replace=False)
    parts: list[np.ndarray] = []
    taken = np.zeros(0, np.int64)  # sorted copy of the draws so far
    for _ in range(10_000):
        need = count - len(taken)
        if need <= 0:
            break
        batch = max(2 * need, 1024)
        i = rng.integers(0, n, size=batch, dtype=np.int64)
        j = rng.integers(0, n, size=batch, dtype=np.int64)
        ok = i != j
        keys = np.minimum(i, j)[ok] * n + np.maximum(i, j)[ok]
        keys = keys[~_in_sorted(keys, forbidden) & ~_in_sorted(keys, taken)]
        _, first = np.unique(keys, return_index=True)
        keys = keys[np.sort(first)][:need]  # dedupe, keep draw order (no bias)
        parts.append(keys)
        taken = np.sort(np.concatenate([taken, keys]))
    if len(taken) < count:
        raise UserError("could not sample enough non-edges (graph too dense)")
    return np.concatenate(parts)


def split_edges(u: np.ndarray, v: np.ndarray, fraction: float = 0.5, seed: int = 0) -> EdgeSplit:
    """Split an undirected graph for link prediction (node2vec protocol).

    Removes round(fraction * m) random edges (m = distinct non-loop edges)
    while never removing the edges of a random spanning forest, so every
    component of the residual graph stays connected and every node keeps an
    edge. If too few edges are removable, removes all of them and records a
    warning. Test pairs: removed edges (label 1) plus as many non-edges of
    the original graph (label 0). Train pairs: a random sample of residual
    edges of the same size (label 1) plus as many original non-edges disjoint
    from the test negatives (label 0). Pair rows are shuffled.
    """
    if not 0.0 <= fraction < 1.0:
        raise UserError(f"--fraction must be in [0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    nodes, a, b, loops, dups = _canonical_edges(np.asarray(u, np.int64), np.asarray(v, np.int64))
    n, m = len(nodes), len(a)
    notes: list[str] = []
    in_forest, n_comp = _spanning_forest_mask(n, a, b, rng)
    removable = np.nonzero(~in_forest)[0]
    target = int(round(fraction * m))
    if target > len(removable):
        notes.append(
            f"can remove only {len(removable)} of {m} edges ({len(removable) / m:.1%}) without "
            f"disconnecting the graph; wanted {target} ({fraction:.1%})"
        )
        target = len(removable)
    removed_idx = np.sort(rng.choice(removable, size=target, replace=False))
    keep = np.ones(m, bool)
    keep[removed_idx] = False
    residual_idx = np.nonzero(keep)[0]

    edge_keys = a.astype(np.int64) * n + b  # sorted, from np.unique
    test_neg = sample_non_edges(n, edge_keys, target, rng)
    n_train_pos = min(target, len(residual_idx))
    train_pos_idx = rng.choice(residual_idx, size=n_train_pos, replace=False)
    train_neg = sample_non_edges(n, edge_keys, n_train_pos, rng, exclude=test_neg)
    if target == 0:
        notes.append("no edges removed: the test and train pair files will be empty")

    def pairs(pos_a, pos_b, neg_keys):
        rows = np.concatenate(
            [
                np.stack([pos_a, pos_b, np.ones(len(pos_a), np.int64)], axis=1),
                np.stack([neg_keys // n, neg_keys % n, np.zeros(len(neg_keys), np.int64)], axis=1),
            ]
        ).astype(np.int64)
        rows = rows[rng.permutation(len(rows))]
        rows[:, :2] = nodes[rows[:, :2]]
        return rows

    stats = {
        "nodes": n,
        "input_lines": int(len(u)),
        "self_loops_dropped": loops,
        "duplicates_dropped": dups,
        "edges": m,
        "components": n_comp,
        "forest_edges": int(in_forest.sum()),
        "removed": int(target),
        "residual_edges": int(len(residual_idx)),
        "test_pairs": 2 * int(target),
        "train_pairs": 2 * int(n_train_pos),
    }
    return EdgeSplit(
        residual=np.stack([nodes[a[residual_idx]], nodes[b[residual_idx]]], axis=1),
        removed=np.stack([nodes[a[removed_idx]], nodes[b[removed_idx]]], axis=1),
        test_pairs=pairs(a[removed_idx], b[removed_idx], test_neg),
        train_pairs=pairs(a[train_pos_idx], b[train_pos_idx], train_neg),
        stats=stats,
        warnings=notes,
    )


def _write_rows(path: str, rows: np.ndarray) -> None:
    """Write integer rows as space-separated lines."""
    text = "".join(" ".join(map(str, row)) + "\n" for row in np.asarray(rows).tolist())
    with _open_for_write(path) as f:
        f.write(text)


def read_pairs(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read a 'u v label' pair file (label 0 or 1); return (u, v, label) arrays."""
    us, vs, ys = [], [], []
    for lineno, raw in enumerate(_text_lines(path), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.replace(",", " ").split()
        if len(parts) != 3 or parts[2] not in ("0", "1"):
            raise UserError(f"{path}:{lineno}: expected 'u v label' with label 0 or 1, got {line[:60]!r}")
        us.append(_int64(path, lineno, parts[0]))
        vs.append(_int64(path, lineno, parts[1]))
        ys.append(int(parts[2]))
    return np.array(us, np.int64), np.array(vs, np.int64), np.array(ys, np.int64)


# --------------------------------------------------------------------------
# Link prediction
# --------------------------------------------------------------------------


def edge_features(a: np.ndarray, b: np.ndarray, operator: str) -> np.ndarray:
    """Edge features from endpoint vectors a, b (both (k, d)).

    average (a+b)/2, hadamard a*b, weighted-l1 |a-b|, weighted-l2 (a-b)^2
    give (k, d); cosine and dot give (k, 1). Cosine with a zero vector is 0.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if operator == "average":
        return (a + b) / 2.0
    if operator == "hadamard":
        return a * b
    if operator == "weighted-l1":
        return np.abs(a - b)
    if operator == "weighted-l2":
        return (a - b) ** 2
    if operator == "dot":
        return np.sum(a * b, axis=1, keepdims=True)
    if operator == "cosine":
        norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
        dots = np.sum(a * b, axis=1)
        safe = np.where(norms > 0, norms, 1.0)
        return np.where(norms > 0, dots / safe, 0.0).reshape(-1, 1)
    raise UserError(f"unknown operator {operator!r} (choose from {', '.join(OPERATORS)})")


def _pair_vectors(emb: Embedding, u: np.ndarray, v: np.ndarray, path: str):
    """Look up both endpoints of each pair; UserError naming a missing node."""
    nodes = np.concatenate([u, v])
    rows, found = emb.rows(nodes)
    if not found.all():
        missing = np.unique(nodes[~found])
        raise UserError(
            f"{path}: {len(missing)} node(s) in the pairs have no embedding (e.g. node {int(missing[0])}) "
            f"in {emb.path or 'the embedding'}"
        )
    k = len(u)
    return emb.vectors[rows[:k]], emb.vectors[rows[k:]]


def linkpred(emb: Embedding, train: tuple, test: tuple, operators=OPERATORS, train_path: str = "train pairs", test_path: str = "test pairs") -> dict[str, float]:
    """ROC AUC per operator: fit standardized L2 logistic regression on train pairs, score test pairs.

    `train` and `test` are (u, v, label) array triples. Returns {operator: AUC}.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    for name, (_, _, y), path in (("train", train, train_path), ("test", test, test_path)):
        if len(np.unique(y)) < 2:
            raise UserError(f"{path}: {name} pairs need both label 0 and label 1")
    ta, tb = _pair_vectors(emb, train[0], train[1], train_path)
    sa, sb = _pair_vectors(emb, test[0], test[1], test_path)
    aucs = {}
    for op in operators:
        model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
        with warnings.catch_warnings(), _single_threaded_blas():
            warnings.simplefilter("ignore")
            model.fit(edge_features(ta, tb, op), train[2])
            scores = model.decision_function(edge_features(sa, sb, op))
        aucs[op] = float(roc_auc_score(test[2], scores))
    return aucs


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def _parse_ratios(values: list[str] | None) -> list[float]:
    """Parse repeated / comma-separated --train-ratio values in (0, 1)."""
    out = []
    for value in values or ["0.5"]:
        for token in value.split(","):
            token = token.strip()
            if not token:
                continue
            try:
                r = float(token)
            except ValueError:
                raise UserError(f"--train-ratio: {token!r} is not a number") from None
            if not 0.0 < r < 1.0:
                raise UserError(f"--train-ratio must be in (0, 1), got {token}")
            out.append(r)
    return out


def _parse_operators(value: str) -> list[str]:
    """Parse a comma-separated operator list."""
    ops = [t.strip() for t in value.split(",") if t.strip()]
    for op in ops:
        if op not in OPERATORS:
            raise UserError(f"unknown operator {op!r} (choose from {', '.join(OPERATORS)})")
    if not ops:
        raise UserError("--operators is empty")
    return ops


def _print_classify(report: dict) -> None:
    """Readable table of classification results."""
    print(
        f"node classification: {report['nodes']} nodes, {report['classes']} classes, "
        f"{report['label_pairs']} node-label pairs, d={report['dim']}, {report['repeats']} repeats"
    )
    if report["missing"]:
        print(f"  ({report['missing']} labelled nodes without an embedding were skipped)")
    print(f"{'train ratio':>11}  {'Macro-F1':>17}  {'Micro-F1':>17}")
    for r in report["results"]:
        print(
            f"{r['train_ratio']:>11.2f}  {r['macro_f1_mean']:.4f} ± {r['macro_f1_std']:.4f}  "
            f"{r['micro_f1_mean']:.4f} ± {r['micro_f1_std']:.4f}"
        )
    print(f"({report['seconds']:.1f} s)")


def _run_classify(args, embedding_path: str) -> dict:
    """Shared body of `classify` and `node-eval`; returns the report dict."""
    ratios = _parse_ratios(args.train_ratio)
    if args.repeats < 1:
        raise UserError("--repeats must be at least 1")
    t0 = time.perf_counter()
    emb = read_embedding(embedding_path, args.format)
    labels = read_labels(args.labels, args.label_column)
    X, Y, classes, missing = align_labels(emb, labels, args.allow_missing)
    results = classify(X, Y, ratios, args.repeats, args.seed, args.jobs)
    return {
        "embedding": embedding_path,
        "labels": args.labels,
        "nodes": int(len(X)),
        "classes": len(classes),
        "label_pairs": int(Y.sum()),
        "dim": emb.dim,
        "missing": missing,
        "repeats": args.repeats,
        "seed": args.seed,
        "results": results,
        "seconds": time.perf_counter() - t0,
    }


def cmd_classify(args) -> int:
    """`classify` subcommand."""
    report = _run_classify(args, args.embedding)
    if args.json:
        print(json.dumps(report))
    else:
        _print_classify(report)
    return 0


def _do_split(input_path: str, residual: str, test_pairs: str, train_pairs: str | None, fraction: float, seed: int) -> dict:
    """Read, split and write; returns the stats dict (warnings go to stderr)."""
    u, v = read_edgelist(input_path)
    split = split_edges(u, v, fraction, seed)
    for note in split.warnings:
        _warn(note)
    _write_rows(residual, split.residual)
    _write_rows(test_pairs, split.test_pairs)
    if train_pairs:
        _write_rows(train_pairs, split.train_pairs)
    return split.stats


def cmd_split_edges(args) -> int:
    """`split-edges` subcommand."""
    t0 = time.perf_counter()
    stats = _do_split(args.input, args.residual, args.test_pairs, args.train_pairs, args.fraction, args.seed)
    stats["seconds"] = time.perf_counter() - t0
    if args.json:
        print(json.dumps(stats))
    else:
        print(
            f"split-edges: {stats['nodes']} nodes, {stats['edges']} edges "
            f"({stats['self_loops_dropped']} self-loops, {stats['duplicates_dropped']} duplicates dropped), "
            f"{stats['components']} component(s)"
        )
        print(
            f"  removed {stats['removed']} edges, residual {stats['residual_edges']}, "
            f"test pairs {stats['test_pairs']}, train pairs {stats['train_pairs']} ({stats['seconds']:.2f} s)"
        )
    return 0


def _run_linkpred(embedding: str, fmt: str, train_path: str, test_path: str, operators: list[str]) -> dict:
    """Shared body of `linkpred` and `link-eval`; returns the report dict."""
    t0 = time.perf_counter()
    emb = read_embedding(embedding, fmt)
    train = read_pairs(train_path)
    test = read_pairs(test_path)
    aucs = linkpred(emb, train, test, operators, train_path, test_path)
    return {
        "embedding": embedding,
        "dim": emb.dim,
        "train_pairs": int(len(train[0])),
        "test_pairs": int(len(test[0])),
        "auc": aucs,
        "seconds": time.perf_counter() - t0,
    }


def _print_linkpred(report: dict) -> None:
    """Readable table of link-prediction results."""
    print(f"link prediction: {report['train_pairs']} train pairs, {report['test_pairs']} test pairs, d={report['dim']}")
    print(f"{'operator':>12}  {'ROC AUC':>7}")
    for op, auc in report["auc"].items():
        print(f"{op:>12}  {auc:.4f}")


def cmd_linkpred(args) -> int:
    """`linkpred` subcommand."""
    report = _run_linkpred(args.embedding, args.format, args.train_pairs, args.test_pairs, _parse_operators(args.operators))
    if args.json:
        print(json.dumps(report))
    else:
        _print_linkpred(report)
    return 0


def run_embed_cmd(template: str, input_path: str, output_path: str) -> float:
    """Run the shell command `template` with {input}/{output} substituted (shell-quoted).

    The command's stdout is redirected to our stderr. Returns its wall time;
    raises UserError if it fails or writes no output file.
    """
    for placeholder in ("{input}", "{output}"):
        if placeholder not in template:
            raise UserError(f"--embed-cmd must contain {placeholder}")
    cmd = template.replace("{input}", shlex.quote(input_path)).replace("{output}", shlex.quote(output_path))
    sys.stdout.flush()
    print(f"{PROG}: running: {cmd}", file=sys.stderr)
    sys.stderr.flush()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, shell=True, stdout=_stderr_fd())
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise UserError(f"embedding command failed with exit status {proc.returncode}: {cmd}")
    if not os.path.exists(output_path):
        raise UserError(f"embedding command wrote no file {output_path}: {cmd}")
    return seconds


def _stderr_fd():
    """File descriptor of sys.stderr, or None when it is not a real file (e.g. captured)."""
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return None


class _WorkDir:
    """A working directory: the given one (kept) or a temporary one (deleted)."""

    def __init__(self, path: str | None):
        self.path = path
        self.temp = path is None

    def __enter__(self) -> str:
        if self.temp:
            self.path = tempfile.mkdtemp(prefix="n2v_quality_")
        else:
            os.makedirs(self.path, exist_ok=True)
        return self.path

    def __exit__(self, *exc):
        if self.temp:
            shutil.rmtree(self.path, ignore_errors=True)


def cmd_link_eval(args) -> int:
    """`link-eval` subcommand: split, embed the residual graph, score."""
    operators = _parse_operators(args.operators)
    with _WorkDir(args.workdir) as work:
        residual = os.path.join(work, "residual.edgelist")
        test_pairs = os.path.join(work, "test_pairs.txt")
        train_pairs = os.path.join(work, "train_pairs.txt")
        embedding = os.path.join(work, "residual.emb")
        stats = _do_split(args.input, residual, test_pairs, train_pairs, args.fraction, args.seed)
        embed_seconds = run_embed_cmd(args.embed_cmd, residual, embedding)
        report = _run_linkpred(embedding, args.format, train_pairs, test_pairs, operators)
    report.update({"input": args.input, "split": stats, "embed_seconds": embed_seconds})
    if args.json:
        print(json.dumps(report))
    else:
        print(f"split: {stats['edges']} edges, removed {stats['removed']}; embedding took {embed_seconds:.1f} s")
        _print_linkpred(report)
    return 0


def cmd_node_eval(args) -> int:
    """`node-eval` subcommand: embed the full graph, then classify."""
    with _WorkDir(args.workdir) as work:
        embedding = os.path.join(work, "full.emb")
        embed_seconds = run_embed_cmd(args.embed_cmd, args.input, embedding)
        report = _run_classify(args, embedding)
    report.update({"input": args.input, "embed_seconds": embed_seconds})
    if args.json:
        print(json.dumps(report))
    else:
        print(f"embedding took {embed_seconds:.1f} s")
        _print_classify(report)
    return 0


def _add_classify_options(p: argparse.ArgumentParser) -> None:
    """Options shared by `classify` and `node-eval`."""
    p.add_argument("--labels", required=True, help="'node label' lines (multi-label: several lines per node) or a headed CSV with --label-column")
    p.add_argument("--label-column", help="read --labels as a CSV with a header; node id in the first column, label in this column")
    p.add_argument("--train-ratio", action="append", metavar="R", help="training fraction(s); repeatable or comma-separated (default 0.5)")
    p.add_argument("--repeats", type=int, default=10, help="random splits per ratio (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the splits (default 0)")
    p.add_argument("--jobs", type=int, default=1, help="parallel one-vs-rest fits (default 1)")
    p.add_argument("--allow-missing", action="store_true", help="skip labelled nodes without an embedding instead of failing")


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for all subcommands."""
    parser = argparse.ArgumentParser(prog=PROG, description="Score node embeddings (node2vec KDD 2016 protocols).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p, embedding=True):
        if embedding:
            p.add_argument("--format", choices=("auto", "text", "binary"), default="auto", help="embedding file format (default auto)")
        p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")

    p = sub.add_parser("classify", help="node classification (Macro/Micro-F1)")
    p.add_argument("--embedding", required=True, help="word2vec text or binary embedding file")
    _add_classify_options(p)
    common(p)
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("split-edges", help="link-prediction split: residual graph, train and test pairs")
    p.add_argument("--input", required=True, help="undirected edge list")
    p.add_argument("--residual", required=True, help="output: residual edge list 'u v'")
    p.add_argument("--test-pairs", required=True, help="output: 'u v label' test pairs")
    p.add_argument("--train-pairs", help="output: 'u v label' train pairs")
    p.add_argument("--fraction", type=float, default=0.5, help="fraction of edges to remove (default 0.5)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    common(p, embedding=False)
    p.set_defaults(func=cmd_split_edges)

    p = sub.add_parser("linkpred", help="link prediction ROC AUC per edge operator")
    p.add_argument("--embedding", required=True, help="embedding of the residual graph")
    p.add_argument("--train-pairs", required=True, help="'u v label' pairs to fit the classifier")
    p.add_argument("--test-pairs", required=True, help="'u v label' pairs to score")
    p.add_argument("--operators", default=",".join(OPERATORS), help=f"comma-separated subset of {','.join(OPERATORS)}")
    common(p)
    p.set_defaults(func=cmd_linkpred)

    p = sub.add_parser("link-eval", help="split-edges, run an embedding command, then linkpred")
    p.add_argument("--input", required=True, help="undirected edge list")
    p.add_argument("--embed-cmd", required=True, help="shell command with {input} (edge list) and {output} (embedding) placeholders")
    p.add_argument("--fraction", type=float, default=0.5, help="fraction of edges to remove (default 0.5)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--workdir", help="keep intermediate files here (default: a temporary directory, deleted)")
    p.add_argument("--operators", default=",".join(OPERATORS), help=f"comma-separated subset of {','.join(OPERATORS)}")
    common(p)
    p.set_defaults(func=cmd_link_eval)

    p = sub.add_parser("node-eval", help="run an embedding command on the full graph, then classify")
    p.add_argument("--input", required=True, help="edge list to embed")
    p.add_argument("--embed-cmd", required=True, help="shell command with {input} (edge list) and {output} (embedding) placeholders")
    p.add_argument("--workdir", help="keep intermediate files here (default: a temporary directory, deleted)")
    _add_classify_options(p)
    common(p)
    p.set_defaults(func=cmd_node_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the exit status (1 on user errors)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
