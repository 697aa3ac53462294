"""Any object by kind: what QA types resolved through discovery documents, REST paths, and Secrets masked."""

from __future__ import annotations

import json

import pytest

from keywords.kubernetes.objects import (
    Resource,
    find_resource,
    group_versions_to_search,
    masked_secret,
    name_matches,
    object_line,
    parse_api_version,
    parse_kind,
    resources_of,
    returned_object,
)

CORE_RESOURCES = {
    "kind": "APIResourceList",
    "groupVersion": "v1",
    "resources": [
        {"name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod", "shortNames": ["po"]},
        {"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod"},
        {"name": "nodes", "singularName": "node", "namespaced": False, "kind": "Node", "shortNames": ["no"]},
        {"name": "secrets", "singularName": "secret", "namespaced": True, "kind": "Secret"},
        {"name": "events", "singularName": "event", "namespaced": True, "kind": "Event", "shortNames": ["ev"]},
    ],
}
APPS_RESOURCES = {
    "groupVersion": "apps/v1",
    "resources": [
        {"name": "deployments", "singularName": "deployment", "namespaced": True, "kind": "Deployment",
         "shortNames": ["deploy"], "verbs": ["get", "list"]},
        {"name": "deployments/status", "namespaced": True, "kind": "Deployment"},
    ],
}  # fmt: skip
GROUPS = {
    "kind": "APIGroupList",
    "groups": [
        {
            "name": "apps",
            "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
            "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
        },
        {
            "name": "events.k8s.io",
            "versions": [{"groupVersion": "events.k8s.io/v1", "version": "v1"}],
            "preferredVersion": {"groupVersion": "events.k8s.io/v1", "version": "v1"},
        },
        {
            "name": "autoscaling",
            "versions": [
                {"groupVersion": "autoscaling/v2", "version": "v2"},
                {"groupVersion": "autoscaling/v1", "version": "v1"},
            ],
            "preferredVersion": {"groupVersion": "autoscaling/v2", "version": "v2"},
        },
    ],
}
DEPLOYMENT = Resource("apps/v1", "deployments", "Deployment", True, "deployment", ("deploy",))
NODE = Resource("v1", "nodes", "Node", False, "node", ("no",))
SECRET = Resource("v1", "secrets", "Secret", True, "secret")


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("Deployment", ("Deployment", None, None)),
        ("deploy", ("deploy", None, None)),
        (" deployments.apps ", ("deployments", "apps", None)),
        ("deployments.v1.apps", ("deployments", "apps", "v1")),
        ("hpa.v2beta1.autoscaling", ("hpa", "autoscaling", "v2beta1")),
        ("certificates.cert-manager.io", ("certificates", "cert-manager.io", None)),
    ],
)
def test_a_kind_is_read_as_kubectl_reads_it(typed, parsed):
    assert parse_kind(typed) == parsed


@pytest.mark.parametrize("typed", ["", "  ", None])
def test_an_empty_kind_is_misuse(typed):
    with pytest.raises(ValueError, match="kind must name a kind"):
        parse_kind(typed)


def test_an_api_version_is_a_group_and_a_version():
    assert parse_api_version("apps/v1") == ("apps", "v1")
    assert parse_api_version("v1") == ("", "v1")
    assert parse_api_version(None) == (None, None)
    with pytest.raises(ValueError, match="api_version must look like apps/v1"):
        parse_api_version("apps/")


def test_the_core_group_is_searched_first_then_each_groups_preferred_version_in_the_servers_order():
    assert group_versions_to_search(None, None, None) == ["v1"]
    assert group_versions_to_search(GROUPS, None, None) == ["v1", "apps/v1", "events.k8s.io/v1", "autoscaling/v2"]


def test_a_named_group_or_version_narrows_the_search():
    assert group_versions_to_search(GROUPS, "apps", None) == ["apps/v1"]
    assert group_versions_to_search(GROUPS, "autoscaling", "v1") == ["autoscaling/v1"]
    assert group_versions_to_search(GROUPS, "", None) == ["v1"]
    assert group_versions_to_search(None, "core", "v1") == ["v1"]
    assert group_versions_to_search(GROUPS, "example.com", None) == []
    assert group_versions_to_search(GROUPS, "apps", "v9") == []


def test_a_resource_list_leaves_subresources_out():
    assert [resource.name for resource in resources_of(CORE_RESOURCES)] == ["pods", "nodes", "secrets", "events"]
    [deployments] = resources_of(APPS_RESOURCES)
    assert deployments == Resource(
        "apps/v1", "deployments", "Deployment", True, "deployment", ("deploy",), ("get", "list")
    )


@pytest.mark.parametrize("typed", ["Deployment", "deployment", "DEPLOYMENTS", "deploy"])
def test_kind_plural_singular_and_short_name_find_the_same_resource(typed):
    assert find_resource(resources_of(APPS_RESOURCES), typed).kind == "Deployment"


def test_an_unknown_name_finds_nothing():
    assert find_resource(resources_of(CORE_RESOURCES), "deploy") is None


def test_paths_for_one_object_a_namespace_and_every_namespace():
    assert DEPLOYMENT.path("panda", "panda-panda-focus-server") == (
        "/apis/apps/v1/namespaces/panda/deployments/panda-panda-focus-server"
    )
    assert DEPLOYMENT.path("panda") == "/apis/apps/v1/namespaces/panda/deployments"
    assert DEPLOYMENT.path(None) == "/apis/apps/v1/deployments"
    assert NODE.path("panda", "panda-node-1") == "/api/v1/nodes/panda-node-1"  # cluster-scoped: no namespace
    assert SECRET.path("panda", "a/b c") == "/api/v1/namespaces/panda/secrets/a%2Fb%20c"


def test_messages_name_kind_namespace_and_name_and_the_rbac_permission():
    assert DEPLOYMENT.target("panda", "x") == "Deployment panda/x"
    assert NODE.target(None, "panda-node-1") == "Node panda-node-1"
    assert DEPLOYMENT.target("panda") == "deployments.apps in namespace 'panda'"
    assert DEPLOYMENT.target(None) == "deployments.apps in all namespaces"
    assert NODE.target(None) == "nodes"
    assert SECRET.permission("get", "panda") == "verb 'get' on resource 'secrets' of API group '' in namespace 'panda'"
    assert NODE.permission("list", None) == "verb 'list' on resource 'nodes' of API group '' (cluster-wide)"


SECRET_JSON = {
    "kind": "Secret",
    "apiVersion": "v1",
    "type": "Opaque",
    "metadata": {
        "name": "mongodb-credentials",
        "namespace": "panda",
        "labels": {"app": "mongodb"},
        "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"password":"czNjcjN0LXZhbHVl"}}',
            "owner": "platform",
        },
        "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:data": {"f:password": {}}}}],
    },
    "data": {"password": "czNjcjN0LXZhbHVl", "username": "cHJpc21h"},
    "stringData": {"uri": "mongodb://prisma:s3cr3t-value@db"},
}


def test_a_secret_keeps_its_metadata_and_key_names_but_never_a_value():
    masked = masked_secret(SECRET_JSON)
    assert masked == {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": "mongodb-credentials",
            "namespace": "panda",
            "labels": {"app": "mongodb"},
            "annotations": {"owner": "platform"},
        },
        "data_keys": ["password", "uri", "username"],
    }
    text = json.dumps(masked)
    assert "czNjcjN0LXZhbHVl" not in text and "s3cr3t-value" not in text and "cHJpc21h" not in text
    assert SECRET_JSON["metadata"]["annotations"]["owner"] == "platform"  # the API's answer is not changed


def test_returned_objects_get_their_kind_back_and_a_secret_is_masked():
    item = {"metadata": {"name": "x", "namespace": "panda"}, "spec": {"replicas": 2}}
    assert returned_object(DEPLOYMENT, item) == {"apiVersion": "apps/v1", "kind": "Deployment", **item}
    secret = returned_object(SECRET, {k: v for k, v in SECRET_JSON.items() if k not in ("kind", "apiVersion")})
    assert "data" not in secret and secret["data_keys"] == ["password", "uri", "username"]


def test_a_custom_kind_named_secret_in_another_group_is_not_the_core_secret():
    other = Resource("example.com/v1", "secrets", "Secret", True)
    assert returned_object(other, {"metadata": {"name": "x"}, "data": {"a": 1}})["data"] == {"a": 1}


def test_name_patterns_are_case_sensitive_globs_on_the_name():
    pod = {"metadata": {"name": "panda-panda-focus-server-7d9c8b6f5-k2x7q"}}
    assert name_matches(pod, "panda-panda-focus-server-*")
    assert name_matches(pod, "*")
    assert not name_matches(pod, "PANDA-*")
    assert not name_matches({"metadata": {}}, "p*")


def test_an_object_is_logged_by_kind_namespace_name_and_version():
    obj = {"kind": "Deployment", "metadata": {"name": "x", "namespace": "panda", "resourceVersion": "4711"}}
    assert object_line(obj) == "Deployment panda/x (resourceVersion 4711)"
    assert object_line({"kind": "Node", "metadata": {"name": "n"}}) == "Node n (resourceVersion ?)"
