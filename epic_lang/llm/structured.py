"""Structured and constrained output: the schemas `llm_json`, `llm_choice` and `regex=` send,
and the check of every answer against them, whichever backend gave it.

A schema is JSON Schema written as an EPIC record, or the shorthand `{name: "string", age:
"integer", tags: ["string"]}`: a record none of whose keys is a JSON Schema keyword (so
`{type: "string"}` is always JSON Schema), read as an object whose fields are all required
and nothing else. Servers get the schema as OpenAI's `response_format` (`json_schema`) and the
local model as a grammar; neither is trusted, so every answer is parsed and validated here with
`jsonschema` before the program sees it. `llm_choice` asks for `{"choice": <one of the
options>}`, because OpenAI's structured outputs want an object at the top; the program gets the
option itself. A failure is an `LLMOutputError` (kind "json") that says where and why the
answer did not match.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from epic_lang.llm.interface import LLMOutputError, LLMRequest

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

SHORTHAND_TYPES = ("string", "integer", "number", "boolean")
SCHEMA_NAME = "epic_output"
CHOICE_FIELD = "choice"
_SHOWN = 200

# The keywords of JSON Schema 2020-12 that can stand at the top of a schema object: a record
# with any of them as a key is read as JSON Schema, never as shorthand.
SCHEMA_KEYWORDS = frozenset(
    {
        "$schema",
        "$id",
        "$ref",
        "$defs",
        "$anchor",
        "$comment",
        "definitions",
        "type",
        "enum",
        "const",
        "properties",
        "patternProperties",
        "additionalProperties",
        "required",
        "items",
        "prefixItems",
        "contains",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
        "if",
        "then",
        "else",
        "title",
        "description",
        "default",
        "examples",
    }
)


class SchemaProblem(ValueError):
    """A schema that cannot be used; the message names where in it."""


def json_schema(value: Any) -> dict[str, Any]:
    """The JSON Schema of an `llm_json` `schema=` argument (a record, as a Python dict),
    checked to be a valid schema. Raises `SchemaProblem`. (`jsonschema` is imported here and
    in `checked_answer`, not with the module: it costs a quarter of a second of start-up,
    which only programs that use a schema should pay.)"""
    from jsonschema import Draft202012Validator, SchemaError

    if not isinstance(value, dict):
        raise SchemaProblem(f"the schema must be a record, got {_kind(value)}")
    schema = value if value.keys() & SCHEMA_KEYWORDS or not value else _shorthand(value, "$")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = _path(exc.absolute_path)
        raise SchemaProblem(f"not a valid JSON Schema at {where}: {exc.message}") from None
    return schema


def _shorthand(value: Any, where: str) -> dict[str, Any]:
    if isinstance(value, str):
        if value not in SHORTHAND_TYPES:
            raise SchemaProblem(
                f"unknown type {value!r} at {where}; the shorthand's types are "
                + ", ".join(f'"{t}"' for t in SHORTHAND_TYPES)
                + " (or write JSON Schema)"
            )
        return {"type": value}
    if isinstance(value, list | tuple):
        if len(value) != 1:
            raise SchemaProblem(
                f'a list in the shorthand holds one item type, as in ["string"], at {where}'
            )
        return {"type": "array", "items": _shorthand(value[0], f"{where}[]")}
    if isinstance(value, dict) and value and not value.keys() & SCHEMA_KEYWORDS:
        return {
            "type": "object",
            "properties": {k: _shorthand(v, f"{where}.{k}") for k, v in value.items()},
            "required": list(value),
            "additionalProperties": False,
        }
    if isinstance(value, dict):
        return value  # JSON Schema nested in shorthand
    raise SchemaProblem(f"the shorthand at {where} is {_kind(value)}, not a type name")


def choice_schema(options: tuple[str, ...]) -> dict[str, Any]:
    """What `llm_choice` asks for: an object with one field holding one of the options."""
    return {
        "type": "object",
        "properties": {CHOICE_FIELD: {"type": "string", "enum": list(options)}},
        "required": [CHOICE_FIELD],
        "additionalProperties": False,
    }


def canonical(schema: dict[str, Any]) -> str:
    """The schema as the text an `LLMRequest` holds (hashable; keys in the order written,
    which is the order the model is asked to write the fields in)."""
    return json.dumps(schema, separators=(",", ":"), ensure_ascii=False)


def response_format(request: LLMRequest, dialect: str = "json_schema") -> dict[str, Any] | None:
    """The `response_format` of a request with a schema (None without one): OpenAI's
    `json_schema` form (OpenAI, vLLM, llama.cpp's `llama-server`), or with `dialect`
    "json_object" the form llama-cpp-python's server takes (`{"type": "json_object",
    "schema": ...}`; it answers the other with an HTTP 500). `strict` is left out: OpenAI's
    strict mode refuses schemas with optional fields or open objects, and the answer is
    validated here anyway."""
    if request.schema is None:
        return None
    schema = json.loads(request.schema)
    if dialect == "json_object":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_schema", "json_schema": {"name": SCHEMA_NAME, "schema": schema}}


def schema_format_hint(message: str, body: dict[str, Any]) -> str | None:
    """What to do when a server refused the `json_schema` form of `response_format` in
    favour of `json_object` (llama-cpp-python's server does, with an HTTP 500); None for any
    other failure."""
    sent = body.get("response_format")
    if not isinstance(sent, dict) or sent.get("type") != "json_schema":
        return None
    if "response_format" not in message or "json_object" not in message:
        return None
    return (
        'this server takes the schema as {"type": "json_object", "schema": ...}, as '
        'llama-cpp-python\'s server does: set `schema_format = "json_object"` in epic.toml'
    )


def checked_answer(request: LLMRequest, text: str) -> Any:
    """The program-facing value of a constrained request's answer text, or `LLMOutputError`
    saying what did not match. Requests without a constraint get their text back."""
    if request.regex is not None:
        # Whitespace around the answer (a server's trailing newline) is not held against it.
        for candidate in (text, text.strip()):
            if re.fullmatch(request.regex, candidate) is not None:
                return candidate
        raise LLMOutputError(f"the answer {_cut(text)} does not match regex {request.regex!r}")
    if request.schema is None:
        return text
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LLMOutputError(
            f"the answer is not JSON ({exc.msg} at character {exc.pos}): {_cut(text)}"
            + _cut_hint(request, text, exc.pos)
        ) from None
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    schema = json.loads(request.schema)
    error = best_match(Draft202012Validator(schema).iter_errors(value))
    if request.kind == "llm_choice":
        chosen = value.get(CHOICE_FIELD) if isinstance(value, dict) else None
        if error is not None or chosen not in request.options:
            options = ", ".join(map(repr, request.options))
            raise LLMOutputError(f"the answer {_cut(text)} is not one of the options {options}")
        return chosen
    if error is not None:
        raise LLMOutputError(_mismatch(error, text))
    return value


def _mismatch(error: ValidationError, text: str) -> str:
    return (
        f"the answer does not match the schema at {_path(error.absolute_path)}: "
        f"{error.message} (answer: {_cut(text)})"
    )


def _cut_hint(request: LLMRequest, text: str, position: int) -> str:
    """JSON that breaks off at its very end was most likely cut at `max_tokens`, the usual
    cause of bad JSON from a constrained model."""
    if text.strip() and position >= len(text.rstrip()):
        return f" (it ends early: was it cut at max_tokens={request.max_tokens}?)"
    return ""


def _path(parts: Any) -> str:
    """`$.items[2].name`: where in a JSON value, as JSONPath."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _cut(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "...")


def _kind(value: Any) -> str:
    names = {"dict": "a record", "list": "a list", "tuple": "a tuple", "str": "a string"}
    return names.get(type(value).__name__, type(value).__name__)
