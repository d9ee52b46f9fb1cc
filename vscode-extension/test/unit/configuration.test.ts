import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveApiKey, serverConfiguration } from "../../src/configuration";

describe("settings to server configuration", () => {
  it("passes the LLM settings and the workspace trust", () => {
    const got = serverConfiguration(
      { baseUrl: "http://127.0.0.1:8080/v1", model: "smol" },
      "sk-secret",
      {},
      true,
    );
    assert.deepEqual(got, {
      llm: { baseUrl: "http://127.0.0.1:8080/v1", model: "smol", apiKey: "sk-secret" },
      trustedPython: true,
    });
  });

  it("sends blank settings as null", () => {
    const got = serverConfiguration({ baseUrl: "  ", model: "" }, undefined, {}, false);
    assert.deepEqual(got, { llm: { baseUrl: null, model: null, apiKey: null }, trustedPython: false });
  });

  it("reads the key from secret storage first, then the environment", () => {
    assert.equal(resolveApiKey("from-secret", { EPIC_LLM_API_KEY: "from-env" }), "from-secret");
    assert.equal(resolveApiKey(undefined, { EPIC_LLM_API_KEY: "epic", OPENAI_API_KEY: "openai" }), "epic");
    assert.equal(resolveApiKey("", { OPENAI_API_KEY: "openai" }), "openai");
    assert.equal(resolveApiKey(undefined, {}), null);
  });

  it("sends no key from a workspace that is not trusted", () => {
    const got = serverConfiguration({ baseUrl: null }, "sk-secret", { EPIC_LLM_API_KEY: "from-env" }, false);
    assert.equal(got.llm.apiKey, null);
    assert.equal(got.trustedPython, false);
  });

  it("never takes the key from plain settings", () => {
    const settings = { baseUrl: "http://x/v1", apiKey: "sk-in-settings" } as { baseUrl: string };
    assert.equal(serverConfiguration(settings, undefined, {}, true).llm.apiKey, null);
  });
});
