"""Validate what the assistant sends against LINE's official OpenAPI spec (vendored in ``tests/data/line-openapi``).

Validation is done by ``openapi-schema-validator`` (jsonschema for OpenAPI 3.0). The one thing it
does not do is follow OpenAPI's ``discriminator`` mappings, which the Messaging API uses for
every message and action type («a ``text`` message is a TextMessage»). :func:`_dispatching`
rewrites each discriminator into plain JSON Schema («type is not ``text``, or TextMessage holds»,
and an ``enum`` of the known types, since LINE rejects unknown ones) before the library sees it.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator

__all__ = ["errors"]

#: LINE's spec, vendored (Apache-2.0, see its LICENSE) so CI on a bare clone validates too.
SPEC = Path(__file__).resolve().parents[1] / "data" / "line-openapi" / "messaging-api.yml"
_PREFIX = "#/components/schemas/"



def _dispatching(schemas: dict[str, Any]) -> dict[str, Any]:
    """The schemas with every discriminator turned into if/then dispatch on its property."""
    out = copy.deepcopy(schemas)
    for name, schema in schemas.items():
        disc = schema.get("discriminator")
        if not disc or "mapping" not in disc:
            continue
        base = f"{name}__base"
        out[base] = {k: v for k, v in copy.deepcopy(schema).items() if k != "discriminator"}
        prop = disc["propertyName"]
        rules: list[dict[str, Any]] = [{"$ref": _PREFIX + base},
                                       {"properties": {prop: {"enum": sorted(disc["mapping"])}}, "required": [prop]}]
        for value, target in disc["mapping"].items():
            # «type is not this value, or the subtype's schema holds» (OpenAPI 3.0 is draft 4: no if/then).
            rules.append({"anyOf": [{"properties": {prop: {"not": {"enum": [value]}}}}, {"$ref": target}]})
            subtype = out[target.rsplit("/", 1)[-1]]
            for part in subtype.get("allOf", []):
                if part.get("$ref") == _PREFIX + name:
                    part["$ref"] = _PREFIX + base  # the subtype extends the base, not the dispatcher
        out[name] = {"allOf": rules}
    return out


@lru_cache(maxsize=1)
def _components() -> dict[str, Any]:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return {"schemas": _dispatching(spec["components"]["schemas"])}


@lru_cache(maxsize=32)
def _validator(name: str) -> OAS30Validator:
    return OAS30Validator({"$ref": _PREFIX + name, "components": _components()})


def errors(instance: Any, schema: str) -> list[str]:
    """Every way ``instance`` breaks schema ``schema`` of the Messaging API (empty when valid)."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message}" for e in _validator(schema).iter_errors(instance)]
