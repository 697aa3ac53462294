"""The known_hosts lines a host key mismatch is about, found by name, also when known_hosts hashes its names."""

from __future__ import annotations

import paramiko

from keywords.ssh.evidence import known_hosts_lines


def test_the_lines_holding_the_hosts_key_are_numbered_plain_and_hashed(tmp_path):
    ours, other = paramiko.RSAKey.generate(1024), paramiko.RSAKey.generate(1024)
    hashed = paramiko.HostKeys.hash_host("[target.lab]:2222")
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(
        f"# comment\njump.lab ssh-rsa {other.get_base64()}\n[target.lab]:2222 ssh-rsa {ours.get_base64()}\n"
        f"not a valid line\n{hashed} ssh-rsa {ours.get_base64()}\n",
        encoding="utf-8",
    )
    assert known_hosts_lines(str(known_hosts), "[target.lab]:2222") == [
        f"known_hosts {known_hosts} line 3: ssh-rsa {ours.fingerprint}",
        f"known_hosts {known_hosts} line 5: ssh-rsa {ours.fingerprint}",
    ]
    assert known_hosts_lines(str(known_hosts), "other.lab") == [f"known_hosts {known_hosts}: no line for other.lab"]
    assert known_hosts_lines(str(tmp_path / "missing"), "x") == [
        f"known_hosts {tmp_path / 'missing'}: not readable here"
    ]
