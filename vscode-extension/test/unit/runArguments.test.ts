import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backendLabel, backendTooltip, connectionMessage } from "../../src/backendText";
import type { BackendInfo } from "../../src/protocol";
import { argumentsKey, argumentsPlaceholder, parseRunArguments } from "../../src/runArguments";
import { parseLensArguments, runHeader } from "../../src/runReport";

describe("run arguments", () => {
  it("reads a JSON array, one value per parameter", () => {
    assert.deepEqual(parseRunArguments('["a", 2, {"k": [true]}]', ["x", "y", "z"], 3), { args: ["a", 2, { k: [true] }] });
    assert.deepEqual(parseRunArguments("[]", [], 0), { args: [] });
    assert.deepEqual(parseRunArguments("  ", ["opt"], 0), { args: [] });
    assert.deepEqual(parseRunArguments('["x"]', ["name", "punctuation"], 1), { args: ["x"] });
  });

  it("says what is wrong with bad JSON, a non-array and a wrong count", () => {
    const bad = parseRunArguments("[1,", ["a"], 1);
    assert.ok("error" in bad && bad.error.startsWith("Not JSON"));
    const scalar = parseRunArguments('"x"', ["a"], 1);
    assert.ok("error" in scalar && /JSON array.*\[a\]/.test(scalar.error));
    const few = parseRunArguments("[]", ["a", "b"], 1);
    assert.ok("error" in few && few.error === "at least 1 argument expected (a, b), got 0");
    const many = parseRunArguments("[1, 2, 3]", ["a", "b"], 2);
    assert.ok("error" in many && many.error === "2 arguments expected (a, b), got 3");
  });

  it("remembers per file and function, and shows the parameters", () => {
    assert.notEqual(argumentsKey("file:///a.epic", "f"), argumentsKey("file:///b.epic", "f"));
    assert.match(argumentsPlaceholder(["name", "n"]), /^\[<name>, <n>\]/);
  });

  it("takes the parameters a lens names and prints the arguments in the header", () => {
    const lens = parseLensArguments({ uri: "file:///a.epic", entry: "greet", params: ["name", "p"], required: 1 });
    assert.deepEqual(lens, { uri: "file:///a.epic", entry: "greet", params: ["name", "p"], required: 1 });
    const odd = parseLensArguments({ uri: "file:///a.epic", entry: "f", params: ["a"], required: 9 });
    assert.equal(odd?.required, 1);
    assert.equal(runHeader("greet", "a.epic", "opportunistic", ["x", 1]), '▶ greet("x", 1) in a.epic (opportunistic)');
  });
});

describe("backend status", () => {
  const server: BackendInfo = {
    kind: "server",
    description: "OpenAI-compatible server http://127.0.0.1:8000/v1, model m, API key from editor settings",
    baseUrl: "http://127.0.0.1:8000/v1",
    model: "m",
    configFile: "/p/epic.toml",
  };

  it("names the model and host, or the local model", () => {
    assert.equal(backendLabel(server), "$(cloud) EPIC: m @ 127.0.0.1:8000");
    assert.equal(backendLabel({ ...server, model: null }), "$(cloud) EPIC: default model @ 127.0.0.1:8000");
    const local: BackendInfo = { kind: "local", description: "local model", baseUrl: null, model: null, configFile: null };
    assert.equal(backendLabel(local), "$(chip) EPIC: local SmolLM2");
    assert.match(backendLabel({ ...local, kind: "unusable" }), /no usable/);
    assert.match(backendTooltip(server), /API key from editor settings[\s\S]*\/p\/epic\.toml[\s\S]*test the connection/);
  });

  it("says whether the connection works, and how long it took", () => {
    assert.equal(connectionMessage({ ok: true, message: "reachable", seconds: 0.0421 }), "EPIC: connection OK: reachable (42 ms)");
    assert.equal(connectionMessage({ ok: false, message: "refused", seconds: 2.5 }), "EPIC: connection failed: refused (2.5 s)");
  });
});
