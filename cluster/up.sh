#!/usr/bin/env bash
# Starts the local cluster (or reuses a healthy one): etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok, run as local processes by kwokctl's
# binary runtime from the binaries build-binaries.sh made, plus enough fake nodes for
# 2,000 pods. kwokctl picks free ports, so it does not collide with another cluster.
#
# Prints the kubeconfig path as its last line.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=cluster/lib.sh
source "${root}/cluster/lib.sh"

# Each node holds 110 pods (kwok's default capacity); 20 nodes hold 2,200.
nodes="${ARC_CLUSTER_NODES:-20}"

bin="$("${root}/cluster/build-binaries.sh")"
export PATH="${bin}:${PATH}"
# kwokctl derives component flags from these versions; they must match the binaries.
export KWOK_KUBE_VERSION="v1.36.3"
export KWOK_VERSION="v0.8.0"
export KWOK_WORKDIR="${kwok_home}"

kubeconfig="$(kubeconfig_path)"

healthy() {
	[[ -f "${kubeconfig}" ]] && kwokctl --name "${cluster_name}" get components >/dev/null 2>&1 &&
		ARC_READY_TIMEOUT=5 "${root}/cluster/ready.sh" "${kubeconfig}" >/dev/null 2>&1
}

if [[ -d "${kwok_home}/clusters/${cluster_name}" ]]; then
	if healthy; then
		log "reusing cluster ${cluster_name}"
	else
		# A cluster left behind by a killed run, or by a reboot: its processes are
		# gone. It holds nothing worth keeping, and a new one starts in seconds where
		# restarting the old one waited minutes.
		log "cluster ${cluster_name} exists but is not healthy; creating it anew"
		stop_crossplane
		kwokctl --name "${cluster_name}" delete cluster >&2 || true
		rm -rf "${kwok_home}/clusters/${cluster_name}"
	fi
fi

if [[ ! -d "${kwok_home}/clusters/${cluster_name}" ]]; then
	log "creating cluster ${cluster_name} (Kubernetes ${KWOK_KUBE_VERSION}, kwok ${KWOK_VERSION})"
	kwokctl create cluster \
		--name "${cluster_name}" \
		--runtime binary \
		--etcd-binary "${bin}/etcd" \
		--kube-apiserver-binary "${bin}/kube-apiserver" \
		--kube-controller-manager-binary "${bin}/kube-controller-manager" \
		--kube-scheduler-binary "${bin}/kube-scheduler" \
		--kwok-controller-binary "${bin}/kwok" \
		--secure-port=true \
		--kube-authorization=true \
		--kube-admission=true \
		--disable-qps-limits \
		--wait 2m \
		--timeout 5m >&2
fi

# Nodes first: pods found unschedulable wait in the scheduler's back-off.
kwokctl --name "${cluster_name}" scale node --replicas "${nodes}" >&2
"${root}/cluster/ready.sh" "${kubeconfig}" "${nodes}" >&2
log "cluster ${cluster_name} is up with ${nodes} nodes"
echo "${kubeconfig}"
