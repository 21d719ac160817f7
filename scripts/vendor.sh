#!/usr/bin/env bash
# Installs the front-end packages pinned in package-lock.json (npm ci) and copies htmx into the
# console's embedded static files. Run it after changing the htmx version in package.json
# (npm install htmx.org@2.0.x --save-exact), then commit the lockfile and the copied file.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error
cp node_modules/htmx.org/dist/htmx.min.js internal/web/console/static/htmx.min.js
echo "vendored htmx $(node -p 'require("./node_modules/htmx.org/package.json").version') into internal/web/console/static/"
