# shellcheck shell=bash
# Shared helpers for the scripts in script/: locate the repo and run commands with Python 3.14.
#
# Home Assistant 2026.x needs Python >= 3.14.2. When the host has one on PATH it is used
# directly. Otherwise script/setup provisions a minimal Debian sid root that ships one, and
# every project command runs inside that root, with the checkout bind-mounted at the same
# path so that paths agree inside and out.

set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${XDG_CACHE_HOME:-${HOME:+${HOME}/.cache}}"
PY_ROOT="${MASSAGE_PY_ROOT:-${CACHE_DIR:-/var/cache}/massage-ha/py314-root}"
MIN_PYTHON="3.14.2"

log() { printf '==> %s\n' "$*" >&2; }

# The Home Assistant release a requirements file pins.
pinned_release() {
  sed -n 's/^homeassistant==\([^[:space:]#]*\).*/\1/p' "$1"
}

# Every tested release, newest first: the newest from requirements_test.txt, the
# others from their requirements_test_RELEASE.txt.
tested_releases() {
  local file
  pinned_release "${REPO_DIR}/requirements_test.txt"
  for file in "${REPO_DIR}"/requirements_test_*.txt; do
    [ -f "${file}" ] && pinned_release "${file}"
  done | sort -t. -k1,1nr -k2,2nr -k3,3nr
}

# Chooses the Home Assistant release to work with (empty: the newest). The newest
# lives in .venv and is installed from requirements_test.txt; any other release in
# .venv-haRELEASE, from requirements_test_RELEASE.txt. MASSAGE_HA carries the choice
# on to the scripts this one calls.
use_release() {
  local release="$1" file
  if [ -z "${release}" ] || [ "${release}" = "$(pinned_release "${REPO_DIR}/requirements_test.txt")" ]; then
    VENV_DIR="${REPO_DIR}/.venv"
    REQUIREMENTS_FILE="${REPO_DIR}/requirements_test.txt"
    export MASSAGE_HA=""
    return 0
  fi
  file="${REPO_DIR}/requirements_test_${release}.txt"
  if [ ! -f "${file}" ] || [ "$(pinned_release "${file}")" != "${release}" ]; then
    log "Home Assistant ${release} is not one of the tested releases: $(tested_releases | tr '\n' ' ')"
    exit 2
  fi
  VENV_DIR="${REPO_DIR}/.venv-ha${release}"
  REQUIREMENTS_FILE="${file}"
  export MASSAGE_HA="${release}"
}

# Takes a leading `--ha RELEASE` (or `--ha=RELEASE`) from a script's arguments, and
# sets RELEASE_ARGS to how many arguments it took, for the script to shift.
take_release_option() {
  RELEASE_ARGS=0
  case "${1:-}" in
    --ha)
      [ -n "${2:-}" ] || {
        log "--ha needs a release, one of: $(tested_releases | tr '\n' ' ')"
        exit 2
      }
      use_release "$2"
      RELEASE_ARGS=2
      ;;
    --ha=*)
      use_release "${1#--ha=}"
      RELEASE_ARGS=1
      ;;
  esac
}

use_release "${MASSAGE_HA:-}"

# Prints the path of a host python3.14 that is new enough, or nothing.
host_python() {
  local candidate
  candidate="$(command -v python3.14 || true)"
  [ -n "${candidate}" ] || return 0
  if "${candidate}" -c "import sys; sys.exit(sys.version_info < (3, 14, 2))" 2>/dev/null; then
    printf '%s\n' "${candidate}"
  fi
}

# True when commands must run inside the provisioned root.
use_root() {
  [ -z "$(host_python)" ]
}

# Mounts what the root needs (idempotent): proc, dev, and the checkout at its own path.
mount_root() {
  mkdir -p "${PY_ROOT}/proc" "${PY_ROOT}/dev" "${PY_ROOT}${REPO_DIR}"
  mountpoint -q "${PY_ROOT}/proc" || mount -t proc proc "${PY_ROOT}/proc"
  if ! mountpoint -q "${PY_ROOT}/dev"; then
    mount --rbind /dev "${PY_ROOT}/dev"
    mount --make-rslave "${PY_ROOT}/dev"
  fi
  # A checkout deleted and cloned again at the same path leaves a stale bind mount.
  if mountpoint -q "${PY_ROOT}${REPO_DIR}" &&
    [ "$(stat -c %d:%i "${REPO_DIR}")" != "$(stat -c %d:%i "${PY_ROOT}${REPO_DIR}")" ]; then
    umount -l "${PY_ROOT}${REPO_DIR}"
  fi
  mountpoint -q "${PY_ROOT}${REPO_DIR}" || mount --bind "${REPO_DIR}" "${PY_ROOT}${REPO_DIR}"
  cp /etc/resolv.conf "${PY_ROOT}/etc/resolv.conf"
  mkdir -p "${PY_ROOT}/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "${PY_ROOT}/etc/ssl/certs/ca-certificates.crt"
}

# Unmounts everything below the root, deepest first, so that nothing outside it
# (the checkout, /dev) can ever be reached through it by a removal.
unmount_root() {
  local target
  awk -v root="${PY_ROOT}" '$2 == root || index($2, root "/") == 1 {print $2}' \
    /proc/mounts | sort -r |
    while read -r target; do
      umount -l "${target}" 2>/dev/null || true
    done
}

# Runs a command in the project's environment, with the venv first on PATH.
in_env() {
  if use_root; then
    mount_root
    local -a passthrough=()
    local name
    for name in $(compgen -e); do
      case "${name}" in
        PIP_FIND_LINKS | PATH | HOME | PWD | OLDPWD | SHLVL | _) ;;
        PIP_* | CI | TERM | PYTEST_ADDOPTS | MASSAGE_* | COLUMNS | FORCE_COLOR | NO_COLOR)
          passthrough+=("${name}=${!name}")
          ;;
      esac
    done
    chroot "${PY_ROOT}" /usr/bin/env -i \
      HOME=/root LANG=C.UTF-8 \
      PATH="${VENV_DIR}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
      ${passthrough[@]+"${passthrough[@]}"} \
      /bin/bash -c 'cd "$0" && exec "$@"' "${PWD}" "$@"
  else
    PATH="${VENV_DIR}/bin:${PATH}" "$@"
  fi
}
