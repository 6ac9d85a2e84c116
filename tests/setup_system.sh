#!/usr/bin/env bash
# System packages the tests need; idempotent and quiet. Run by `make test` before pytest.
set -euo pipefail

# Browser test (tests/test_ui_browser.py): Debian's chromium and CJK fonts so the page renders Chinese.
if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/noto ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    log=$(mktemp)
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk; } >"$log" 2>&1; then
      cat "$log" >&2
    fi
    rm -f "$log"
  else
    echo "setup_system.sh: chromium / fonts-noto-cjk missing and cannot apt-get; the browser test will be skipped" >&2
  fi
fi
