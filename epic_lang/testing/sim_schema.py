"""What the sim-server answers a request with a `response_format`: a JSON value built from
the schema, seeded by the prompt, so that equal prompts get equal answers.

It covers the JSON Schema that programs send (`type`, `properties`, `required`, `items`,
`enum`, `const`, `anyOf`/`oneOf`/`allOf`, local `$ref`s, `minItems`/`maxItems`,
`minimum`/`maximum`, `minLength`); a `pattern` or `format` is not followed (the value is a
plain word), as a real model might not follow it either. Hypothesis' `from_schema` would cover
more, but it lives in a separate package (hypothesis-jsonschema) and draws values for tests,
not one deterministic answer per prompt.
"""

from __future__ import annotations

import json
import random
from typing import Any

from epic_lang.testing.sim_rules import WORDS

_MAX_DEPTH = 8


def response_schema(response_format: Any) -> dict[str, Any] | None:
    """The schema a request's `response_format` asks for: its `json_schema.schema`, an open
    object for `json_object`, None for `text` or none. Raises `ValueError` with OpenAI's
    kind of message for a malformed one."""
    if response_format is None:
        return None
    if not isinstance(response_format, dict):
        raise ValueError("`response_format` must be an object")
    kind = response_format.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "object"}
    if kind != "json_schema":
        raise ValueError("`response_format.type` must be 'text', 'json_object' or 'json_schema'")
    wrapper = response_format.get("json_schema")
    schema = wrapper.get("schema") if isinstance(wrapper, dict) else None
    if not isinstance(schema, dict) or not isinstance(wrapper, dict) or "name" not in wrapper:
        raise ValueError("`response_format.json_schema` must have a `name` and a `schema` object")
    return schema


def schema_answer(schema: dict[str, Any], rng: random.Random) -> str:
    """A JSON text of a value the schema accepts, drawn from `rng`."""
    return json.dumps(_value(schema, schema, rng, 0), ensure_ascii=False)


def _value(schema: Any, root: dict[str, Any], rng: random.Random, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return None
    if "$ref" in schema:
        return _value(_resolve(root, str(schema["$ref"])), root, rng, depth + 1)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return rng.choice(schema["enum"])
    for union in ("anyOf", "oneOf"):
        if isinstance(schema.get(union), list) and schema[union]:
            return _value(schema[union][0], root, rng, depth + 1)
    if isinstance(schema.get("allOf"), list):
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            if isinstance(part, dict):
                merged.update(part)
        return _value(merged, root, rng, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    if kind == "object":
        properties = schema.get("properties") or {}
        return {
            key: _value(sub, root, rng, depth + 1)
            for key, sub in properties.items()
            if isinstance(key, str)
        }
    if kind == "array":
        least = int(schema.get("minItems", 1))
        most = max(least, int(schema.get("maxItems", max(least, 3))))
        return [
            _value(schema.get("items", {}), root, rng, depth + 1)
            for _ in range(rng.randint(least, most))
        ]
    if kind == "integer":
        low = int(schema.get("minimum", 0))
        return rng.randint(low, int(schema.get("maximum", low + 100)))
    if kind == "number":
        bottom = float(schema.get("minimum", 0))
        return round(rng.uniform(bottom, float(schema.get("maximum", bottom + 100))), 2)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    word = rng.choice(WORDS)
    return word * max(1, -(-int(schema.get("minLength", 0)) // len(word)))


def _resolve(root: dict[str, Any], ref: str) -> Any:
    """A local reference (`#/$defs/item`); anything else resolves to nothing."""
    node: Any = root
    if not ref.startswith("#"):
        return None
    for part in filter(None, ref[1:].split("/")):
        node = node.get(part) if isinstance(node, dict) else None
    return node
