*** Settings ***
Documentation    Focus Server infrastructure acceptance tests (epic PZ-13756): MongoDB, Kubernetes and SSH.
...              Each test is one Jira case; a failure names the broken layer and the cause.
...              Tags: the Jira key, ``priority:<p>``, ``component:<c>``, ``layer:<l>``, and ``critical`` for the
...              cases that block a deployment (see ``keywords/run/cases.py``).
Metadata         Epic    PZ-13756 Focus Server Infrastructure Tests
Metadata         Environment    ${ENV}

Resource         ../resources/common.resource

Name             Focus Server Infrastructure
