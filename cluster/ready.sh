#!/usr/bin/env bash
# ready.sh KUBECONFIG [NODES]: waits (up to ARC_READY_TIMEOUT seconds, 120 by default) until the API server answers
# /readyz and, if NODES is given, that many nodes are Ready. Exits non-zero with the
# reason otherwise.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=cluster/lib.sh
source "${root}/cluster/lib.sh"

kubeconfig="$1"
want_nodes="${2:-0}"
kubectl="$(binary_dir kubernetes)/kubectl"

timeout="${ARC_READY_TIMEOUT:-120}"
deadline=$((SECONDS + timeout))
until "${kubectl}" --kubeconfig "${kubeconfig}" get --raw /readyz >/dev/null 2>&1; do
	((SECONDS < deadline)) || die "API server of ${kubeconfig} not ready after ${timeout}s"
	sleep 1
done
while true; do
	ready="$("${kubectl}" --kubeconfig "${kubeconfig}" get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)"
	((ready >= want_nodes)) && break
	((SECONDS < deadline)) || die "${ready} of ${want_nodes} nodes Ready after ${timeout}s"
	sleep 1
done
