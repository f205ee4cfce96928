"""The node2vec command-line options every peer script takes (the reference
implementation's names and the benchmark's defaults)."""

import argparse


def add_node2vec_args(ap: argparse.ArgumentParser) -> None:
    """Adds --directed, --p, --q, --dimensions, --walk-length, --num-walks,
    --window-size, --negative, --iter, --workers and --seed to `ap`."""
    ap.add_argument("--directed", action="store_true")
    ap.add_argument("--p", type=float, default=1.0)
    ap.add_argument("--q", type=float, default=1.0)
    ap.add_argument("--dimensions", type=int, default=128)
    ap.add_argument("--walk-length", type=int, default=80)
    ap.add_argument("--num-walks", type=int, default=10)
    ap.add_argument("--window-size", type=int, default=10)
    ap.add_argument("--negative", type=int, default=5)
    ap.add_argument("--iter", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
