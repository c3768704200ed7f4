#!/usr/bin/env bash
# Makes sure the report browser test has a Chromium, without apt-get: a system Chromium
# (/usr/bin/chromium) when one is installed, else the one the @sparticuz/chromium dev
# dependency ships, unpacked now into the temp dir (the test would unpack it on first use).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x /usr/bin/chromium ]; then
  echo "install-chromium: system $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
  exit 0
fi
path=$(node -e 'import("@sparticuz/chromium").then(async ({ default: c }) => { c.setGraphicsMode = false; console.log(await c.executablePath()); })')
echo "install-chromium: packaged Chromium from @sparticuz/chromium at $path"
