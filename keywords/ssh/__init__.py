"""``JumpHostSSHLibrary`` (paramiko): the jump host with a verified host key, the target through its forwarded channel
(``channels``), commands bounded by ``timeout_s``, and the first-response evidence of an SSH failure."""
