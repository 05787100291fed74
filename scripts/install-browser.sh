#!/usr/bin/env bash
# Headless Chromium for the web UI's browser tests (tests/web/test_browser.py).
# Debian's own package: nothing is downloaded from outside the package archive
# (never `playwright install`). Idempotent; Playwright itself comes from PyPI
# with the test extra.
set -euo pipefail

PACKAGES="chromium fonts-noto-cjk"  # CJK fonts so the pages (and screenshots) show Chinese, not boxes
missing=""
for package in $PACKAGES; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -z "$missing" ] && [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser.sh: apt-get not found; install Chromium at /usr/bin/chromium (or set FAPIAO_CHROMIUM)" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
