#!/usr/bin/env bash
# Starts Crossplane on the local cluster (start the cluster with cluster/up.sh first,
# under the same ARC_CLUSTER_NAME), or reuses the one that runs there: an OCI registry
# on 127.0.0.1 that packages are pushed to, `crossplane core init`, Crossplane core and
# its RBAC manager, run in the background by cluster/cmd/crossplane-world (see package
# cluster/crossplane). cluster/down.sh stops them with the cluster.
#
# Crossplane core is built from the module proxy and stamped with its version
# (cluster/build-binaries.sh crossplane). Its RBAC manager listens on port 8080 of every
# address, so one Crossplane runs on a machine at a time.
#
# Prints the registry's address (127.0.0.1:PORT) as its last line.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=cluster/lib.sh
source "${root}/cluster/lib.sh"

kubeconfig="$(kubeconfig_path)"
[[ -f "${kubeconfig}" ]] || die "no cluster ${cluster_name}: start it with cluster/up.sh first"
dir="$(crossplane_dir)"

if crossplane_running; then
	log "reusing Crossplane on ${cluster_name}"
	cat "${dir}/registry"
	exit 0
fi
stop_crossplane

bin="$("${root}/cluster/build-binaries.sh" crossplane | tail -n1)"
core_module="$(cd "${root}/cluster/tools/crossplane-core" && go list -m -f '{{.Dir}}' github.com/crossplane/crossplane/v2)"
mkdir -p "${dir}"
(cd "${root}" && go build -o "${dir}/crossplane-world" ./cluster/cmd/crossplane-world)

log "starting Crossplane on ${cluster_name} (log ${dir}/world.log)"
setsid "${dir}/crossplane-world" \
	--dir "${dir}" \
	--kubeconfig "${kubeconfig}" \
	--core "${bin}/crossplane-core" \
	--core-module "${core_module}" \
	</dev/null >>"${dir}/world.log" 2>&1 &
pid=$!

start=${SECONDS}
until [[ -f "${dir}/ready" ]]; do
	if ! kill -0 "${pid}" 2>/dev/null; then
		tail -n 30 "${dir}/world.log" >&2
		die "Crossplane did not start (log ${dir}/world.log, logs of its processes in ${dir}/logs)"
	fi
	if ((SECONDS - start > 300)); then
		kill -TERM "${pid}" 2>/dev/null || true
		die "Crossplane did not start within 5 minutes (log ${dir}/world.log)"
	fi
	sleep 0.5
done
log "Crossplane is up in $((SECONDS - start))s"
cat "${dir}/registry"
