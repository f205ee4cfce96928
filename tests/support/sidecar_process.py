"""The one n2v-sidecar launcher of the Python suites.

SidecarProcess starts the server on 127.0.0.1 port 0 (or a given address),
learns its port from --port-file, keeps its output in a log file, and stops
it with SIGTERM (SIGKILL once it outlives the stop limit). Waits are bounded only against a
hang, never as a measure of speed.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import List, Optional, Sequence

# Against a hang only: the port file appears well within a second.
START_TIMEOUT_S = 120
# SIGTERM lets running jobs finish for up to --grace (30 s by default).
STOP_TIMEOUT_S = 45


class SidecarStartError(RuntimeError):
    """The sidecar exited, or wrote no port, before it listened."""


class SidecarProcess:
    """One n2v-sidecar child process; raises SidecarStartError (with its log)
    when it does not start."""

    def __init__(self, binary: Path, workdir: Path, args: Sequence[str] = (),
                 listen: str = "127.0.0.1:0", launcher: Sequence[str] = (),
                 env: Optional[dict] = None) -> None:
        """`launcher` goes before the binary (e.g. mpirun -np 2), with `env`."""
        self.port_file = workdir / "port"
        self.log_path = workdir / "sidecar.log"
        self.argv: List[str] = [*map(str, launcher), str(binary), "--listen", listen,
                                "--port-file", str(self.port_file), *map(str, args)]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        try:
            self.port = self._wait_for_port()
        except SidecarStartError:
            self.stop()
            raise
        self.target = f"127.0.0.1:{self.port}"

    def __enter__(self) -> "SidecarProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def log(self) -> str:
        """The command line and the last 4000 characters of its output."""
        if not self._log.closed:
            self._log.flush()
        text = self.log_path.read_text(errors="replace")
        return f"--- {' '.join(self.argv)}\n{text[-4000:]}"

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SidecarStartError(f"n2v-sidecar exited with {self.proc.returncode} "
                                        f"before listening\n{self.log()}")
            try:
                text = self.port_file.read_text().strip()
                if text:
                    return int(text)
            except (OSError, ValueError):
                pass  # not written yet, or written halfway
            time.sleep(0.02)
        raise SidecarStartError(f"n2v-sidecar wrote no port to {self.port_file} within "
                                f"{START_TIMEOUT_S} s\n{self.log()}")

    def stop(self) -> Optional[int]:
        """SIGTERM, then SIGKILL after STOP_TIMEOUT_S; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode
