#!/usr/bin/env bash
# Installs schemathesis (PyPI, pinned) into a virtualenv in the test cache, once; prints the path
# of its executable as the last line. Used by .ci/run and `npm run test:api-fuzz`.
#
#   FAILOVER_API_TEST_CACHE   cache root (default: $HOME/.cache/failover-api)
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5

cache_root="${FAILOVER_API_TEST_CACHE:-${HOME}/.cache/failover-api}"
venv="${cache_root}/schemathesis-${SCHEMATHESIS_VERSION}"
exe="${venv}/bin/schemathesis"

if [[ ! -e "${venv}/.complete" ]]; then
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -c "import venv, ensurepip" 2>/dev/null; then
    echo "install-schemathesis.sh: python3 with venv is missing (apt-get install python3 python3-venv)" >&2
    exit 1
  fi
  mkdir -p "${cache_root}"
  # One install at a time per cache (several worktrees may run the fuzzing at once).
  exec 9>"${cache_root}/.schemathesis.lock"
  flock 9
  if [[ ! -e "${venv}/.complete" ]]; then
    echo "install-schemathesis.sh: installing schemathesis ${SCHEMATHESIS_VERSION} into ${venv}" >&2
    rm -rf "${venv}"
    python3 -m venv "${venv}"
    "${venv}/bin/pip" install --quiet --disable-pip-version-check "schemathesis==${SCHEMATHESIS_VERSION}"
    touch "${venv}/.complete"
  fi
fi
"${exe}" --version >&2
echo "${exe}"
