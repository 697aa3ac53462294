"""Label and field selectors as kube-apiserver parses and applies them, with its error messages.

Label selectors: equality (``a=b``, ``a==b``, ``a!=b``), existence (``a``, ``!a``) and set-based (``a in (b,c)``,
``a notin (b)``, ``a>1``, ``a<1``), parsed as apimachinery's ``labels.Parse`` parses them, keys and values checked
against the label syntax, with its messages word for word. Field selectors: ``=``, ``==`` and ``!=`` on the fields
each kind selects on (``SELECTABLE_FIELDS``, from kube-apiserver 1.37's registries, a missing field read as the
server's default); any other field is a 400 with the message the real server gives for that kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class SelectorError(ValueError):
    """A selector the API server answers 400 Bad Request for; the message is the server's."""


# --- label selectors ----------------------------------------------------------------------------------------

_SPECIAL = "=!(),<>"
_TOKENS = {"(": "(", ")": ")", ",": ",", "!": "!", "=": "=", "==": "==", "!=": "!=", ">": ">", "<": "<"}
_OPERATORS = ("in", "notin", "=", "==", "!=", ">", "<")


@dataclass(frozen=True)
class _Token:
    kind: str  # "identifier", "end" or the symbol itself; "in" or "notin" where an operator is read
    text: str


@dataclass(frozen=True)
class LabelRequirement:
    key: str
    operator: str  # exists, !, =, !=, in, notin, >, <
    values: frozenset[str] = frozenset()

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        if self.operator in ("=", "in"):
            return present and value in self.values
        if self.operator in ("!=", "notin"):
            return not present or value not in self.values
        try:  # > and <: both sides integers, as the real server compares them
            number, limit = int(value or ""), int(next(iter(self.values)))
        except ValueError:
            return False
        return number > limit if self.operator == ">" else number < limit


def _lex(text: str) -> list[_Token]:
    tokens, index = [], 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char in _SPECIAL:
            symbol = char
            while index + len(symbol) < len(text) and symbol + text[index + len(symbol)] in _TOKENS:
                symbol += text[index + len(symbol)]
            tokens.append(_Token(_TOKENS[symbol], symbol))
            index += len(symbol)
        else:
            end = index
            while end < len(text) and not text[end].isspace() and text[end] not in _SPECIAL:
                end += 1
            word = text[index:end]
            tokens.append(_Token("identifier", word))  # in, notin: operators only where an operator is read
            index = end
    return [*tokens, _Token("end", "")]


class _LabelParser:
    def __init__(self, text: str) -> None:
        self._tokens = _lex(text)
        self._position = 0

    def _peek(self) -> _Token:
        return self._tokens[self._position]

    def _next(self) -> _Token:
        token = self._tokens[self._position]
        self._position = min(self._position + 1, len(self._tokens) - 1)
        return token

    def parse(self) -> list[LabelRequirement]:
        requirements = []
        while True:
            token = self._peek()
            if token.kind == "end":
                return requirements
            if token.kind not in ("identifier", "!"):
                raise SelectorError(f"found '{token.text}', expected: !, identifier, or 'end of string'")
            try:
                requirements.append(self._requirement())
            except SelectorError as error:
                raise SelectorError(f"unable to parse requirement: {error}") from None
            after = self._next()
            if after.kind == "end":
                return requirements
            if after.kind != ",":
                raise SelectorError(f"found '{after.text}', expected: ',' or 'end of string'")
            if self._peek().kind not in ("identifier", "!"):
                raise SelectorError(f"found '{self._peek().text}', expected: identifier after ','")

    def _requirement(self) -> LabelRequirement:
        negated = self._peek().kind == "!"
        if negated:
            self._next()
        key = self._next()
        if key.kind != "identifier":
            raise SelectorError(f"found '{key.text}', expected: identifier")
        if negated or self._peek().kind in ("end", ","):
            return _checked(key.text, "!" if negated else "exists", [])
        operator = self._next()
        if operator.kind == "identifier" and operator.text in ("in", "notin"):
            operator = _Token(operator.text, operator.text)
        if operator.kind not in _OPERATORS:
            raise SelectorError(f"found '{operator.text}', expected: in, notin, =, ==, !=, gt, lt")
        if operator.kind in ("in", "notin"):
            return _checked(key.text, operator.kind, sorted(self._set()))
        value = self._peek()
        if value.kind in ("end", ","):
            text = ""
        elif value.kind == "identifier":
            text = self._next().text
        else:
            raise SelectorError(f"found '{value.text}', expected: identifier")
        return _checked(key.text, "=" if operator.kind == "==" else operator.kind, [text])

    def _set(self) -> set[str]:
        opening = self._next()
        if opening.kind != "(":
            raise SelectorError(f"found '{opening.text}' expected: '('")
        values: set[str] = set()
        if self._peek().kind == ")":
            self._next()
            return {""}
        if self._peek().kind not in ("identifier", ","):
            raise SelectorError(f"found '{self._peek().text}', expected: ',', ')' or identifier")
        while True:
            token = self._next()
            if token.kind == "identifier":
                values.add(token.text)
                token = self._next()
                if token.kind == ")":
                    return values
                if token.kind != ",":
                    raise SelectorError(f"found '{token.text}', expected: ',' or ')'")
            elif token.kind == ",":
                values.add("")
            else:
                raise SelectorError(f"found '{token.text}', expected: ',' or ')'")
            if self._peek().kind == ")":  # "a in (b,)": the empty value after the comma
                self._next()
                values.add("")
                return values


_LABEL_PART = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_DNS_SUBDOMAIN = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_KEY_RULE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
)


def _regex_error(rule: str, regex: str, *examples: str) -> str:
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{rule} (e.g. {shown}regex used for validation is '{regex}')"


def _key_errors(key: str) -> list[str]:
    """apimachinery's ``IsLabelKey``."""
    parts = key.split("/")
    if len(parts) > 2:
        rule = _regex_error(_KEY_RULE, _LABEL_PART, "MyName", "my.name", "123-abc")
        return [f"a valid label key {rule} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    errors = []
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            if len(prefix) > 253:
                errors.append("prefix part must be no more than 253 bytes")
            if not re.fullmatch(_DNS_SUBDOMAIN, prefix):
                rule = (
                    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                    "and must start and end with an alphanumeric character"
                )
                errors.append("prefix part " + _regex_error(rule, _DNS_SUBDOMAIN, "example.com"))
    name = parts[-1]
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part must be no more than 63 bytes")
    if not re.fullmatch(_LABEL_PART, name):
        errors.append("name part " + _regex_error(_KEY_RULE, _LABEL_PART, "MyName", "my.name", "123-abc"))
    return errors


def _value_errors(value: str) -> list[str]:
    """apimachinery's ``IsValidLabelValue``."""
    errors = ["must be no more than 63 bytes"] if len(value) > 63 else []
    if not re.fullmatch(f"({_LABEL_PART})?", value):
        rule = (
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character"
        )
        errors.append(_regex_error(rule, f"({_LABEL_PART})?", "MyValue", "my_value", "12345"))
    return errors


def _checked(key: str, operator: str, values: list[str]) -> LabelRequirement:
    """apimachinery's ``NewRequirement``: the key, then the operator's values, then each value as a label value."""
    if key_errors := _key_errors(key):  # the parser checks the key first, and stops there
        raise SelectorError(f'<nil>: Invalid value: "{key}": {"; ".join(key_errors)}')
    errors = []
    for index, value in enumerate(values):
        if operator in (">", "<") and not re.fullmatch(r"[+-]?\d+", value):
            errors.append(
                f"values[{index}]: Invalid value: \"{value}\": for 'Gt', 'Lt' operators, the value must be an integer"
            )
    for index, value in enumerate(values):
        if value_errors := _value_errors(value):
            errors.append(f'values[{index}][{key}]: Invalid value: "{value}": {"; ".join(value_errors)}')
    if errors:
        raise SelectorError(errors[0] if len(errors) == 1 else f"[{', '.join(errors)}]")
    return LabelRequirement(key, operator, frozenset(values))


def parse_label_selector(text: str) -> list[LabelRequirement]:
    """The requirements of a ``labelSelector``; ``SelectorError`` with the real server's message if it is none."""
    return _LabelParser(text or "").parse()


def labels_match(requirements: list[LabelRequirement], obj: dict) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return all(requirement.matches(labels) for requirement in requirements)


# --- field selectors ----------------------------------------------------------------------------------------

Getter = Callable[[dict], Any]


def _at(*path: str, default: str = "") -> Getter:
    def get(obj: dict) -> str:
        value: Any = obj
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return default
        return str(value).lower() if isinstance(value, bool) else str(value)

    return get


def _first_pod_ip(pod: dict) -> str:
    status = pod.get("status") or {}
    ips = status.get("podIPs") or []
    return ips[0].get("ip", "") if ips else status.get("podIP", "")


def _event_source(event: dict) -> str:
    return (event.get("source") or {}).get("component") or event.get("reportingComponent") or ""


_NAME = {"metadata.name": _at("metadata", "name")}
_NAMESPACED = {**_NAME, "metadata.namespace": _at("metadata", "namespace")}
#: Per kind: the fields kube-apiserver selects on (``<kind>ToSelectableFields``) and how it says no to another one.
#: A kind not listed has the generic fields (name, namespace) and the generic message.
SELECTABLE_FIELDS: dict[str, tuple[dict[str, Getter], str]] = {
    "Pod": (
        {
            **_NAMESPACED,
            "spec.nodeName": _at("spec", "nodeName"),
            "spec.host": _at("spec", "nodeName"),  # what old clients send, read as spec.nodeName
            "spec.restartPolicy": _at("spec", "restartPolicy", default="Always"),
            "spec.schedulerName": _at("spec", "schedulerName", default="default-scheduler"),
            "spec.serviceAccountName": _at("spec", "serviceAccountName"),
            "spec.hostNetwork": _at("spec", "hostNetwork", default="false"),
            "status.phase": _at("status", "phase"),
            "status.podIP": _first_pod_ip,
            "status.podIPs": lambda pod: "",  # accepted, but no value to match (as in kube-apiserver)
            "status.nominatedNodeName": _at("status", "nominatedNodeName"),
        },
        "field label not supported: {label}",
    ),
    "Node": (
        {**_NAME, "spec.unschedulable": _at("spec", "unschedulable", default="false")},
        "field label not supported: {label}",
    ),
    "Namespace": ({**_NAME, "status.phase": _at("status", "phase")}, "field label not supported: {label}"),
    "Service": (
        {**_NAMESPACED, "spec.clusterIP": _at("spec", "clusterIP"), "spec.type": _at("spec", "type")},
        "field label not supported: {label}",
    ),
    "Secret": ({**_NAMESPACED, "type": _at("type")}, "field label not supported: {label}"),
    "Event": (
        {
            **_NAMESPACED,
            **{
                f"involvedObject.{part}": _at("involvedObject", part)
                for part in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
            },
            "reason": _at("reason"),
            "reportingComponent": _at("reportingComponent"),
            "source": _event_source,
            "type": _at("type"),
        },
        "field label not supported: {label}",
    ),
    "Job": (
        {**_NAMESPACED, "status.successful": _at("status", "succeeded", default="0")},
        'field label "{label}" not supported for Job',
    ),
}
_GENERIC = (_NAMESPACED, '"{label}" is not a known field selector: only "metadata.name", "metadata.namespace"')


@dataclass(frozen=True)
class FieldRequirement:
    get: Getter
    equal: bool
    value: str

    def matches(self, obj: dict) -> bool:
        return (self.get(obj) == self.value) == self.equal


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, current, escaped = [], "", False
    for char in text:
        if escaped:
            current, escaped = current + "\\" + char, False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current + ("\\" if escaped else "")]


def _unescape(value: str) -> str:
    r"""apimachinery's ``fields.UnescapeValue``: ``\\``, ``\,`` and ``\=`` are the only escapes, and a bare ``,`` or
    ``=`` is refused."""
    unescaped, escaped = "", False
    for char in value:
        if escaped:
            if char not in "\\,=":
                raise SelectorError(f"invalid field selector: invalid escape sequence: \\{char}")
            unescaped, escaped = unescaped + char, False
        elif char == "\\":
            escaped = True
        elif char in ",=":
            raise SelectorError(f"invalid field selector: unescaped character in value: {ord(char)}")
        else:
            unescaped += char
    if escaped:
        raise SelectorError("invalid field selector: invalid escape sequence: \\")
    return unescaped


def parse_field_selector(text: str, kind: str) -> list[FieldRequirement]:
    """The requirements of a ``fieldSelector`` on ``kind``; ``SelectorError`` with the real server's message for
    a term it cannot read or a field it does not select on (its terms in sorted order, as the server reads them)."""
    fields, refusal = SELECTABLE_FIELDS.get(kind, _GENERIC)
    terms = []
    for term in sorted(filter(None, _split_unescaped(text or "", ","))):
        for index in range(len(term)):
            operator = next((op for op in ("!=", "==", "=") if term.startswith(op, index)), None)
            if operator:
                terms.append((term[:index], operator, _unescape(term[index + len(operator) :])))
                break
        else:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
    requirements = []
    for label, operator, value in terms:
        if label not in fields:
            raise SelectorError(refusal.format(label=label))
        requirements.append(FieldRequirement(fields[label], operator != "!=", value))
    return requirements


def fields_match(requirements: list[FieldRequirement], obj: dict) -> bool:
    return all(requirement.matches(obj) for requirement in requirements)
