*** Settings ***
Documentation    PZ-13898 — MongoDB direct connection and health check (High, data layer).
...
...              Tests MongoDB alone, isolated from Focus Server, so that infrastructure problems are told
...              apart from application problems: the collections Focus Server needs, query capability,
...              well-formed recordings and response time.

Resource         ../../resources/mongodb.resource

Test Tags        component:mongodb


*** Test Cases ***
MongoDB Holds The Focus Server Collections And Answers Queries
    [Documentation]    Connect, ping, database listed, required collections, a query, recording fields, query latency.
    [Tags]    PZ-13898    priority:high    layer:data
    Connect To MongoDB With Environment Settings
    MongoDB Should Answer Ping
    Target Database Should Be Listed
    Focus Server Data Should Be Healthy
    [Teardown]    Close All MongoDB Connections
