#!/bin/bash
# Copied from the workplace's shared tools so that a fresh checkout can set up the end-to-end test on its own.
# Installs code-server (real VS Code 1.100, served to a browser) into DIR without internet access
# beyond the package registries, for end-to-end tests of the extension in headless Chromium.
# Usage: code-server-setup.sh DIR      then: DIR/node_modules/.bin/code-server --help
# Steps that the stock `npm install code-server` cannot do here: its ripgrep package downloads a
# binary from the internet (Debian's ripgrep is put in its place), and its native modules need
# Debian headers and a global node-gyp. Takes about 3 minutes.
set -euo pipefail
DIR=${1:?usage: code-server-setup.sh DIR}
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q libkrb5-dev libxkbfile-dev libsecret-1-dev libx11-dev pkg-config ripgrep >/dev/null
command -v node-gyp >/dev/null || npm install -g node-gyp@12 >/dev/null
mkdir -p "$DIR" && cd "$DIR"
[ -f package.json ] || npm init -y >/dev/null
npm install --ignore-scripts --no-audit --no-fund code-server@4 >/dev/null
cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null
mkdir -p node_modules/@vscode/ripgrep/bin && cp /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg
npm_config_yes=true npm rebuild >/dev/null
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev --no-audit --no-fund >/dev/null)
cd "$DIR" && npm rebuild argon2 >/dev/null
"$DIR/node_modules/.bin/code-server" --version
# Seen working: `code-server --install-extension x.vsix`, then
# `code-server --auth none --bind-addr 127.0.0.1:PORT --disable-telemetry --disable-update-check FOLDER`,
# driven by playwright-core with executablePath /usr/bin/chromium (Debian package `chromium`):
# a "Yes, I trust the authors" dialog appears first; click it, then click the file in the explorer.
