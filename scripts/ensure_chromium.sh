#!/bin/sh
# Make sure Debian's headless-capable Chromium is installed for tests/test_browser.py.
#
# In: nothing. Out: /usr/bin/chromium (installed with apt-get when missing).
# Used by: `make test` (before pytest). Always exits 0: where Chromium cannot be
# installed (not root, no apt-get, no network) it says so loudly, and the browser
# test then skips with the same reason instead of failing the whole suite.
set -u

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

warn() {
    echo "" >&2
    echo "!!! ensure_chromium: $*" >&2
    echo "!!! tests/test_browser.py will be SKIPPED: the shared report is not checked in a browser." >&2
    echo "!!! Install it yourself with: sudo apt-get update && sudo apt-get install -y chromium" >&2
    echo "" >&2
}

if ! command -v apt-get >/dev/null 2>&1; then
    warn "$CHROMIUM is missing and this system has no apt-get (not Debian/Ubuntu)."
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    warn "$CHROMIUM is missing and installing it needs root (running as uid $(id -u))."
    exit 0
fi

echo "ensure_chromium: installing Debian's chromium package (apt-get) ..." >&2
if DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 \
   && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >&2; then
    if [ -x "$CHROMIUM" ]; then
        echo "ensure_chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium) installed" >&2
        exit 0
    fi
    warn "apt-get reported success but $CHROMIUM is still missing."
    exit 0
fi
warn "apt-get could not install chromium (no network or no package source?)."
exit 0
