#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (tests/browser), once.
#
# Playwright's own browser download cannot work on machines without general network
# access, so the tests drive /usr/bin/chromium from apt instead. Idempotent: when
# Chromium is already there this only prints its version.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ ! -x "$CHROMIUM" ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    echo "Installing Debian's chromium (apt)..."
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# (Debian's launcher script prints a harmless shell warning on stderr: hide it.)
"$CHROMIUM" --version 2>/dev/null
