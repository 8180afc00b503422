#!/usr/bin/env bash
# Install the system packages CI needs (Debian 12):
#   postgresql          server binaries for scripts/with-postgres.mjs
#   chromium            headless browser for browser tests
#   fonts-dejavu-core   a font, so headless Chromium renders text
#   build-essential, python3
#                       toolchain for node-gyp: better-sqlite3's prebuilt
#                       binaries come from GitHub, which CI can't reach, so its
#                       install script falls back to compiling from source
#
# Idempotent: does nothing when everything is already present.
# Set CI_APT_FORCE=1 to run apt-get even so.
set -euo pipefail

PACKAGES=(postgresql chromium fonts-dejavu-core build-essential python3)

have_all() {
  compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null \
    && [ -x /usr/bin/chromium ] \
    && command -v make >/dev/null \
    && command -v g++ >/dev/null \
    && command -v python3 >/dev/null
}

if [ "${CI_APT_FORCE:-}" != 1 ] && have_all; then
  echo "ci-apt: postgresql, chromium and build tools already installed; nothing to do"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then
    SUDO=(sudo -n)
  else
    echo "ci-apt: error: must run as root (or have sudo) to install: ${PACKAGES[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-q -y -o Dpkg::Use-Pty=0 -o Acquire::Retries=3 -o DPkg::Lock::Timeout=300)

LOG="$(mktemp -t ci-apt.XXXXXX.log)"
trap 'rm -f "$LOG"' EXIT

# retry <attempts> <command...>: stdout goes to $LOG (shown on failure),
# stderr stays visible.
retry() {
  local attempts=$1 n=1
  shift
  while :; do
    if "$@" >"$LOG"; then
      return 0
    fi
    if [ "$n" -ge "$attempts" ]; then
      echo "ci-apt: error: '$*' failed after $n attempt(s); last output:" >&2
      tail -n 50 "$LOG" >&2
      return 1
    fi
    echo "ci-apt: '$*' failed (attempt $n/$attempts), retrying in $((n * 10))s" >&2
    sleep $((n * 10))
    n=$((n + 1))
  done
}

echo "ci-apt: apt-get update"
retry 3 "${SUDO[@]}" apt-get "${APT_OPTS[@]}" update

# On failure, refresh the package lists before the next attempt (a mirror may
# have moved on since the first update).
install_packages() {
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${APT_OPTS[@]}" install --no-install-recommends "${PACKAGES[@]}" && return 0
  "${SUDO[@]}" apt-get "${APT_OPTS[@]}" update || true
  return 1
}

echo "ci-apt: apt-get install ${PACKAGES[*]}"
retry 3 install_packages

if ! have_all; then
  echo "ci-apt: error: packages installed but postgres/chromium/build tools still missing" >&2
  exit 1
fi
echo "ci-apt: installed; PostgreSQL: $(ls -d /usr/lib/postgresql/*/bin/postgres | tr '\n' ' ')chromium: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
