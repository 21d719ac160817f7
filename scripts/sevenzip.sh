#!/usr/bin/env bash
# Sourced by test.sh: makes 7-Zip available to the privacy package's test of the AES-encrypted
# SAR archive (a real tool must open it with the passphrase and refuse it without). Installs
# Debian's 7zip (the 7zz command; as root, non-interactively) where neither 7zz nor 7z is on the
# PATH. Fails loudly, saying why, when it cannot: under CI=true that test then fails rather than
# skips.

sevenzip_setup() {
  if command -v 7zz >/dev/null 2>&1 || command -v 7z >/dev/null 2>&1; then
    return 0
  fi
  echo "7zip: no 7zz or 7z: installing Debian's 7zip"
  if [ "$(id -u)" != 0 ]; then
    echo "7zip: FAILED: installing 7zip needs root (apt-get install -y 7zip); the encrypted archive test cannot run without it" >&2
    return 1
  fi
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends 7zip >/dev/null 2>&1 ||
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends 7zip >/dev/null)) || {
    echo "7zip: FAILED: apt-get install 7zip did not work; the encrypted archive test cannot run without it" >&2
    return 1
  }
  command -v 7zz >/dev/null 2>&1 || { echo "7zip: FAILED: apt-get installed 7zip but there is no 7zz command" >&2; return 1; }
  echo "7zip: installed $(dpkg-query -W -f='${Package} ${Version}' 7zip)"
}
