"""`llm_json`, `llm_choice`, `regex=` and `timeout=` against a real sim-server over loopback:
what goes on the wire, what the program gets back, and how a bad answer or a slow one fails
(with the `kind` a failure handler reads)."""

from __future__ import annotations

import json
import random

import pytest
from jsonschema import Draft202012Validator
from test_epic_run import epic_run

from epic_lang.eval import run_source
from epic_lang.eval.externals import llm_request
from epic_lang.eval.program import EpicLoadError, EpicRuntimeError
from epic_lang.eval.runtime import Run
from epic_lang.llm.interface import LLMOutputError, LLMTimeoutError
from epic_lang.llm.openai_client import LLMHTTPError, OpenAIBackend
from epic_lang.llm.structured import checked_answer
from epic_lang.llm.wire import chat_body, route_of
from epic_lang.testing.sim_schema import schema_answer

MODES = ("opportunistic", "sequential")

PEOPLE = """
def person(text) =
    llm_json(f"Extract the person: {text}", {name: "string", age: "integer", tags: ["string"]})

def main() =
    let people = map(person, ["Ann, 31", "Bob, 45"])
    let mood = llm_choice("Sentiment of: I love it", ["positive", "negative", "neutral"])
    {people: people, mood: mood}
"""


def run_on(sim, source: str, mode: str = "opportunistic"):
    backend = OpenAIBackend(sim.base_url)
    return run_source(source, mode=mode, backend=backend).value


@pytest.mark.parametrize("mode", MODES)
def test_llm_json_and_llm_choice_return_schema_valid_values(start_sim, mode):
    sim = start_sim()
    value = run_on(sim, PEOPLE, mode)
    assert value == run_on(sim, PEOPLE, "sequential")  # deterministic from the prompt
    for person in value["people"]:
        assert list(person) == ["name", "age", "tags"]  # the order the schema gives
        assert isinstance(person["name"], str) and type(person["age"]) is int
        assert person["tags"] and all(isinstance(t, str) for t in person["tags"])
    assert value["mood"] in ("positive", "negative", "neutral")
    assert sim.stats()["by_path"] == {"chat": 6}


def test_the_schema_goes_out_as_response_format():
    request = llm_request("llm_json", ["p", {"name": "string", "n": ["integer"]}], {})
    body = chat_body(request, "m")
    schema = body["response_format"]["json_schema"]["schema"]
    assert body["response_format"]["type"] == "json_schema"
    assert schema == {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "n": {"type": "array", "items": {"type": "integer"}},
        },
        "required": ["name", "n"],
        "additionalProperties": False,
    }
    assert route_of(request, batching=True) == "chat"  # only chat takes response_format
    choice = chat_body(llm_request("llm_choice", ["p", ["a", "b"]], {}), None)
    enum = choice["response_format"]["json_schema"]["schema"]["properties"]["choice"]["enum"]
    assert enum == ["a", "b"]
    assert "response_format" not in chat_body(llm_request("llm", ["p"], {"regex": "x"}), None)


def test_a_record_with_a_json_schema_keyword_is_json_schema():
    schema = {"type": "array", "items": {"type": "string"}, "maxItems": 2}
    request = llm_request("llm_json", ["p"], {"schema": schema})
    assert json.loads(request.schema or "") == schema


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"age": "int"}, "unknown type 'int' at $.age"),
        ({"a": {"b": ["string", "integer"]}}, "one item type"),
        ({"type": "strin"}, "not a valid JSON Schema at $.type"),
        ("string", "must be a record"),
    ],
)
def test_a_bad_schema_is_an_error_at_the_call(start_sim, schema, message):
    sim = start_sim()
    literal = json.dumps(schema).replace('"age"', "age")
    # Computed at run time (through a parameter): the evaluator refuses it at the call.
    source = f'def ask(s) = llm_json("p", s)\ndef main() = ask({literal})\n'
    with pytest.raises(EpicRuntimeError) as info:
        run_on(sim, source)
    assert message in str(info.value) and "<input>:1:14" in str(info.value)
    assert sim.stats()["requests"] == 0
    # Written out in the call: `epic check` (and so loading) reports it first.
    with pytest.raises(EpicLoadError) as loading:
        run_on(sim, f'def main() = llm_json("p", {literal})\n')
    assert message in str(loading.value) and "[bad-schema]" in str(loading.value)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ('{"name": "Ann", "age": "old"}', "does not match the schema at $.age: 'old' is not"),
        ('{"name": "Ann"}', "at $: 'age' is a required property"),
        ('{"name": "Ann", "age": 3', "not JSON"),
        ("Sure! Here is", "not JSON (Expecting value at character 0)"),
    ],
)
def test_an_answer_that_breaks_the_schema_fails_with_kind_json(start_sim, answer, message):
    sim = start_sim([{"match": "Extract", "answer": answer}])
    source = 'def main() = llm_json("Extract: Ann", {name: "string", age: "integer"})\n'
    with pytest.raises(EpicRuntimeError) as info:
        run_on(sim, source)
    assert message in str(info.value), str(info.value)
    assert "external call `llm_json` failed" in str(info.value)
    request = llm_request("llm_json", ["p", {"name": "string", "age": "integer"}], {})
    with pytest.raises(LLMOutputError) as error:
        checked_answer(request, answer)
    assert error.value.kind == "json"


def test_a_cut_off_answer_says_so(start_sim):
    sim = start_sim([{"match": "Extract", "answer": '{"name": "Ann", "age": 31}'}])
    source = 'def main() = llm_json("Extract", {name: "string", age: "integer"}, max_tokens=2)\n'
    with pytest.raises(EpicRuntimeError) as info:
        run_on(sim, source)
    assert "was it cut at max_tokens=2?" in str(info.value)


def test_llm_choice_refuses_an_answer_outside_the_options(start_sim):
    sim = start_sim([{"match": "colour", "answer": '{"choice": "purple"}'}])
    source = 'def main() = llm_choice("Pick a colour", ["red", "green"])\n'
    with pytest.raises(EpicRuntimeError) as info:
        run_on(sim, source)
    assert "is not one of the options 'red', 'green'" in str(info.value)
    ok = start_sim([{"match": "colour", "answer": '{"choice": "green"}'}])
    assert run_on(ok, source) == "green"


@pytest.mark.parametrize("options", ["[]", '["a", "a"]', '["a", 1]', '"ab"'])
def test_llm_choice_needs_distinct_string_options(start_sim, options):
    with pytest.raises(EpicRuntimeError) as info:
        run_on(start_sim(), f'def main() = llm_choice("p", {options})\n')
    assert "`llm_choice` expects" in str(info.value)


def test_regex_is_checked_after_a_servers_answer(start_sim):
    sim = start_sim([{"match": "score", "answer": "8"}, {"match": "grade", "answer": "Grade: B"}])
    assert run_on(sim, 'def main() = llm("score?", regex="[0-9]+")\n') == "8"
    with pytest.raises(EpicRuntimeError) as info:
        run_on(sim, 'def main() = llm("grade?", regex="[A-F]")\n')
    assert "the answer 'Grade: B' does not match regex '[A-F]'" in str(info.value)
    with pytest.raises(EpicRuntimeError) as info:
        run_on(sim, 'def main() = llm("grade?", regex="[A-F")\n')
    assert "is not a regular expression" in str(info.value)


def test_options_are_keyword_only_at_run_time_too(start_sim):
    # Called through a parameter, so only the evaluator can refuse it.
    source = 'def call(f) = f("p", 50)\ndef main() = call(llm)\n'
    with pytest.raises(EpicRuntimeError) as info:
        run_on(start_sim(), source)
    assert "`llm` takes 1 positional argument (prompt); its options are keyword-only" in str(
        info.value
    )


async def test_a_slow_call_fails_at_its_timeout_with_kind_timeout(start_sim):
    sim = start_sim([{"match": "slow", "answer": "late", "latency_ms": 20_000}])
    backend = OpenAIBackend(sim.base_url)
    try:
        run = Run(False, backend)
        with pytest.raises(LLMTimeoutError) as info:
            await run.complete(llm_request("llm", ["slow"], {"timeout": 0.2}))
        assert info.value.kind == "timeout"
        assert "no answer within 0.2 s" in str(info.value)
        # The run's default applies to calls without their own; their own wins.
        run = Run(False, backend, call_timeout=0.2)
        with pytest.raises(LLMTimeoutError):
            await run.complete(llm_request("llm", ["slow"], {}))
        assert await run.complete(llm_request("llm", ["quick"], {"timeout": 30})) != ""
    finally:
        await backend.aclose()
    assert sim.stats()["requests"] == 3  # a timed-out call is not sent again


async def test_the_timeout_covers_retries(start_sim):
    sim = start_sim([{"match": "busy", "status": 503, "retry_after": 0.05}])
    backend = OpenAIBackend(sim.base_url)
    try:
        with pytest.raises(LLMHTTPError) as gave_up:
            await Run(False, backend).complete(llm_request("llm", ["busy"], {}))
        assert gave_up.value.kind == "http" and "gave up after 6 attempts" in str(gave_up.value)
        sim.reset_stats()
        with pytest.raises(LLMTimeoutError):
            await Run(False, backend).complete(llm_request("llm", ["busy"], {"timeout": 0.12}))
    finally:
        await backend.aclose()
    assert 1 <= sim.stats()["requests"] < 6


@pytest.mark.parametrize("timeout", ["0", "-1", '"soon"'])
def test_a_bad_timeout_is_an_error_at_the_call(start_sim, timeout):
    with pytest.raises(EpicRuntimeError) as info:
        run_on(start_sim(), f'def main() = llm("p", timeout={timeout})\n')
    assert "timeout" in str(info.value)


def test_epic_run_call_timeout(start_sim, tmp_path):
    sim = start_sim([{"match": "slow", "answer": "late", "latency_ms": 20_000}])
    program = tmp_path / "slow.epic"
    program.write_text('def main() =\n    llm("slow")\n')
    done = epic_run(program, sim.base_url, "--call-timeout", "0.3")
    assert done.returncode == 1
    assert "slow.epic:2:5: error: external call `llm` failed: no answer within 0.3 s" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr
    program.write_text('def main() =\n    llm("slow", timeout=0.2)\n')
    assert "no answer within 0.2 s" in epic_run(program, sim.base_url).stderr
    bad = epic_run(program, sim.base_url, "--call-timeout", "soon")
    assert bad.returncode == 2 and "not a number of seconds: 'soon'" in bad.stderr


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"type": "integer", "minimum": 3, "maximum": 4}}},
        {"type": "array", "items": {"enum": ["x", "y"]}, "minItems": 2, "maxItems": 2},
        {
            "$defs": {"p": {"type": "boolean"}},
            "type": "object",
            "properties": {"q": {"$ref": "#/$defs/p"}},
        },
        {"anyOf": [{"type": "number"}, {"type": "null"}]},
        {"type": "string", "minLength": 12},
        {"const": {"fixed": True}},
    ],
)
def test_the_sim_servers_answers_follow_the_schema(schema):
    for seed in range(5):
        value = json.loads(schema_answer(schema, random.Random(seed)))
        assert not list(Draft202012Validator(schema).iter_errors(value)), value


def test_the_sim_server_refuses_a_malformed_response_format(start_sim):
    import httpx

    sim = start_sim()
    body = {
        "messages": [{"role": "user", "content": "p"}],
        "response_format": {"type": "json_schema", "json_schema": {"schema": {}}},
    }
    answer = httpx.post(sim.base_url + "/chat/completions", json=body, timeout=10)
    assert answer.status_code == 400 and "`name`" in answer.json()["error"]["message"]


def test_regex_forgives_the_whitespace_around_an_answer():
    request = llm_request("llm", ["p"], {"regex": "[0-9]+"})
    assert checked_answer(request, " 42\n") == "42"
    assert checked_answer(llm_request("llm", ["p"], {"regex": " [0-9]+"}), " 42") == " 42"
    with pytest.raises(LLMOutputError):
        checked_answer(request, "4 2")
