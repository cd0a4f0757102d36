#!/usr/bin/env bash
# Stops the local cluster and removes it (its processes, data and kubeconfig), with the
# Crossplane that runs on it (cluster/crossplane-up.sh). The built binaries stay in the
# cache.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=cluster/lib.sh
source "${root}/cluster/lib.sh"

if [[ ! -d "${kwok_home}/clusters/${cluster_name}" ]]; then
	log "no cluster ${cluster_name}"
	exit 0
fi
stop_crossplane
bin="$("${root}/cluster/build-binaries.sh")"
KWOK_WORKDIR="${kwok_home}" "${bin}/kwokctl" --name "${cluster_name}" delete cluster >&2
log "cluster ${cluster_name} removed"
