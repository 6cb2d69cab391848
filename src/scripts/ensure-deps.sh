#!/usr/bin/env bash
# Install the Debian packages that building and testing convert need.
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -euo pipefail

# One package per line, with the reason, so areas can add their own.
packages=(
  make gcc pkg-config          # build
  postgresql-15                # the server the tests start
  postgresql-server-dev-15     # PGXS, server headers (pulls clang for bitcode)
  libjson-c-dev                # JSON in src/core
  libmicrohttpd-dev            # convert-proxy: the HTTP server
  libpq-dev                    # convert-proxy: the PostgreSQL client
  zlib1g-dev                   # convert-proxy: gzip responses
  libpcre2-dev                 # rules: JavaScript regular expressions (regexMatches)
  libicu-dev                   # rules: JavaScript toLowerCase / case-insensitive matching
)

# Node.js and npm run the official SDK in the compatibility tests; any
# installation will do (Debian's packages when there is none).
node_packages=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=("${node_packages[@]}")
fi

[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
  echo "ensure-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "ensure-deps: missing Debian packages: ${missing[*]}" >&2
  echo "ensure-deps: run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
