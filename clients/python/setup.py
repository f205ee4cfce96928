"""Build hooks of n2v-client: the gRPC stubs are generated, not committed.

* build_py runs grpc_tools.protoc on proto/n2v/v1/n2v.proto and writes the
  stubs into the build tree (n2v_client/_gen/...), so every wheel, sdist
  install and `pip install clients/python` carries stubs that match the
  proto it was built from. With --inplace (or an editable install) they go
  into the source package instead:

      python clients/python/setup.py build_py --inplace

* sdist copies the proto into the archive (proto/n2v/v1/n2v.proto), so an
  sdist builds away from the repository.

The proto is looked up at $N2V_PROTO_ROOT, ./proto (sdist) and ../../proto
(the repository, for in-tree builds); see n2v_client/_protogen.py.

The grpcio and protobuf floors of the package are those of the grpcio-tools
that generates the stubs: generated code refuses to run on an older runtime.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent


def _load_protogen():
    """Imports n2v_client/_protogen.py by path (the package itself needs
    grpc and numpy, which a build environment does not have)."""
    spec = importlib.util.spec_from_file_location(
        "_n2v_protogen", HERE / "n2v_client" / "_protogen.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


protogen = _load_protogen()


def _proto_root() -> Path:
    root = protogen.find_proto_root(HERE)
    if root is None:
        raise SystemExit(
            "n2v-client: proto/n2v/v1/n2v.proto not found (looked at "
            f"${protogen.PROTO_ROOT_ENV}, ./proto and ../../proto relative to "
            f"{HERE.name}); build from the repository or from an sdist")
    return root


def _dependencies() -> list[str]:
    """Runtime requirements matching the grpcio-tools in this build."""
    deps = ["numpy>=1.22", "grpcio-health-checking>=1.62"]
    try:
        from importlib import metadata

        tools_version = metadata.version("grpcio-tools")
        protobuf = [r for r in (metadata.requires("grpcio-tools") or [])
                    if r.replace(" ", "").lower().startswith("protobuf")]
    except Exception:  # metadata unavailable: fall back to safe floors
        tools_version, protobuf = "1.62", []
    deps.append(f"grpcio>={tools_version}")
    deps.extend(protobuf or ["protobuf>=4.25"])
    return deps


class BuildPyWithStubs(build_py):
    """build_py that also generates n2v_client/_gen from the proto."""

    user_options = build_py.user_options + [
        ("inplace", "i", "only generate the stubs, into the source package"),
    ]
    boolean_options = build_py.boolean_options + ["inplace"]

    def initialize_options(self) -> None:
        super().initialize_options()
        self.inplace = False

    def run(self) -> None:
        if not self.inplace:
            super().run()
        self._generate()

    def _target_gen_dir(self) -> Path:
        if self.editable_mode or self.inplace:
            return HERE / "n2v_client" / protogen.GEN_DIRNAME
        return Path(self.build_lib) / "n2v_client" / protogen.GEN_DIRNAME

    def _generate(self) -> None:
        gen_dir = self._target_gen_dir()
        root = _proto_root()
        self.announce(f"generating gRPC stubs from {root / protogen.PROTO_RELPATH} "
                      f"into {gen_dir}", level=2)
        if not self.dry_run:
            protogen.generate(root, gen_dir)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not (self.editable_mode or self.inplace):
            gen = Path(self.build_lib) / "n2v_client" / protogen.GEN_DIRNAME
            outputs.extend(str(p) for p in protogen.generated_files(gen))
        return outputs


class SdistWithProto(sdist):
    """sdist that carries the proto, so the archive builds on its own."""

    def make_release_tree(self, base_dir: str, files) -> None:
        super().make_release_tree(base_dir, files)
        protogen.copy_proto(_proto_root(), Path(base_dir) / "proto")


# setuptools reads pyproject.toml from the working directory: make
# `python clients/python/setup.py build_py --inplace` work from anywhere.
os.chdir(HERE)
setup(
    install_requires=_dependencies(),
    cmdclass={"build_py": BuildPyWithStubs, "sdist": SdistWithProto},
)
