#!/usr/bin/env bash
# Builds the test control-plane binaries (kube-apiserver, kube-controller-manager,
# kube-scheduler from k8s.io/kubernetes, and kwok) into a cache directory outside the
# repository, keyed by version. Does nothing when the binaries are already there.
#
#   FAILOVER_API_TEST_CACHE   cache root (default: $HOME/.cache/failover-api)
#
# Further components (Flux controllers, VolSync, Alertmanager, ...) each have a script in
# components/ that is sourced after the Kubernetes binaries exist. A component script builds
# its binaries into "${bin_dir}/<name>-<version>" (the kwok convention below), from its own
# wrapper module under modules/<name>/, and returns at once when they are already there.
#
# Prints the binary directory as the last line of stdout.
set -euo pipefail

K8S_VERSION=v1.34.4
KWOK_VERSION=v0.7.0

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${FAILOVER_API_TEST_CACHE:-${HOME}/.cache/failover-api}"
bin_dir="${cache_root}/k8s-${K8S_VERSION}/bin"
components=(kube-apiserver kube-controller-manager kube-scheduler)
kwok_bin="${bin_dir}/kwok-${KWOK_VERSION}"

have_all=1
for c in "${components[@]}"; do
  [[ -x "${bin_dir}/${c}" ]] || have_all=0
done
[[ -x "${kwok_bin}" ]] || have_all=0
build_components() {
  local script
  for script in "${here}"/components/*.sh; do
    [[ -e "${script}" ]] || continue
    # shellcheck source=/dev/null
    source "${script}"
  done
}

if [[ "${have_all}" == 1 ]]; then
  build_components
  echo "${bin_dir}"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: 'go' not found on PATH; the cluster tests build kube-apiserver from source." >&2
  echo "build.sh: install Go >= 1.24: apt-get install golang (Debian trixie or newer; bookworm ships 1.19) or https://go.dev/dl/" >&2
  exit 1
fi
go_minor="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
if [[ "${go_minor}" =~ ^[0-9]+$ ]] && ((go_minor < 24)); then
  echo "build.sh: $(go env GOVERSION) is too old; install Go >= 1.24: apt-get install golang (Debian trixie or newer; bookworm ships 1.19) or https://go.dev/dl/" >&2
  exit 1
fi

start=$(date +%s)
mkdir -p "${bin_dir}"
# One build at a time per cache directory; a second caller waits, then finds the binaries.
if command -v flock >/dev/null 2>&1; then
  exec 9>"${bin_dir}/.lock"
  if ! flock -n 9; then
    echo "build.sh: another build is running in ${bin_dir}; waiting for it ..." >&2
    flock 9
  fi
fi
tmp_dir="$(mktemp -d "${bin_dir}/.build.XXXXXX")"
trap 'rm -rf "${tmp_dir}"' EXIT

ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${K8S_VERSION}"
ldflags+=" -X k8s.io/component-base/version.gitMajor=1"
ldflags+=" -X k8s.io/component-base/version.gitMinor=$(echo "${K8S_VERSION}" | cut -d. -f2)"
ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"

export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:-} -mod=readonly -trimpath"

for c in "${components[@]}"; do
  if [[ -x "${bin_dir}/${c}" ]]; then continue; fi
  echo "build.sh: building ${c} ${K8S_VERSION} (cold builds take tens of minutes) ..." >&2
  (cd "${here}" && go build -ldflags "${ldflags}" -o "${tmp_dir}/${c}" "k8s.io/kubernetes/cmd/${c}")
  mv "${tmp_dir}/${c}" "${bin_dir}/${c}"
done

if [[ ! -x "${kwok_bin}" ]]; then
  echo "build.sh: building kwok ${KWOK_VERSION} ..." >&2
  # kwok is installed on its own (its k8s.io dependencies differ from the wrapper module's).
  (cd "${tmp_dir}" && GOBIN="${tmp_dir}" GOFLAGS=-trimpath go install "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}")
  mv "${tmp_dir}/kwok" "${kwok_bin}"
fi

build_components
echo "build.sh: built into ${bin_dir} in $(($(date +%s) - start))s" >&2
echo "${bin_dir}"
