#!/usr/bin/env bash
# Sourced by test.sh: makes what the console's browser tests need available on a fresh Debian 12
# machine. Debian's chromium at /usr/bin/chromium (installed with apt-get, as root, when missing)
# and the npm packages of package-lock.json (npm ci: axe-core for the accessibility checks, htmx
# for the vendored copy's check). Fails loudly, saying why, when it cannot: under CI=true the
# browser tests fail without them rather than skip.

CHROMIUM=${CALLDESK_CHROMIUM:-/usr/bin/chromium}

# lockfile_fetch installs into node_modules exactly the packages package-lock.json pins (a
# flat lockfile of registry packages, as this project's is): each package's tarball from
# registry.npmjs.org, refused unless its sha512 matches the lockfile's integrity.
lockfile_fetch() {
  local registry=${NPM_CONFIG_REGISTRY:-https://registry.npmjs.org}
  local list
  list=$(node -e '
    const lock = require("./package-lock.json");
    for (const [path, p] of Object.entries(lock.packages || {})) {
      if (!path.startsWith("node_modules/")) continue;
      const name = path.slice("node_modules/".length);
      if (name.includes("node_modules/") || !p.version || !(p.integrity || "").startsWith("sha512-")) {
        console.error("browser: package-lock.json entry " + path + " is not a plain registry package"); process.exit(1);
      }
      console.log(name + " " + p.version + " " + p.integrity.slice(7));
    }') || { echo "browser: FAILED: could not read package-lock.json with node" >&2; return 1; }
  local tmp name version want got
  tmp=$(mktemp -d)
  rm -rf node_modules && mkdir -p node_modules
  while read -r name version want; do
    [ -n "$name" ] || continue
    if ! curl -fsSL --retry 2 -o "$tmp/p.tgz" "$registry/$name/-/${name##*/}-$version.tgz"; then
      echo "browser: FAILED: could not download $name $version from $registry" >&2; rm -rf "$tmp"; return 1
    fi
    got=$(openssl dgst -sha512 -binary "$tmp/p.tgz" | base64 -w0)
    if [ "$got" != "$want" ]; then
      echo "browser: FAILED: $name $version from $registry does not match package-lock.json's integrity" >&2; rm -rf "$tmp"; return 1
    fi
    mkdir -p "node_modules/$name" && tar -xzf "$tmp/p.tgz" -C "node_modules/$name" --strip-components=1 || {
      echo "browser: FAILED: could not unpack $name $version" >&2; rm -rf "$tmp"; return 1
    }
    echo "browser: $name $version (integrity checked)"
  done <<< "$list"
  rm -rf "$tmp"
  cp package-lock.json node_modules/.package-lock.json
}

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
    if command -v npm >/dev/null 2>&1; then
      echo "browser: npm ci (package-lock.json: axe-core, htmx.org)"
      npm ci --no-audit --no-fund --loglevel=error || {
        echo "browser: FAILED: npm ci did not work; the accessibility checks need node_modules/axe-core" >&2
        return 1
      }
    else
      # A machine whose npm is broken (seen here: the npm upgrade run at start-up left
      # /usr/lib/node_modules/npm half-written and no npm command) still has node and the
      # registry: fetch what package-lock.json pins, as npm ci would, each tarball checked
      # against the lockfile's integrity.
      echo "browser: npm is missing: fetching the packages of package-lock.json from the npm registry"
      lockfile_fetch || return 1
    fi
  fi
  [ -f node_modules/axe-core/axe.min.js ] || { echo "browser: FAILED: npm ci left no node_modules/axe-core/axe.min.js" >&2; return 1; }
  echo "browser: axe-core $(node -p 'require("./node_modules/axe-core/package.json").version' 2>/dev/null || echo '?') in node_modules"
}
