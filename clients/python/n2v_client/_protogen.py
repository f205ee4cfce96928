"""Generation of the gRPC stubs from proto/n2v/v1/n2v.proto.

The stubs are never committed: they are generated with grpc_tools.protoc,
either by setup.py while building the package (wheel, sdist install,
editable install) or, in a source checkout, on first import (see
`ensure_generated`). Both use `generate`, so the output is the same.

Layout written under ``<package>/_gen``::

    _gen/__init__.py
    _gen/n2v/__init__.py
    _gen/n2v/v1/__init__.py
    _gen/n2v/v1/n2v_pb2.py        messages (from protoc --python_out)
    _gen/n2v/v1/n2v_pb2.pyi       type hints (--pyi_out)
    _gen/n2v/v1/n2v_pb2_grpc.py   service stubs (--grpc_python_out)
    _gen/PROTO_SHA256             hash of the proto the files came from

protoc writes ``from n2v.v1 import n2v_pb2`` into n2v_pb2_grpc.py, which
would need ``_gen`` on sys.path; the import is rewritten to the relative
``from . import n2v_pb2`` so the package never touches sys.path and cannot
clash with another top-level ``n2v`` module.

This module uses only the standard library (grpc_tools is imported when
generating), so setup.py can load it by file path before anything else of
the package is importable.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional

# The proto, relative to the proto root (the protoc include directory).
PROTO_RELPATH = Path("n2v") / "v1" / "n2v.proto"
# Environment variable naming a proto root explicitly (overrides the search).
PROTO_ROOT_ENV = "N2V_PROTO_ROOT"
GEN_DIRNAME = "_gen"
STAMP_NAME = "PROTO_SHA256"

_GENERATED_IMPORT = "from n2v.v1 import n2v_pb2 as"
_RELATIVE_IMPORT = "from . import n2v_pb2 as"


def find_proto_root(project_dir: Path) -> Optional[Path]:
    """Returns the directory holding n2v/v1/n2v.proto, or None.

    Looks, in order, at $N2V_PROTO_ROOT, at ``<project_dir>/proto`` (the
    copy an sdist carries) and at ``<project_dir>/../../proto`` (the
    repository's proto folder when building from clients/python in-tree).
    `project_dir` is the folder holding pyproject.toml.
    """
    candidates = []
    env = os.environ.get(PROTO_ROOT_ENV)
    if env:
        candidates.append(Path(env))
    project_dir = Path(project_dir).resolve()
    candidates.append(project_dir / "proto")
    candidates.append(project_dir.parent.parent / "proto")
    for root in candidates:
        if (root / PROTO_RELPATH).is_file():
            return root.resolve()
    return None


def proto_digest(proto_root: Path) -> str:
    """SHA-256 (hex) of the proto file's bytes."""
    return hashlib.sha256((proto_root / PROTO_RELPATH).read_bytes()).hexdigest()


def is_current(gen_dir: Path, proto_root: Path) -> bool:
    """Whether `gen_dir` holds stubs generated from the current proto."""
    stamp = gen_dir / STAMP_NAME
    try:
        return stamp.read_text().strip() == proto_digest(proto_root)
    except OSError:
        return False


def generate(proto_root: Path, gen_dir: Path) -> None:
    """Runs protoc on the proto and installs the stubs under `gen_dir`.

    Files are generated in a temporary folder and moved into place one by
    one with os.replace, the hash stamp last, so a concurrent importer
    never sees a half-written module and an interrupted run regenerates.
    Raises RuntimeError when grpc_tools is missing or protoc fails.
    """
    try:
        from grpc_tools import protoc  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - depends on environment
        raise RuntimeError(
            "generating the n2v gRPC stubs needs grpcio-tools "
            "(pip install grpcio-tools)"
        ) from exc

    proto_root = Path(proto_root).resolve()
    gen_dir = Path(gen_dir)
    gen_dir.parent.mkdir(parents=True, exist_ok=True)
    well_known = _grpc_tools_include()
    with tempfile.TemporaryDirectory(prefix=".n2v-gen-", dir=gen_dir.parent) as tmp:
        out = Path(tmp)
        args = [
            "grpc_tools.protoc",
            f"-I{proto_root}",
            *([f"-I{well_known}"] if well_known else []),
            f"--python_out={out}",
            f"--pyi_out={out}",
            f"--grpc_python_out={out}",
            # An absolute path under the -I root: protoc names the file
            # n2v/v1/n2v.proto, so the module is n2v.v1.n2v_pb2.
            str(proto_root / PROTO_RELPATH),
        ]
        code = protoc.main(args)
        if code != 0:
            raise RuntimeError(
                f"grpc_tools.protoc failed with exit code {code} on "
                f"{proto_root / PROTO_RELPATH}"
            )
        package = out / "n2v" / "v1"
        grpc_module = package / "n2v_pb2_grpc.py"
        text = grpc_module.read_text()
        if _GENERATED_IMPORT not in text:
            raise RuntimeError(
                "unexpected protoc output: n2v_pb2_grpc.py does not import "
                f"'{_GENERATED_IMPORT} ...'"
            )
        grpc_module.write_text(text.replace(_GENERATED_IMPORT, _RELATIVE_IMPORT))
        for init in (out / "__init__.py", out / "n2v" / "__init__.py",
                     package / "__init__.py"):
            init.write_text('"""Generated by n2v_client._protogen; do not edit."""\n')
        (out / STAMP_NAME).write_text(proto_digest(proto_root) + "\n")

        (gen_dir / "n2v" / "v1").mkdir(parents=True, exist_ok=True)
        stamp = gen_dir / STAMP_NAME
        if stamp.exists():
            stamp.unlink()
        for src in sorted(out.rglob("*")):
            if src.is_file() and src.name != STAMP_NAME:
                dst = gen_dir / src.relative_to(out)
                os.replace(src, dst)
        os.replace(out / STAMP_NAME, stamp)


def generated_files(gen_dir: Path) -> list[Path]:
    """The files `generate` writes under `gen_dir` (for build bookkeeping)."""
    gen_dir = Path(gen_dir)
    package = gen_dir / "n2v" / "v1"
    return [
        gen_dir / "__init__.py",
        gen_dir / "n2v" / "__init__.py",
        package / "__init__.py",
        package / "n2v_pb2.py",
        package / "n2v_pb2.pyi",
        package / "n2v_pb2_grpc.py",
        gen_dir / STAMP_NAME,
    ]


def ensure_generated(package_dir: Path) -> None:
    """Makes sure `<package_dir>/_gen` holds stubs usable for import.

    In a source checkout (pyproject.toml next to the package and the
    repository's proto found) the stubs are (re)generated whenever they are
    missing or were generated from a different proto. In an installed
    package the stubs came with the wheel and nothing is done. Raises
    ImportError with instructions when no stubs can be had.
    """
    package_dir = Path(package_dir).resolve()
    gen_dir = package_dir / GEN_DIRNAME
    project_dir = package_dir.parent
    in_source_tree = (project_dir / "pyproject.toml").is_file()
    proto_root = find_proto_root(project_dir) if in_source_tree else None
    if proto_root is None:
        if (gen_dir / "n2v" / "v1" / "n2v_pb2_grpc.py").is_file():
            return
        raise ImportError(
            "n2v_client: the generated gRPC stubs are missing and "
            "proto/n2v/v1/n2v.proto was not found; install the package "
            "(pip install clients/python from the repository root) or set "
            f"{PROTO_ROOT_ENV} to the folder holding n2v/v1/n2v.proto"
        )
    if is_current(gen_dir, proto_root):
        return
    try:
        generate(proto_root, gen_dir)
    except (RuntimeError, OSError) as exc:
        raise ImportError(f"n2v_client: cannot generate the gRPC stubs: {exc}") from exc


def _grpc_tools_include() -> Optional[str]:
    """grpc_tools' copy of the well-known .proto files, if present."""
    try:
        import grpc_tools  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover
        return None
    path = Path(grpc_tools.__file__).parent / "_proto"
    return str(path) if path.is_dir() else None


def copy_proto(proto_root: Path, dest_root: Path) -> Path:
    """Copies the proto to `<dest_root>/n2v/v1/n2v.proto` (used for sdists)."""
    dest = Path(dest_root) / PROTO_RELPATH
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(proto_root) / PROTO_RELPATH, dest)
    return dest
