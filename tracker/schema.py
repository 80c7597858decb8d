"""JSON Schema (draft 2020-12) of the typed JSON documents: TypedDicts and the types in them.

``json_schemas(roots, ref_prefix)`` converts the TypedDicts given, and every TypedDict they
refer to, into named schemas (``{"Event": {...}, ...}``) that refer to each other as
``{"$ref": ref_prefix + name}``: with ``#/components/schemas/`` they are an OpenAPI 3.1
document's components (3.1 speaks this JSON Schema dialect). ``schema_of`` converts one
annotation. This is how the contract in ``tracker.query`` reaches the OpenAPI document
without being written twice.

It covers what that contract uses: ``str``, ``int``, ``float``, ``bool``, ``None``, ``Any``,
``Literal``, unions (``X | None``), ``list[X]``, ``dict[str, X]``, and TypedDicts (class and
functional forms, inheritance, ``NotRequired``/``Required``, ``total=False``), a TypedDict's
docstring becoming its ``description`` and the comment ending a key's line (``date_text: str
# the date as written``) the key's. Keys are required unless ``NotRequired``; objects stay
open to further keys (documents may gain keys without breaking their readers). Anything else
raises ``TypeError``, so a new kind of annotation cannot quietly become "anything". It
validates nothing (the tests use ``jsonschema``) and knows nothing of HTTP (``web.openapi``).
"""

from __future__ import annotations

import ast
import functools
import inspect
import sys
import types
import typing
from collections.abc import Iterable
from typing import Any, Literal, NotRequired, Required, Union

__all__ = ["json_schemas", "schema_of"]

_SIMPLE: dict[object, str] = {str: "string", int: "integer", float: "number", bool: "boolean",
                              type(None): "null", None: "null"}
_JSON_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number"}


def json_schemas(roots: Iterable[object], ref_prefix: str = "#/$defs/"
                 ) -> dict[str, dict[str, Any]]:
    """Each TypedDict of ``roots``, and each one they use, as a named JSON Schema, in the
    order first met."""
    found: dict[str, object] = {}
    for root in roots:
        if not typing.is_typeddict(root):
            raise TypeError(f"{root!r} is not a TypedDict")
        _register(root, found)
    out: dict[str, dict[str, Any]] = {}
    done = 0
    while done < len(found):  # converting one may find more
        name = list(found)[done]
        out[name] = _object_schema(found[name], ref_prefix, found)
        done += 1
    return out


def schema_of(annotation: object, ref_prefix: str, found: dict[str, object]) -> dict[str, Any]:
    """The JSON Schema of one annotation; TypedDicts become references, added to ``found``
    (name to TypedDict) for the caller to convert."""
    if annotation is Any:
        return {}
    if annotation in _SIMPLE:
        return {"type": _SIMPLE[annotation]}
    if typing.is_typeddict(annotation):
        return {"$ref": ref_prefix + _register(annotation, found)}
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Literal:
        return _literal(args)
    if origin in (Union, types.UnionType):
        return _union([schema_of(a, ref_prefix, found) for a in args])
    if origin is list:
        return {"type": "array", "items": schema_of(args[0], ref_prefix, found)}
    if origin is dict and args and args[0] is str:
        return {"type": "object", "additionalProperties": schema_of(args[1], ref_prefix, found)}
    raise TypeError(f"no JSON Schema for {annotation!r}")


def _register(typed_dict: object, found: dict[str, object]) -> str:
    name = str(getattr(typed_dict, "__name__", ""))
    if found.setdefault(name, typed_dict) is not typed_dict:
        raise TypeError(f"two TypedDicts are named {name}")
    return name


def _object_schema(typed_dict: object, ref_prefix: str, found: dict[str, object]
                   ) -> dict[str, Any]:
    # ``__required_keys__`` is not to be trusted here: under ``from __future__ import
    # annotations`` Python 3.11 sees no ``NotRequired`` in a string. The hints are resolved.
    hints = typing.get_type_hints(typed_dict, include_extras=True)
    total = bool(getattr(typed_dict, "__total__", True))
    properties: dict[str, Any] = {}
    required: list[str] = []
    for key, hint in hints.items():
        wrapper = typing.get_origin(hint)
        if wrapper in (NotRequired, Required):
            hint = typing.get_args(hint)[0]
        if wrapper is Required or (total and wrapper is not NotRequired):
            required.append(key)
        properties[key] = schema_of(_unannotated(hint), ref_prefix, found)
        comment = _comments(typed_dict).get(key)
        if comment:
            properties[key] = {"description": comment, **properties[key]}
    schema: dict[str, Any] = {"type": "object", "properties": properties, "required": required}
    doc = inspect.cleandoc(getattr(typed_dict, "__doc__", None) or "")
    if doc:
        schema = {"description": doc, **schema}
    return schema


def _comments(typed_dict: object) -> dict[str, str]:
    """The comments ending the key lines of a class-form TypedDict and of the TypedDicts it
    extends (a subclass's own win), read from its module's source; {} when there is none."""
    module = sys.modules.get(str(getattr(typed_dict, "__module__", "")))
    name = str(getattr(typed_dict, "__name__", ""))
    return _module_comments(module).get(name, {}) if module is not None else {}


@functools.cache
def _module_comments(module: types.ModuleType) -> dict[str, dict[str, str]]:
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return {}
    lines = source.splitlines()
    own: dict[str, dict[str, str]] = {}
    bases: dict[str, list[str]] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases[node.name] = [b.id for b in node.bases if isinstance(b, ast.Name)]
        own[node.name] = {}
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                _, hash_, comment = lines[item.lineno - 1].partition("#")
                if hash_ and comment.strip():
                    own[node.name][item.target.id] = comment.strip()

    def merged(name: str, seen: frozenset[str] = frozenset()) -> dict[str, str]:
        out: dict[str, str] = {}
        for base in bases.get(name, []):
            if base in own and base not in seen:
                out.update(merged(base, seen | {name}))
        return {**out, **own.get(name, {})}

    return {name: merged(name) for name in own}


def _unannotated(hint: object) -> object:
    while typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    return hint


def _literal(values: tuple[object, ...]) -> dict[str, Any]:
    kinds = {_JSON_TYPES.get(type(v), "") for v in values}
    if "" in kinds:
        raise TypeError(f"no JSON Schema for Literal{list(values)!r}")
    typed: dict[str, Any] = {"type": kinds.pop()} if len(kinds) == 1 else {}
    if len(values) == 1:
        return {**typed, "const": values[0]}
    return {**typed, "enum": list(values)}


def _union(members: list[dict[str, Any]]) -> dict[str, Any]:
    # Plain types merge into one list ("type": ["string", "null"]), as people write it.
    if all(set(m) == {"type"} and isinstance(m["type"], str) for m in members):
        return {"type": [m["type"] for m in members]}
    return {"anyOf": members}
