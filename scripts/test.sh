#!/usr/bin/env bash
# The README's test command: on a fresh Debian machine, installs what the tests need that npm does
# not (Debian's Chromium, for the browser tests: nothing is downloaded but the Debian package), then
# installs the npm packages and runs every test. .ci/run runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
node --version
npm --version
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends chromium
fi
/usr/bin/chromium --version
npm ci && npm test
