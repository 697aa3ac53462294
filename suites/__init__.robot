*** Settings ***
Documentation    Focus Server infrastructure acceptance tests (epic PZ-13756): MongoDB, Kubernetes and SSH.
...              Each test is one Jira case; a failure names the broken layer and the cause.
Metadata         Epic    [${JIRA_BASE_URL}/${EPIC}|${EPIC}]
Metadata         Environment    ${ENV}

Resource         ../resources/common.resource
