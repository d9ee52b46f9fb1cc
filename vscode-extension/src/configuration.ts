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
      apiKey: resolveApiKey(secret, env),
    },
    trustedPython: workspaceTrusted,
  };
}
