*** Settings ***
Documentation    PZ-13808 — MongoDB quick response time (Medium, performance layer).
...
...              Times several pings on an established, authenticated connection and fails when the median
...              reaches the threshold (100 ms by default). Bands: excellent < 50 ms, acceptable 50–100 ms,
...              warning 100–200 ms, critical above.

Resource         ../../resources/mongodb.resource

Test Tags        component:mongodb


*** Test Cases ***
MongoDB Answers Pings Within The Response Time Threshold
    [Documentation]    Median of the configured number of pings (default 5) below ``max_response_time_ms``.
    [Tags]    PZ-13808    priority:medium    layer:performance
    Connect To MongoDB With Environment Settings
    MongoDB Ping Latency Should Be Within Threshold
    [Teardown]    Close All MongoDB Connections
