*** Settings ***
Documentation    PZ-13806 — MongoDB direct TCP connection and authentication (Critical, foundation layer).
...
...              The most basic MongoDB check; every other MongoDB test depends on it. A failure says whether
...              the network (refused, timeout, DNS), authentication (code 18) or authorization (code 13)
...              is broken.

Resource         ../../resources/mongodb.resource

Test Tags        component:mongodb


*** Test Cases ***
MongoDB Accepts A Direct Connection And Authenticates The Application User
    [Documentation]    TCP connect, SCRAM authentication, ping, server version, database and collection listing.
    [Tags]    PZ-13806    priority:critical    layer:foundation    critical
    Connect To MongoDB With Environment Settings
    MongoDB Should Answer Ping
    MongoDB Should Report Its Server Version
    Target Database Should Be Listed
    Target Database Collections Should Be Listable
    [Teardown]    Close All MongoDB Connections
