# Sourced by ../build.sh (see README.md here): builds Prometheus Alertmanager's cmd/alertmanager
# from its wrapper module (../modules/alertmanager) into ${bin_dir}/alertmanager-<version>.
# v0.31.1 is the newest release whose go.mod asks for Go 1.24 (v0.32+ need 1.25/1.26).
ALERTMANAGER_VERSION=v0.31.1
alertmanager_bin="${bin_dir}/alertmanager-${ALERTMANAGER_VERSION}"

if [[ ! -x "${alertmanager_bin}" ]]; then
  (
    set -euo pipefail
    # Our own lock: another worktree may be building the same binary into the same cache.
    exec 8>"${bin_dir}/.alertmanager.lock"
    if command -v flock >/dev/null 2>&1 && ! flock -n 8; then
      echo "build.sh: another build of alertmanager is running; waiting for it ..." >&2
      flock 8
    fi
    if [[ -x "${alertmanager_bin}" ]]; then exit 0; fi
    echo "build.sh: building alertmanager ${ALERTMANAGER_VERSION} (a few minutes when cold) ..." >&2
    am_tmp="$(mktemp -d "${bin_dir}/.build.XXXXXX")"
    trap 'rm -rf "${am_tmp}"' EXIT
    am_started=$(date +%s)
    (cd "${here}/modules/alertmanager" &&
      CGO_ENABLED=0 GOFLAGS="-mod=readonly -trimpath" nice -n 10 go build -ldflags "-s -w \
        -X github.com/prometheus/common/version.Version=${ALERTMANAGER_VERSION#v}" \
        -o "${am_tmp}/alertmanager" github.com/prometheus/alertmanager/cmd/alertmanager)
    mv "${am_tmp}/alertmanager" "${alertmanager_bin}"
    echo "build.sh: alertmanager ${ALERTMANAGER_VERSION} built in $(($(date +%s) - am_started))s" >&2
  )
fi
