"""A real TLS terminator in front of a lab server: Debian's stunnel4, with a certificate from the lab's own CA.

The lab's MongoDB (SecantusDB) speaks plain TCP; stunnel accepts TLS on another loopback port and forwards the
decrypted stream to it, as a TLS-terminating proxy in front of a database does.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from lab.kube_api.tls import TlsFiles, generate_tls_files
from lab.ports import ReservedPort

START_TIMEOUT_S = 10.0


class TlsTerminator:
    """``start`` returns the TLS port; the CA that signed its certificate is ``tls.ca_cert``."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._port: ReservedPort | None = None
        self.tls: TlsFiles | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("stunnel4") is not None or shutil.which("stunnel") is not None

    def start(self, folder: Path, target_port: int) -> int:
        folder.mkdir(parents=True, exist_ok=True)
        self.tls = generate_tls_files(folder)
        self._port = ReservedPort()
        port = self._port.port
        config = folder / "stunnel.conf"
        config.write_text(
            "foreground = yes\npid =\n[tls]\n"
            f"accept = 127.0.0.1:{port}\nconnect = 127.0.0.1:{target_port}\n"
            f"cert = {self.tls.server_cert}\nkey = {self.tls.server_key}\n",
            encoding="utf-8",
        )
        binary = shutil.which("stunnel4") or shutil.which("stunnel")
        with (folder / "stunnel.log").open("wb") as log:
            self._process = subprocess.Popen([binary, str(config)], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"stunnel exited with {self._process.returncode}; see {folder / 'stunnel.log'}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return port
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"stunnel did not listen on 127.0.0.1:{port} within {START_TIMEOUT_S:g} s")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._port is not None:
            self._port.close()
            self._port = None
