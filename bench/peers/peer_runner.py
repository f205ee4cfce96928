#!/usr/bin/env python3
"""Runs ONE peer node2vec tool on one graph and writes its embedding.

Started by run_peers.py in its own process (inside build/peers-venv) so that
its wall time, peak RSS, timeout and memory cap are measured and enforced
from outside. The input is a plain edge list, one 'u<TAB>v' integer pair per
line (run_peers.py prepares such a copy for inputs that are gzip, CSV or
commented). The output is a word2vec text file ('N d', then 'id v1 .. vd').
Phase timings go to --timing as JSON:

  import_s      importing the tool's Python modules
  load_s        reading the edge list into the tool's graph structure
  preprocess_s  precomputed transition tables (PecanPy PreComp, node2vec
                package, gensim reference), else absent
  walk_s        generating the walk corpus (absent when the tool generates
                walks inside training: GRAPE, fastnode2vec)
  train_s       skip-gram training (for GRAPE and fastnode2vec: walks + training)
  write_s       writing the embedding file

Tools and how they are called (same d, r, l, k, negatives, epochs, p, q,
workers for all):
  pecanpy         PecanPy; mode picked by its own documented rule (see
                  pecanpy_mode), walks by simulate_walks, gensim Word2Vec.
  grape           GRAPE's Node2VecSkipGramEnsmallen (Rust walks + Rust
                  skip-gram), return_weight = 1/p, explore_weight = 1/q,
                  max_neighbours = largest degree (exact walks), iterations = r.
  fastnode2vec    fastnode2vec.Node2Vec (numba walks generated inside gensim
                  training jobs); train(epochs=r) gives r walks per node.
  node2vec-pypi   the PyPI `node2vec` package (networkx, precomputed
                  probabilities, joblib walks, gensim).
  gensim-reference  bench/peers/gensim_reference.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from node2vec_args import add_node2vec_args

HERE = os.path.dirname(os.path.abspath(__file__))


def read_pairs(path: str):
    """Read a 'u<TAB>v' integer edge list into two int64 numpy arrays."""
    import numpy as np
    import pandas as pd

    df = pd.read_csv(path, sep="\t", header=None, usecols=[0, 1], dtype=np.int64, engine="c")
    return df[0].to_numpy(), df[1].to_numpy()


def write_word2vec_text(path: str, ids, vectors) -> None:
    """Write 'N d' then 'id v1 ... vd' per row (9 significant digits, enough for float32)."""
    import numpy as np
    import pandas as pd

    vectors = np.asarray(vectors, dtype=np.float32)
    n, d = vectors.shape
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
        f.write(f"{n} {d}\n")
        chunk = 200_000
        for start in range(0, n, chunk):
            df = pd.DataFrame(vectors[start:start + chunk])
            df.insert(0, "id", [int(x) for x in ids[start:start + chunk]])
            df.to_csv(f, sep=" ", header=False, index=False, float_format="%.9g")
    os.replace(tmp, path)


def pecanpy_mode(num_nodes: int, density: float, p: float, q: float, weighted: bool) -> str:
    """The mode PecanPy's documentation and CLI checks recommend for this graph.

    p = q = 1 unweighted: FirstOrderUnweighted; p = q = 1 weighted:
    PreCompFirstOrder; otherwise by density: >= 0.2 DenseOTF; < 0.001 with
    fewer than 10,000 nodes PreComp; else SparseOTF.
    """
    if p == 1 and q == 1:
        return "PreCompFirstOrder" if weighted else "FirstOrderUnweighted"
    if density >= 0.2:
        return "DenseOTF"
    if density < 0.001 and num_nodes < 10000:
        return "PreComp"
    return "SparseOTF"


class Phases:
    """Collects phase timings."""

    def __init__(self):
        self.t = {}
        self.info = {}

    def time(self, name, fn, *args, **kwargs):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        self.t[name] = self.t.get(name, 0.0) + time.perf_counter() - t0
        return out


def run_pecanpy(a, ph: Phases):
    import numba
    import numpy as np
    from gensim.models import Word2Vec
    from pecanpy import pecanpy as pp

    ph.t["import_s"] = time.perf_counter() - ph.started
    numba.set_num_threads(a.workers)
    # Read once as SparseOTF to learn size and density, as PecanPy's CLI does
    # before it advises a mode; the real graph object is then built in that mode.
    probe = pp.SparseOTF(p=a.p, q=a.q, workers=a.workers, verbose=False, random_state=a.seed)
    ph.time("load_s", probe.read_edg, a.input, False, a.directed, "\t")
    mode = pecanpy_mode(probe.num_nodes, float(probe.density), a.p, a.q, False)
    ph.info["mode"] = mode
    if mode == "SparseOTF":
        g = probe
    else:
        g = getattr(pp, mode)(p=a.p, q=a.q, workers=a.workers, verbose=False, random_state=a.seed)
        if mode == "FirstOrderUnweighted" or mode.startswith("PreComp"):
            g.set_node_ids(probe.nodes)
            g.indptr, g.indices, g.data = probe.indptr, probe.indices, probe.data
        else:  # DenseOTF needs its own representation
            del probe
            ph.time("load_s", g.read_edg, a.input, False, a.directed, "\t")
    del probe
    ph.time("preprocess_s", g.preprocess_transition_probs)
    g._preprocessed = True
    walks = ph.time("walk_s", g.simulate_walks, a.num_walks, a.walk_length)
    model = ph.time("train_s", Word2Vec, walks, vector_size=a.dimensions, window=a.window_size, min_count=0,
                    sg=1, hs=0, negative=a.negative, workers=a.workers, epochs=a.iter, seed=a.seed)
    del walks
    ids = list(model.wv.index_to_key)
    ph.time("write_s", write_word2vec_text, a.output, ids, model.wv.vectors)


def run_grape(a, ph: Phases):
    from ensmallen import Graph
    from grape.embedders import Node2VecSkipGramEnsmallen

    ph.t["import_s"] = time.perf_counter() - ph.started
    graph = ph.time("load_s", Graph.from_csv, edge_path=a.input, directed=a.directed, edge_list_separator="\t",
                    edge_list_header=False, sources_column_number=0, destinations_column_number=1,
                    verbose=False)
    params = dict(embedding_size=a.dimensions, epochs=a.iter, number_of_negative_samples=a.negative,
                  walk_length=a.walk_length, iterations=a.num_walks, window_size=a.window_size,
                  return_weight=1.0 / a.p, explore_weight=1.0 / a.q,
                  # embiggen rejects None (its documented "exact" value); a cap at the
                  # largest degree never subsamples neighbours, so walks stay exact.
                  max_neighbours=max(1, int(graph.get_maximum_node_degree())),
                  random_state=a.seed, verbose=False)
    ph.info["params"] = {k: v for k, v in params.items() if k != "verbose"}
    model = Node2VecSkipGramEnsmallen(**params)
    result = ph.time("train_s", model.fit_transform, graph, return_dataframe=False)
    vectors = result.get_node_embedding_from_index(0)
    names = graph.get_node_names()
    ph.time("write_s", write_word2vec_text, a.output, names, vectors)


def run_fastnode2vec(a, ph: Phases):
    from fastnode2vec import Graph, Node2Vec

    ph.t["import_s"] = time.perf_counter() - ph.started
    u, v = ph.time("load_s", read_pairs, a.input)

    def build():
        return Graph(zip(u.tolist(), v.tolist()), directed=a.directed, weighted=False, verbose=False,
                     number_of_edges=len(u))

    graph = ph.time("load_s", build)
    del u, v
    # seed is left unset on purpose: fastnode2vec re-seeds numba's generator
    # with the same value at every training job, which would repeat walks.
    model = Node2Vec(graph, dim=a.dimensions, walk_length=a.walk_length, window=a.window_size, p=a.p, q=a.q,
                     workers=a.workers, negative=a.negative, hs=0)
    # fastnode2vec's "epochs" is the number of walks per node; gensim does one pass.
    ph.time("train_s", model.train, epochs=a.num_walks, verbose=False)
    ids = list(model.wv.index_to_key)
    ph.time("write_s", write_word2vec_text, a.output, ids, model.wv.vectors)


def run_node2vec_pypi(a, ph: Phases):
    import networkx as nx
    from node2vec import Node2Vec

    ph.t["import_s"] = time.perf_counter() - ph.started
    graph = ph.time("load_s", nx.read_edgelist, a.input, nodetype=int,
                    create_using=nx.DiGraph() if a.directed else nx.Graph())

    class Timed(Node2Vec):
        def _precompute_probabilities(self):
            ph.time("preprocess_s", super()._precompute_probabilities)

        def _generate_walks(self):
            return ph.time("walk_s", super()._generate_walks)

    n2v = Timed(graph, dimensions=a.dimensions, walk_length=a.walk_length, num_walks=a.num_walks, p=a.p, q=a.q,
                workers=a.workers, quiet=True, seed=a.seed)
    model = ph.time("train_s", n2v.fit, window=a.window_size, min_count=0, sg=1, hs=0, negative=a.negative,
                    epochs=a.iter, seed=a.seed)
    ids = list(model.wv.index_to_key)
    ph.time("write_s", write_word2vec_text, a.output, ids, model.wv.vectors)


def run_gensim_reference(a, ph: Phases):
    sys.path.insert(0, HERE)
    import gensim_reference as ref

    ph.t["import_s"] = time.perf_counter() - ph.started
    graph = ph.time("load_s", ref.read_graph, a.input, a.directed)
    walker = ref.Node2VecReference(graph, a.p, a.q, a.seed)
    ph.time("preprocess_s", walker.precompute)
    walks = ph.time("walk_s", walker.walks, a.num_walks, a.walk_length)
    del walker
    wv = ph.time("train_s", ref.train, walks, a.dimensions, a.window_size, a.negative, a.iter, a.workers, a.seed)
    ph.time("write_s", write_word2vec_text, a.output, list(wv.index_to_key), wv.vectors)


TOOLS = {
    "pecanpy": run_pecanpy,
    "grape": run_grape,
    "fastnode2vec": run_fastnode2vec,
    "node2vec-pypi": run_node2vec_pypi,
    "gensim-reference": run_gensim_reference,
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tool", required=True, choices=sorted(TOOLS))
    ap.add_argument("--input", required=True, help="'u<TAB>v' edge list")
    ap.add_argument("--output", required=True, help="word2vec text embedding to write")
    ap.add_argument("--timing", required=True, help="JSON file for the phase timings")
    add_node2vec_args(ap)
    a = ap.parse_args(argv)
    ph = Phases()
    ph.started = time.perf_counter()
    TOOLS[a.tool](a, ph)
    with open(a.timing, "w") as f:
        json.dump({"phases": {k: round(v, 3) for k, v in ph.t.items()}, "info": ph.info}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
