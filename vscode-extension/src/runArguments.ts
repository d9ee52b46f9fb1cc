// The arguments of a run of a function with parameters: typed by the user as a JSON array,
// checked here against the parameters its lens names (the server checks them again).

export type ParsedArguments = { args: unknown[] } | { error: string };

/** An example of the expected input, for the input box's placeholder. */
export function argumentsPlaceholder(params: string[]): string {
  return `[${params.map((p) => `<${p}>`).join(", ")}]  (a JSON array, e.g. ["text", 3, {"k": true}])`;
}

/** The user's text as arguments, or why it cannot be. */
export function parseRunArguments(text: string, params: string[], required: number): ParsedArguments {
  let value: unknown;
  try {
    value = JSON.parse(text.trim() === "" ? "[]" : text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { error: `Not JSON: ${detail}` };
  }
  if (!Array.isArray(value)) {
    return { error: `Give the arguments as a JSON array, one value per parameter: [${params.join(", ")}]` };
  }
  if (value.length < required || value.length > params.length) {
    const bound = value.length < required ? required : params.length;
    const expected = required === params.length ? `${bound}` : `${value.length < required ? "at least" : "at most"} ${bound}`;
    return { error: `${expected} argument${bound === 1 ? "" : "s"} expected (${params.join(", ")}), got ${value.length}` };
  }
  return { args: value };
}

/** Where the last arguments of a function are remembered (per workspace, in workspaceState). */
export function argumentsKey(uri: string, entry: string): string {
  return `epic.runArguments:${uri}#${entry}`;
}
