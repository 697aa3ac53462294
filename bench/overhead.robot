*** Settings ***
Documentation    Keyword overhead: each layer's keyword against its raw client on the same connection
...              (python -m bench writes the numbers to ${BENCH_OUT}).

Library          keywords.mongodb.library.MongoDBLibrary
Library          keywords.ssh.library.JumpHostSSHLibrary
Library          keywords.kubernetes.library.KubernetesLibrary
Library          bench.overhead_library.KeywordOverhead    ${BENCH_OUT}    ${SAMPLES}


*** Variables ***
${BENCH_OUT}    ${OUTPUT DIR}/overhead.json
${SAMPLES}      50


*** Test Cases ***
MongoDB Ping Keyword Against A Raw Ping
    [Documentation]    ``Ping MongoDB`` and ``Measure Ping Latency`` against pymongo's ``ping`` on one client.
    Connect To MongoDB
    Compare MongoDB Ping
    [Teardown]    Close All MongoDB Connections

SSH Command Keyword Against A Raw Exec
    [Documentation]    ``Execute Command`` against paramiko's ``exec_command`` on the jump host connection.
    Connect To Jump Host
    Compare SSH Command
    [Teardown]    Close All SSH Connections

Kubernetes Pod List Keyword Against A Raw List
    [Documentation]    ``Get Pods Matching`` against the client's ``list_namespaced_pod`` on one API client.
    Connect To Kubernetes
    Compare Kubernetes Pod List
    [Teardown]    Close All Kubernetes Connections
