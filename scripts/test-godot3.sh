#!/usr/bin/env bash
# The real-Godot interop tests (test/godot3): a headless Godot 3 engine with the official WebRTC
# plugin joins lobbies of our signaling server. Needs Debian's godot3-server (installed here with
# apt-get when missing, as scripts/test.sh installs chromium) and the plugin's webrtc/ folder
# (GODOT3_WEBRTC_DIR, else ../shared/godot3/webrtc from the project root; see its README).
# Fails, never skips, when either is missing. Expects `npm ci` to have run (scripts/test.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."

GODOT3_BIN="${GODOT3_BIN:-$(command -v godot3-server || true)}"
if [ -z "$GODOT3_BIN" ]; then
  echo "godot3-server is missing: installing Debian's godot3-server" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  if ! { $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends godot3-server; }; then
    echo "FAIL: godot3-server is not installed and apt-get could not install it (set GODOT3_BIN to the engine)" >&2
    exit 1
  fi
  GODOT3_BIN="$(command -v godot3-server || true)"
fi
if [ -z "$GODOT3_BIN" ] || [ ! -x "$GODOT3_BIN" ]; then
  echo "FAIL: no godot3-server executable (GODOT3_BIN='${GODOT3_BIN}')" >&2
  exit 1
fi
export GODOT3_BIN
# Godot 3.2 exits with 255 after printing its version.
GODOT3_VERSION="$("$GODOT3_BIN" --version 2>/dev/null || true)"
if [ -z "$GODOT3_VERSION" ]; then
  echo "FAIL: $GODOT3_BIN --version printed nothing: not a working Godot engine" >&2
  exit 1
fi
echo "Godot: $GODOT3_BIN $GODOT3_VERSION"

GODOT3_WEBRTC_DIR="$(realpath -m "${GODOT3_WEBRTC_DIR:-../shared/godot3/webrtc}")"
PLUGIN_LIBRARY="lib/libwebrtc_native.linux.template_release.x86_64.so"
for file in webrtc.tres webrtc.gdnlib "$PLUGIN_LIBRARY"; do
  if [ ! -f "$GODOT3_WEBRTC_DIR/$file" ]; then
    echo "FAIL: the Godot 3 WebRTC plugin is not at $GODOT3_WEBRTC_DIR ($file is missing);" \
      "set GODOT3_WEBRTC_DIR to its webrtc/ folder (godotengine/webrtc-native 1.1.1, GDNative, linux x86_64)" >&2
    exit 1
  fi
done
export GODOT3_WEBRTC_DIR
echo "WebRTC plugin: $GODOT3_WEBRTC_DIR"

if [ ! -d node_modules ]; then npm ci; fi
npx vitest run --config vitest.godot3.config.ts "$@"
