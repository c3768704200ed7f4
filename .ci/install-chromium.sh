#!/usr/bin/env bash
# Installs Debian's Chromium for the report browser test when it is missing.
# Playwright cannot download its own browser here, so the test drives /usr/bin/chromium.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "install-chromium: $("$CHROMIUM" --version) already installed"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt_get() {
  if [ "$(id -u)" -eq 0 ]; then apt-get "$@"; else sudo apt-get "$@"; fi
}
apt_get update -qq
apt_get install -y -qq --no-install-recommends chromium fonts-liberation

if [ ! -x "$CHROMIUM" ]; then
  echo "install-chromium: apt-get finished but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "install-chromium: $("$CHROMIUM" --version)"
