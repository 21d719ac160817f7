#!/usr/bin/env bash
# Sourced by test.sh: makes what the console's browser tests need available on a fresh Debian 12
# machine. Debian's chromium at /usr/bin/chromium (installed with apt-get, as root, when missing)
# and the npm packages of package-lock.json (npm ci: axe-core for the accessibility checks, htmx
# for the vendored copy's check). Fails loudly, saying why, when it cannot: under CI=true the
# browser tests fail without them rather than skip.

CHROMIUM=${CALLDESK_CHROMIUM:-/usr/bin/chromium}

browser_setup() {
  if [ -x "$CHROMIUM" ]; then
    echo "browser: using $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null | head -1))"
  else
    echo "browser: no $CHROMIUM: installing Debian's chromium"
    if [ "$(id -u)" != 0 ]; then
      echo "browser: FAILED: installing chromium needs root (apt-get install -y chromium); the browser tests cannot run without it" >&2
      return 1
    fi
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null) || {
      echo "browser: FAILED: apt-get install chromium did not work; the browser tests cannot run without it" >&2
      return 1
    }
    [ -x "$CHROMIUM" ] || { echo "browser: FAILED: apt-get installed chromium but $CHROMIUM is missing" >&2; return 1; }
    echo "browser: installed $("$CHROMIUM" --version 2>/dev/null | head -1)"
  fi
  # npm ci whenever node_modules is missing or older than the lockfile (it replaces node_modules
  # with exactly what package-lock.json pins).
  if [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -f node_modules/htmx.org/dist/htmx.min.js ] ||
     [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "browser: FAILED: npm is missing, so the npm packages of package-lock.json (axe-core, htmx.org) cannot be installed" >&2
      return 1
    fi
    echo "browser: npm ci (package-lock.json: axe-core, htmx.org)"
    npm ci --no-audit --no-fund --loglevel=error || {
      echo "browser: FAILED: npm ci did not work; the accessibility checks need node_modules/axe-core" >&2
      return 1
    }
  fi
  [ -f node_modules/axe-core/axe.min.js ] || { echo "browser: FAILED: npm ci left no node_modules/axe-core/axe.min.js" >&2; return 1; }
  echo "browser: axe-core $(node -p 'require("./node_modules/axe-core/package.json").version' 2>/dev/null || echo '?') in node_modules"
}
