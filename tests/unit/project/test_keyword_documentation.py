"""libdoc is the libraries' manual: every keyword has a summary line and an example, every library the same
connection keywords."""

from __future__ import annotations

import pytest
from robot.libdoc import LibraryDocumentation

LIBRARIES = (
    "keywords.config.library.ConfigLibrary",
    "keywords.mongodb.library.MongoDBLibrary",
    "keywords.kubernetes.library.KubernetesLibrary",
    "keywords.ssh.library.JumpHostSSHLibrary",
)


@pytest.mark.parametrize("library", LIBRARIES)
def test_every_keyword_has_a_summary_and_an_example_table(library):
    documentation = LibraryDocumentation(library)
    assert documentation.keywords
    lacking = [keyword.name for keyword in documentation.keywords if "\n|" not in keyword.doc or not keyword.short_doc]
    assert lacking == []


@pytest.mark.parametrize(
    ("library", "layer"),
    [(LIBRARIES[1], "MongoDB"), (LIBRARIES[2], "Kubernetes"), (LIBRARIES[3], "SSH")],
)
def test_every_connection_library_switches_and_closes_all_by_alias(library, layer):
    names = {keyword.name for keyword in LibraryDocumentation(library).keywords}
    assert {f"Switch {layer} Connection", f"Close All {layer} Connections"} <= names
