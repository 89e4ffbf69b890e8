# Sourced by ../build.sh (see README.md here): builds Flux's source-controller,
# kustomize-controller and helm-controller from their wrapper module (../modules/flux) into
# ${bin_dir}/<controller>-<version>. The versions are the Flux v2.7 set; keep them equal to the
# requires in ../modules/flux/go.mod and to CRD_SOURCES in ../control-plane.ts (the cluster test
# flux-controllers.test.ts checks all three agree).
FLUX_SOURCE_CONTROLLER_VERSION=v1.7.3
FLUX_KUSTOMIZE_CONTROLLER_VERSION=v1.7.3
FLUX_HELM_CONTROLLER_VERSION=v1.4.3

flux_missing=()
for flux_entry in "source-controller ${FLUX_SOURCE_CONTROLLER_VERSION}" \
  "kustomize-controller ${FLUX_KUSTOMIZE_CONTROLLER_VERSION}" \
  "helm-controller ${FLUX_HELM_CONTROLLER_VERSION}"; do
  [[ -x "${bin_dir}/${flux_entry% *}-${flux_entry#* }" ]] || flux_missing+=("${flux_entry}")
done

if ((${#flux_missing[@]} > 0)); then
  (
    set -euo pipefail
    if ! command -v go >/dev/null 2>&1; then
      echo "build.sh: 'go' not found on PATH; the story tests build Flux's controllers from source (Go >= 1.25)." >&2
      exit 1
    fi
    flux_go_minor="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
    if [[ "${flux_go_minor}" =~ ^[0-9]+$ ]] && ((flux_go_minor < 25)); then
      echo "build.sh: the Flux controllers (v2.7) need Go >= 1.25; $(go env GOVERSION) is too old: https://go.dev/dl/" >&2
      exit 1
    fi
    # Our own lock: another worktree may be building the same binaries into the same cache.
    exec 7>"${bin_dir}/.flux.lock"
    if command -v flock >/dev/null 2>&1 && ! flock -n 7; then
      echo "build.sh: another build of the Flux controllers is running; waiting for it ..." >&2
      flock 7
    fi
    flux_tmp="$(mktemp -d "${bin_dir}/.build.XXXXXX")"
    trap 'rm -rf "${flux_tmp}"' EXIT
    flux_started=$(date +%s)
    flux_packages=()
    for flux_entry in "${flux_missing[@]}"; do
      # The other build may have finished them while we waited for the lock.
      [[ -x "${bin_dir}/${flux_entry% *}-${flux_entry#* }" ]] || flux_packages+=("github.com/fluxcd/${flux_entry% *}")
    done
    if ((${#flux_packages[@]} == 0)); then exit 0; fi
    echo "build.sh: building ${flux_packages[*]##*/} (about 10 min when cold on 2 cores) ..." >&2
    # One `go build` for all three: they share most of their dependency graph. Upstream's
    # Dockerfiles build the same way: CGO_ENABLED=0, -trimpath, no version stamping.
    (cd "${here}/modules/flux" &&
      CGO_ENABLED=0 GOFLAGS="-mod=readonly -trimpath" nice -n 10 go build -ldflags "-s -w" \
        -o "${flux_tmp}/" "${flux_packages[@]}")
    for flux_entry in "${flux_missing[@]}"; do
      flux_name="${flux_entry% *}"
      if [[ -x "${flux_tmp}/${flux_name}" ]]; then mv "${flux_tmp}/${flux_name}" "${bin_dir}/${flux_name}-${flux_entry#* }"; fi
    done
    echo "build.sh: Flux controllers built in $(($(date +%s) - flux_started))s" >&2
  )
fi
unset flux_missing flux_entry
