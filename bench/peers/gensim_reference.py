#!/usr/bin/env python3
"""A plain node2vec baseline in the style of the original reference code.

Everything is done the straightforward way, as the KDD 2016 reference
implementation does it: the graph lives in networkx; a first-order alias
table is built for every node and a second-order alias table for every arc
(t, v) before any walk starts (that is sum over nodes of degree^2 entries);
walks are generated one step at a time in Python; gensim's Word2Vec
(skip-gram, negative sampling) trains on the walk corpus held in memory.
It is the slow, memory-hungry baseline that the faster tools are measured
against, written for this benchmark (no code taken from the reference).

Usable as a module (`Node2VecReference`) or as a script:

    gensim_reference.py --input edges.tsv --output out.emb [--p 1 --q 1 ...]
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from node2vec_args import add_node2vec_args

import networkx as nx
import numpy as np


def make_alias_table(weights) -> tuple[np.ndarray, np.ndarray]:
    """Vose's alias method: returns (accept probability, alias index) arrays."""
    w = np.asarray(weights, dtype=np.float64)
    n = len(w)
    scaled = w * (n / w.sum())
    accept = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int64)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        lo = small.pop()
        hi = large.pop()
        accept[lo] = scaled[lo]
        alias[lo] = hi
        scaled[hi] -= 1.0 - scaled[lo]
        if scaled[hi] < 1.0:
            small.append(hi)
        else:
            large.append(hi)
    # Whatever is left (numerical leftovers) is accepted with probability 1.
    return accept, alias


def draw_alias(accept: np.ndarray, alias: np.ndarray, rng: random.Random) -> int:
    """One draw from an alias table."""
    i = int(rng.random() * len(accept))
    return i if rng.random() < accept[i] else int(alias[i])


class Node2VecReference:
    """Exact node2vec walks from precomputed first- and second-order alias tables."""

    def __init__(self, graph: nx.Graph, p: float = 1.0, q: float = 1.0, seed: int = 1):
        self.graph = graph
        self.p = p
        self.q = q
        self.rng = random.Random(seed)
        self.neighbours: dict = {}
        self.node_tables: dict = {}
        self.arc_tables: dict = {}

    def _weights(self, v, targets):
        data = self.graph[v]
        return [data[x].get("weight", 1.0) for x in targets]

    def precompute(self) -> None:
        """Build every node's and every arc's alias table (sum of degree^2 entries)."""
        g = self.graph
        for v in g.nodes():
            nbrs = sorted(g.neighbors(v))
            self.neighbours[v] = nbrs
            if nbrs:
                self.node_tables[v] = make_alias_table(self._weights(v, nbrs))
        inv_p, inv_q = 1.0 / self.p, 1.0 / self.q
        for t in g.nodes():
            for v in self.neighbours[t]:
                nbrs = self.neighbours[v]
                if not nbrs:
                    continue
                weights = []
                for x, w in zip(nbrs, self._weights(v, nbrs)):
                    if x == t:
                        weights.append(w * inv_p)
                    elif g.has_edge(t, x):
                        weights.append(w)
                    else:
                        weights.append(w * inv_q)
                self.arc_tables[(t, v)] = make_alias_table(weights)

    def walk(self, start, length: int) -> list:
        """One walk of at most `length` nodes (shorter at a directed dead end)."""
        walk = [start]
        rng = self.rng
        while len(walk) < length:
            cur = walk[-1]
            nbrs = self.neighbours[cur]
            if not nbrs:
                break
            if len(walk) == 1:
                accept, alias = self.node_tables[cur]
            else:
                accept, alias = self.arc_tables[(walk[-2], cur)]
            walk.append(nbrs[draw_alias(accept, alias, rng)])
        return walk

    def walks(self, num_walks: int, length: int) -> list:
        """`num_walks` rounds; each round walks once from every node, in a shuffled order."""
        nodes = list(self.graph.nodes())
        out = []
        for _ in range(num_walks):
            self.rng.shuffle(nodes)
            for v in nodes:
                out.append(self.walk(v, length))
        return out


def read_graph(path: str, directed: bool) -> nx.Graph:
    """Read a 'u v' (tab or space separated) integer edge list into networkx."""
    return nx.read_edgelist(path, nodetype=int, create_using=nx.DiGraph() if directed else nx.Graph())


def train(walks: list, dim: int, window: int, negative: int, epochs: int, workers: int, seed: int):
    """gensim skip-gram with negative sampling on the walk corpus; returns the KeyedVectors."""
    from gensim.models import Word2Vec

    sentences = [[str(x) for x in w] for w in walks]
    model = Word2Vec(sentences, vector_size=dim, window=window, min_count=0, sg=1, hs=0,
                     negative=negative, workers=workers, epochs=epochs, seed=seed)
    return model.wv


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    add_node2vec_args(ap)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    g = read_graph(a.input, a.directed)
    ref = Node2VecReference(g, a.p, a.q, a.seed)
    ref.precompute()
    walks = ref.walks(a.num_walks, a.walk_length)
    t1 = time.perf_counter()
    wv = train(walks, a.dimensions, a.window_size, a.negative, a.iter, a.workers, a.seed)
    wv.save_word2vec_format(a.output)
    print(f"walks {t1 - t0:.2f} s, training {time.perf_counter() - t1:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
