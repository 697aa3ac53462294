*** Settings ***
Documentation    PZ-13899 — Kubernetes cluster connection and pod health check (High, orchestration layer).
...
...              Connects to the cluster's API server, checks its version, the ``panda`` namespace, the
...              Focus Server pods (Running, Ready, restarts below the limit), the Focus Server service
...              (type, ClusterIP, port, at least one ready endpoint) and that pod logs are readable. A pod
...              that is Running but not Ready receives no traffic from its Service: that is a failure.
...              When the workload fails, each unhealthy pod's events, logs (the previous container's too)
...              and last termination are logged as evidence.

Resource         ../../resources/kubernetes.resource

Test Tags        component:kubernetes


*** Test Cases ***
Kubernetes Runs Healthy Focus Server Pods Behind Their Service
    [Documentation]    Cluster version, namespace, pods matching the pattern, their health, the service and its
    ...    endpoints, the logs.
    [Tags]    PZ-13899    priority:high    layer:orchestration
    Connect To The Kubernetes Cluster
    Cluster Should Report Its Version
    Focus Server Namespace Should Exist
    ${pods}=    Focus Server Pods Should Be Present
    Focus Server Workload Should Be Healthy    ${pods}
    [Teardown]    Close All Kubernetes Connections
