"""Validate what the assistant sends against LINE's official OpenAPI spec.

A compact validator for the OpenAPI subset the Messaging API spec uses: $ref, allOf,
discriminator mappings (so a ``text`` message is checked against TextMessage), types, required,
enums, lengths and item counts. Unknown discriminator values are errors, as LINE rejects them.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

SPEC = Path(__file__).resolve().parents[3] / "shared" / "line-openapi" / "messaging-api.yml"

_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "integer": int, "number": (int, float)}


@lru_cache(maxsize=1)
def _schemas() -> dict[str, Any]:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))["components"]["schemas"]


def available() -> bool:
    return SPEC.exists()


def _resolve(ref: str) -> dict[str, Any]:
    return _schemas()[ref.rsplit("/", 1)[-1]]


def errors(instance: Any, schema: dict[str, Any] | str, path: str = "$", *, skip_discriminator: bool = False) -> list[str]:
    if isinstance(schema, str):
        schema = _schemas()[schema]
    if "$ref" in schema:
        return errors(instance, _resolve(schema["$ref"]), path, skip_discriminator=skip_discriminator)
    out: list[str] = []
    for part in schema.get("allOf", []):
        # The base schema of an allOf carries the discriminator; don't recurse into it again.
        out += errors(instance, part, path, skip_discriminator=True)
    expected = schema.get("type")
    if expected and expected in _TYPES:
        ok = isinstance(instance, _TYPES[expected]) and not (expected in ("integer", "number") and isinstance(instance, bool))
        if not ok:
            return out + [f"{path}: expected {expected}, got {type(instance).__name__}"]
    if "enum" in schema and instance not in schema["enum"]:
        out.append(f"{path}: {instance!r} not in {schema['enum']}")
    if isinstance(instance, str):
        if "maxLength" in schema and len(instance) > schema["maxLength"]:
            out.append(f"{path}: longer than {schema['maxLength']}")
        if "minLength" in schema and len(instance) < schema["minLength"]:
            out.append(f"{path}: shorter than {schema['minLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            out.append(f"{path}: does not match {schema['pattern']}")
    if isinstance(instance, list):
        if "maxItems" in schema and len(instance) > schema["maxItems"]:
            out.append(f"{path}: more than {schema['maxItems']} items")
        if "minItems" in schema and len(instance) < schema["minItems"]:
            out.append(f"{path}: fewer than {schema['minItems']} items")
        if "items" in schema:
            for i, item in enumerate(instance):
                out += errors(item, schema["items"], f"{path}[{i}]")
    if isinstance(instance, dict):
        for name in schema.get("required", []):
            if name not in instance:
                out.append(f"{path}: missing {name}")
        for name, sub in (schema.get("properties") or {}).items():
            if name in instance and instance[name] is not None:
                out += errors(instance[name], sub, f"{path}.{name}")
        disc = schema.get("discriminator")
        if disc and not skip_discriminator:
            value = instance.get(disc["propertyName"])
            target = disc.get("mapping", {}).get(value)
            if target is None:
                out.append(f"{path}: unknown {disc['propertyName']} {value!r}")
            else:
                out += errors(instance, _resolve(target), path, skip_discriminator=True)
    return out
