# VolSync's controller (github.com/backube/volsync, package cmd) for the planned-move tests,
# built from the wrapper module in ../modules/volsync. Sourced by ../build.sh (see README.md).
VOLSYNC_VERSION=v0.14.0
volsync_bin="${bin_dir}/volsync-${VOLSYNC_VERSION}"
if [[ ! -x "${volsync_bin}" ]]; then
  (
    # One build at a time per cache, whatever else builds there.
    if command -v flock >/dev/null 2>&1; then
      exec 8>"${bin_dir}/.volsync.lock"
      flock 8
    fi
    if [[ ! -x "${volsync_bin}" ]]; then
      echo "build.sh: building VolSync ${VOLSYNC_VERSION} (a few minutes on a warm Go cache) ..." >&2
      started=$(date +%s)
      work="$(mktemp -d "${bin_dir}/.build-volsync.XXXXXX")"
      trap 'rm -rf "${work}"' EXIT
      (cd "${here}/modules/volsync" &&
        CGO_ENABLED=0 GOFLAGS="-mod=readonly -trimpath" nice -n 10 go build \
          -ldflags "-s -w -X main.volsyncVersion=${VOLSYNC_VERSION#v}" \
          -o "${work}/volsync" github.com/backube/volsync/cmd)
      mv "${work}/volsync" "${volsync_bin}"
      echo "build.sh: VolSync ${VOLSYNC_VERSION} built in $(($(date +%s) - started))s" >&2
    fi
  )
fi
