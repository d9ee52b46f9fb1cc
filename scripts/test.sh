#!/usr/bin/env bash
# Runs the whole test suite, installing first what a clean checkout lacks (CI calls this).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
EPIC_INSTALL_QUIET=1 bash scripts/install.sh
$PY -m ruff check epic_lang lsp_server tests bench
$PY -m ruff format --check epic_lang lsp_server tests bench
$PY -m mypy
$PY -m epic_lang fmt --check examples epic_lang/core/prelude.epic
if [ -f vscode-extension/package.json ]; then
    (cd vscode-extension && npm test --silent)
fi
code_server=${EPIC_TOOLS_DIR:-$HOME/.cache/epic-tools}/code-server/node_modules/.bin/code-server
if [ -z "${EPIC_CODE_SERVER:-}" ] && [ -x "$code_server" ]; then
    export EPIC_CODE_SERVER=$code_server
fi
$PY -m pytest -q "$@"
