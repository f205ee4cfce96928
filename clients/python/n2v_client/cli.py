"""`python -m n2v_client`: a small command line over the client.

    python -m n2v_client embed --target 127.0.0.1:50051 \\
        --input edges.txt --output out.emb --embedding-dimension 64
    python -m n2v_client health --target 127.0.0.1:50051

`embed` reads an edge list ("source target [weight]" per line; spaces,
tabs or commas; '#' and '%' start comments), uploads it, runs a job with a
progress bar on stderr, and writes the vectors in word2vec text format
("<count> <dimensions>" then "<id> <v1> ... <vd>" per node). The snapshot
and the job are deleted afterwards.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .client import DEFAULT_TARGET, Client
from .errors import N2vError, N2vJobError
from .params import (PARAM_CONVERTERS, WARM_START_PARAMS, _as_bool, _as_float,
                     _as_ids, _as_initializer, _as_int, _as_isolated)


def read_edges(path: Path) -> Iterator[Tuple]:
    """(source, target) or (source, target, weight) tuples from a text file.
    A first data line without numbers is taken as a header and skipped; a
    UTF-8 byte order mark (Windows editors, spreadsheet exports) is not
    part of the first id."""
    with open(path, "r", encoding="utf-8-sig") as f:
        first = True
        for number, line in enumerate(f, 1):
            text = line.strip()
            if not text or text[0] in "#%":
                continue
            fields = text.replace(",", " ").split()
            try:
                if len(fields) < 2:
                    raise ValueError("expected 'source target [weight]'")
                edge: Tuple = (int(fields[0]), int(fields[1]))
                if len(fields) >= 3:
                    edge = edge + (float(fields[2]),)
            except ValueError as exc:
                if first and not any(_is_number(x) for x in fields):
                    first = False
                    continue  # a header line such as "source,target"
                raise ValueError(f"{path}:{number}: {exc}") from None
            first = False
            yield edge


def read_ids(path: Path) -> List[int]:
    """Node ids from a text file, the first field of each line, as `n2v
    --walk-from` reads them (comments and blank lines skipped)."""
    ids = []
    with open(path, "r", encoding="utf-8-sig") as f:
        for number, line in enumerate(f, 1):
            fields = line.replace(",", " ").split()
            if not fields or fields[0][0] in "#%":
                continue
            try:
                ids.append(int(fields[0]))
            except ValueError:
                raise ValueError(f"{path}:{number}: node id {fields[0]!r} is not an "
                                 "integer") from None
    return ids


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_word2vec(path: Path, ids: np.ndarray, vectors: np.ndarray) -> None:
    """Writes word2vec text format through a temporary file of its own,
    renamed into place, so a failed or interrupted write (an error, Ctrl-C)
    leaves no partial output and two writers of one path do not mix."""
    fd, tmp = tempfile.mkstemp(dir=path.parent or Path("."), prefix=path.name + ".tmp.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(f"{vectors.shape[0]} {vectors.shape[1]}\n")
            for node, row in zip(ids.tolist(), vectors):
                # str() of a numpy float32 is its shortest round-tripping form.
                f.write(f"{node} {' '.join(str(v) for v in row)}\n")
        os.chmod(tmp, 0o666 & ~_umask())  # as open() would create it, not 0600
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def cli_param_names() -> List[str]:
    """The node2vec parameters `embed` has flags for: all but the warm-start
    ones (the command line uploads no initial vectors)."""
    return [name for name in PARAM_CONVERTERS if name not in WARM_START_PARAMS]


def _add_param_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("node2vec parameters (server defaults when omitted)")
    for name in cli_param_names():
        convert = PARAM_CONVERTERS[name]
        flag = "--" + name.replace("_", "-")
        if convert is _as_bool:
            group.add_argument(flag, dest=name, action="store_true", default=None)
        elif convert is _as_int:
            group.add_argument(flag, dest=name, type=int, metavar="N")
        elif convert is _as_float:
            group.add_argument(flag, dest=name, type=float, metavar="X")
        elif convert is _as_ids:
            group.add_argument(flag, dest=name, type=Path, metavar="FILE",
                               help="node ids, one per line")
        elif convert in (_as_isolated, _as_initializer):
            group.add_argument(flag, dest=name, choices=["random", "zero"])
        else:
            raise TypeError(f"no flag form for parameter {name}")


def _connection_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", default=DEFAULT_TARGET, help="server host:port")
    parser.add_argument("--token", help="bearer token")
    parser.add_argument("--token-file", type=Path, help="file whose first line is the token")
    parser.add_argument("--tls-ca", type=Path, help="PEM CA of the server's certificate")
    parser.add_argument("--tls-cert", type=Path, help="PEM client certificate (mutual TLS)")
    parser.add_argument("--tls-key", type=Path, help="PEM client key (mutual TLS)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m n2v_client",
                                     description="Client of n2v-sidecar (n2v.v1).")
    commands = parser.add_subparsers(dest="command", required=True)
    embed = commands.add_parser("embed", help="embed an edge list file")
    _connection_flags(embed)
    embed.add_argument("--input", type=Path, required=True, help="edge list file")
    embed.add_argument("--output", type=Path, required=True, help="word2vec text output")
    embed.add_argument("--directed", action="store_true", help="edges are one-way")
    embed.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_param_flags(embed)
    health = commands.add_parser("health", help="print the server's health status")
    _connection_flags(health)
    return parser


def _client(args: argparse.Namespace) -> Client:
    token = args.token
    if args.token_file is not None:
        lines = args.token_file.read_text().splitlines()
        token = lines[0].strip() if lines else ""
        if not token:
            raise ValueError(f"--token-file '{args.token_file}' has no token on its first line")
    return Client(args.target, token=token, root_certificates=args.tls_ca,
                  private_key=args.tls_key, certificate_chain=args.tls_cert)


def check_output(path: Path, input_path: Path) -> None:
    """Fails before any work, as n2v does, when `path` cannot be written or
    names the input file it would replace."""
    if path.exists() and input_path.exists() and os.path.samefile(path, input_path):
        raise ValueError(f"--output would replace --input: '{path}'")
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory")
        fd, probe = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".tmp.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ValueError(f"cannot write '{path}': {exc.strerror}") from None


def _embed(args: argparse.Namespace) -> int:
    check_output(args.output, args.input)
    params = {name: getattr(args, name) for name in cli_param_names()
              if getattr(args, name) is not None}
    if "walk_from" in params:
        params["walk_from"] = read_ids(params["walk_from"])
    with _client(args) as client:
        snapshot = client.upload_edges_iter(read_edges(args.input), directed=args.directed,
                                            name=args.input.name)
        try:
            job = client.run_job(snapshot.snapshot_id, progress_bar=not args.quiet,
                                 label=f"cli:{args.input.name}", **params)
            ids, vectors = client.fetch_embeddings(job.job_id)
            client.delete_job(job.job_id)
        finally:
            client.delete_snapshot(snapshot.snapshot_id)
    write_word2vec(args.output, ids, vectors)
    if not args.quiet:
        print(f"wrote {vectors.shape[0]} vectors of {vectors.shape[1]} dimensions "
              f"to {args.output}", file=sys.stderr)
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "health":
            with _client(args) as client:
                print(client.health())
            return 0
        return _embed(args)
    except (N2vError, N2vJobError, ValueError, OSError) as exc:
        print(f"n2v_client: error: {exc}", file=sys.stderr)
        return 1


__all__: List[str] = ["main", "read_edges", "write_word2vec"]
