*** Settings ***
Documentation     Next cases of epic PZ-13756 as QA writes them: only the project's keywords, no Python.
...
...               Examples, not Jira cases: they carry no Jira key, so no pipeline gate (``--include critical``)
...               and no diagnosis of the six cases reads them, and ``./run.sh main`` does not run them
...               (``suites/`` holds the Jira cases only). Run them against an environment with
...               ``robot --variable ENV:<name> examples``; the test command runs them against the lab, healthy
...               and under each fault that breaks one of them (``tests/acceptance/examples_matrix.yaml``).
...               The objects' names are the Focus Server Helm chart's (override one with ``--variable``); the
...               expected MongoDB host is the environment's ``focus_server.expected_mongodb.host``.

Resource          ../resources/kubernetes.resource

Suite Setup       Connect To The Kubernetes Cluster
Suite Teardown    Close All Kubernetes Connections

Test Tags         example    component:kubernetes


*** Variables ***
${DEPLOYMENT}    panda-panda-focus-server
${CONFIG_MAP}    panda-panda-focus-server-config
${RECORDINGS}    panda-focus-server-recordings
${CLEAN_UP}      panda-recordings-cleanup


*** Test Cases ***
Focus Server Deployment Has All Its Replicas Updated And Available
    [Documentation]    After a rollout: observed generation current, every replica updated, ready and available.
    Deployment Should Be Available    ${DEPLOYMENT}

Every Node Of The Cluster Is Ready
    [Documentation]    Ready, and no memory, disk or PID pressure, on every node.
    Nodes Should Be Ready

Focus Server ConfigMap Names The Expected MongoDB Host
    [Documentation]    The key ``MONGODB_HOST`` of the Focus Server's ConfigMap is the host the environment expects.
    ${expected}=    Load Expected Focus Server Database Configuration
    ConfigMap Value Should Be    ${CONFIG_MAP}    MONGODB_HOST    ${expected}[host]

Focus Server Recordings Volume Is Bound
    [Documentation]    The recordings' persistent volume claim is bound to a volume.
    Persistent Volume Claim Should Be Bound    ${RECORDINGS}

No Warning Events In The Focus Server Namespace In The Last Hour
    [Documentation]    The namespace has had no Warning event in the last hour (restarts, failed probes, mounts).
    No Warning Events Should Exist    since=1 hour

The Recordings Clean-Up Ran Successfully In The Last Day
    [Documentation]    The CronJob's last successful run is less than a day old, and its newest Job did not fail.
    Last Job Should Have Succeeded Within    ${CLEAN_UP}    within=24 hours

Focus Server Rollout Completes Within Its Deadline
    [Documentation]    Right after a deploy: the Deployment rolled out, its pods Ready and its service routing to
    ...    them, each within the environment's wait timeout (``kubernetes.wait_timeout_s``).
    Workload Should Be Rolled Out Within    ${DEPLOYMENT}
    Pods Should Be Ready Within
    Service Should Have Ready Endpoints Within
