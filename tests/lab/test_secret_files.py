"""Every file the lab writes that holds one of its secrets is readable by its owner only (mode 0600)."""

from __future__ import annotations

import stat

from tests.helpers import lab_running


def test_every_lab_file_holding_a_secret_is_private_to_its_owner(tmp_path):
    with lab_running(tmp_path) as lab:
        secrets = lab.secrets()
        holding = {}
        for path in (tmp_path / "lab").rglob("*"):
            if path.is_file() and not path.is_symlink():
                text = path.read_bytes()
                if any(secret.encode() in text for secret in secrets):
                    holding[str(path.relative_to(tmp_path))] = stat.S_IMODE(path.stat().st_mode)
    assert "lab/lab.env" in holding and "lab/kubernetes/kubeconfig" in holding
    assert {path: oct(mode) for path, mode in holding.items() if mode & 0o077} == {}
