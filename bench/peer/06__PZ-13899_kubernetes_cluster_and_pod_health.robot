*** Settings ***
Documentation    PZ-13899 — Kubernetes cluster connection and pod health, written with KubeLibrary (bearer token,
...              the lab's CA).

Resource         peer.resource
Library          KubeLibrary    api_url=%{LAB_K8S_API}    bearer_token=%{LAB_K8S_TOKEN}    ca_cert=%{LAB_K8S_CA}

Test Tags        component:kubernetes


*** Test Cases ***
Kubernetes Runs Healthy Focus Server Pods Behind Their Service
    [Documentation]    Cluster version, namespace, pods matching the pattern, their health, the service and its
    ...    endpoints, the logs.
    [Tags]    PZ-13899    priority:high    layer:orchestration
    Cluster Should Report Its Version
    ${namespaces}=    List Namespace
    ${names}=    Filter Names    ${namespaces}
    Should Contain    ${names}    ${NAMESPACE}
    ${pods}=    List Namespaced Pod By Pattern    ${POD_PATTERN}    ${NAMESPACE}
    ${count}=    Get Length    ${pods}
    Should Be True    ${count} >= ${MIN_PODS}
    FOR    ${pod}    IN    @{pods}
        Pod Should Be Healthy    ${pod}
    END
    Service Should Match And Have Ready Endpoints
    Pod Logs Should Be Readable    ${pods}


*** Keywords ***
Pod Logs Should Be Readable
    [Documentation]    Each pod's log can be read and is not empty.
    [Arguments]    ${pods}
    FOR    ${pod}    IN    @{pods}
        ${log}=    Read Namespaced Pod Log    ${pod.metadata.name}    ${NAMESPACE}    ${pod.spec.containers[0].name}
        Should Not Be Empty    ${log}
    END

Cluster Should Report Its Version
    [Documentation]    ``/version`` answers a ``gitVersion`` such as ``v1.37.2``. KubeLibrary's own ``K8s Version``
    ...    fails with kubernetes 37 (``ApiClient.call_api()`` lost ``auth_settings``): the library's API client
    ...    is asked through the client's ``VersionApi`` instead.
    ${kube}=    Get Library Instance    KubeLibrary
    ${version}=    Evaluate    kubernetes.client.VersionApi($kube.api_client).get_code()    modules=kubernetes
    Should Match Regexp    ${version.git_version}    ^v\\d+\\.\\d+

Pod Should Be Healthy
    [Documentation]    Running, condition Ready True, fewer than ``${MAX_RESTARTS}`` container restarts in total.
    [Arguments]    ${pod}
    Should Be Equal    ${pod.status.phase}    Running
    ${ready}=    Evaluate    [c.status for c in $pod.status.conditions if c.type == 'Ready']
    Should Be Equal    ${ready}    ${{ ['True'] }}
    ${restarts}=    Evaluate    sum(c.restart_count for c in $pod.status.container_statuses)
    Should Be True    ${restarts} < ${MAX_RESTARTS}

Service Should Match And Have Ready Endpoints
    [Documentation]    Type ClusterIP, ClusterIP 10.43.103.101, port 5000; its endpoints hold a ready address.
    ${service}=    Read Namespaced Service    ${SERVICE_NAME}    ${NAMESPACE}
    Should Be Equal    ${service.spec.type}    ${SERVICE_TYPE}
    Should Be Equal    ${service.spec.cluster_ip}    ${SERVICE_CLUSTER_IP}
    Should Be Equal As Integers    ${service.spec.ports[0].port}    ${SERVICE_PORT}
    ${endpoints}=    Read Namespaced Endpoints    ${SERVICE_NAME}    ${NAMESPACE}
    Should Not Be Empty    ${endpoints.subsets[0].addresses}
