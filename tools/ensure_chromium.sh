#!/usr/bin/env bash
# The browser tests drive Debian's chromium (no browser download). Install it when it is missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "folioviz: installing Debian's chromium for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "folioviz: the browser tests need chromium at /usr/bin/chromium." >&2
echo "  On Debian or Ubuntu: sudo apt-get install chromium   (then run 'make test' again)" >&2
exit 1
