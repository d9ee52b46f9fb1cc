// Asks the Python extension (ms-python.python), when installed, which interpreter it selected.

import * as vscode from "vscode";

interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
  };
  settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined };
  };
}

export async function pythonExtensionInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonApi>("ms-python.python");
  if (!extension) return undefined;
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    const active = api?.environments?.getActiveEnvironmentPath(resource)?.path;
    if (active) return active;
    return api?.settings?.getExecutionDetails(resource)?.execCommand?.[0];
  } catch {
    // A broken or old Python extension must not keep EPIC from starting with its default.
    return undefined;
  }
}
