// What the extension answers when the server asks `workspace/configuration` for `epic`.

import type { ServerConfiguration } from "./protocol";

export interface LlmSettings {
  baseUrl?: string | null;
  model?: string | null;
}

/** Environment variables that may hold the key, in order of preference. */
export const API_KEY_ENV = ["EPIC_LLM_API_KEY", "OPENAI_API_KEY"];

/** The key under which VS Code's SecretStorage keeps the API key. */
export const API_KEY_SECRET = "epic.llm.apiKey";

function blankToNull(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

/** The stored secret wins over the editor's environment; plain settings are never read for it. */
export function resolveApiKey(secret: string | undefined, env: Record<string, string | undefined>): string | null {
  const stored = blankToNull(secret);
  if (stored) return stored;
  for (const name of API_KEY_ENV) {
    const value = blankToNull(env[name]);
    if (value) return value;
  }
  return null;
}

/**
 * The key is sent only from a trusted workspace: an untrusted one may have chosen where runs
 * go (epic.toml), and the server refuses keys there too (epic_lang/llm/credentials.py).
 * `baseUrl` is an application-scoped setting (package.json), read from User settings only, so a
 * workspace's `.vscode/settings.json` cannot redirect the user's key either; unlike a
 * machine-scoped one, a remote window (code-server) reads it from User settings too.
 */
export function serverConfiguration(
  settings: LlmSettings,
  secret: string | undefined,
  env: Record<string, string | undefined>,
  workspaceTrusted: boolean,
): ServerConfiguration {
  return {
    llm: {
      baseUrl: blankToNull(settings.baseUrl),
      model: blankToNull(settings.model),
      apiKey: workspaceTrusted ? resolveApiKey(secret, env) : null,
    },
    trustedPython: workspaceTrusted,
  };
}
