// The prelude (epic_lang/core/prelude.epic inside the installed package) opened read-only:
// go-to-definition on a prelude function answers with that file, and editing it would change
// every EPIC program of that Python. So its locations are turned into `epic-prelude:` URIs,
// served by a read-only text document provider from the same file.

import * as fs from "node:fs/promises";
import * as vscode from "vscode";
import type { Definition, DefinitionLink, Location, LocationLink } from "vscode";

export const PRELUDE_SCHEME = "epic-prelude";
const PRELUDE_SUFFIX = /[\\/]epic_lang[\\/]core[\\/]prelude\.epic$/;

/** The read-only URI of a prelude location's file; other URIs unchanged. */
export function readOnlyPrelude(uri: vscode.Uri): vscode.Uri {
  if (uri.scheme !== "file" || !PRELUDE_SUFFIX.test(uri.fsPath)) return uri;
  return vscode.Uri.from({ scheme: PRELUDE_SCHEME, path: "/prelude.epic", query: uri.fsPath });
}

/** A definition answer with prelude locations made read-only. */
export function withReadOnlyPrelude(
  found: Definition | DefinitionLink[] | null | undefined,
): Definition | DefinitionLink[] | null | undefined {
  if (!found) return found;
  const location = (item: Location): Location => new vscode.Location(readOnlyPrelude(item.uri), item.range);
  const link = (item: LocationLink): LocationLink => ({ ...item, targetUri: readOnlyPrelude(item.targetUri) });
  if (!Array.isArray(found)) return location(found);
  const items = found as (Location | LocationLink)[];
  if (items.every((item) => "targetUri" in item)) return (items as LocationLink[]).map(link);
  return (items as Location[]).map(location);
}

export class PreludeDocuments implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    if (!PRELUDE_SUFFIX.test(uri.query)) throw new Error(`not the EPIC prelude: ${uri.query}`);
    return fs.readFile(uri.query, "utf8");
  }
}
