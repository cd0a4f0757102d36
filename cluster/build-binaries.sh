#!/usr/bin/env bash
# Builds the local cluster's binaries from the Go module proxy, once: kube-apiserver,
# kube-controller-manager and kube-scheduler (k8s.io/kubernetes), etcd
# (go.etcd.io/etcd/server/v3) and kwok + kwokctl (sigs.k8s.io/kwok), each pinned by a
# tools module under cluster/tools/. Binaries land in a cache folder outside git, keyed
# by the tools module's go.mod, go.sum and the Go version, so every clone of the
# repository on this machine shares them and a second run builds nothing.
#
# Usage: build-binaries.sh [crossplane]. Without arguments it builds the cluster's
# binaries; with "crossplane" the Crossplane CLI (tools module cluster/tools/crossplane)
# and Crossplane core (cluster/tools/crossplane-core), which only packaging and
# `composition render` need: the CLI runs core's `internal render` as its engine, from a
# local binary since no Docker image can run here.
#
# Prints the binary folder as its last line.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=cluster/lib.sh
source "${root}/cluster/lib.sh"

# build_module NAME TARGET... builds the tools module cluster/tools/NAME.
build_module() {
	local name="$1"
	shift
	local dir="${root}/cluster/tools/${name}"
	local out
	out="$(binary_dir "${name}")"
	if [[ -f "${out}/.complete" ]]; then
		log "${name}: cached in ${out}"
		return
	fi
	mkdir -p "${out}"
	log "${name}: building $* (first run only; the largest take about 5 minutes on 2 cores)"
	local start=${SECONDS}
	(
		cd "${dir}"
		CGO_ENABLED=0 go build -trimpath -ldflags="$(module_ldflags "${name}")" -o "${out}/" "$@"
	) &
	local pid=$!
	local next=$((start + 30))
	while kill -0 "${pid}" 2>/dev/null; do
		sleep 1
		if ((SECONDS >= next)); then
			log "${name}: still building ($((SECONDS - start))s)"
			next=$((next + 30))
		fi
	done
	if ! wait "${pid}"; then
		die "${name}: build failed"
	fi
	touch "${out}/.complete"
	log "${name}: built in $((SECONDS - start))s"
}

# One folder with every binary, for kwokctl's flags and for people.
bin="${cache_dir}/bin/current"
mkdir -p "${bin}"

if [[ "${1:-}" == "crossplane" ]]; then
	build_module crossplane github.com/crossplane/cli/v2/cmd/crossplane
	build_module crossplane-core github.com/crossplane/crossplane/v2/cmd/crossplane
	ln -sf "$(binary_dir crossplane)/crossplane" "${bin}/crossplane"
	ln -sf "$(binary_dir crossplane-core)/crossplane" "${bin}/crossplane-core"
	echo "${bin}"
	exit 0
fi

build_module kubernetes \
	k8s.io/kubernetes/cmd/kube-apiserver \
	k8s.io/kubernetes/cmd/kube-controller-manager \
	k8s.io/kubernetes/cmd/kube-scheduler \
	k8s.io/kubernetes/cmd/kubectl
build_module etcd .
build_module kwok sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl

ln -sf "$(binary_dir kubernetes)/kube-apiserver" "${bin}/kube-apiserver"
ln -sf "$(binary_dir kubernetes)/kube-controller-manager" "${bin}/kube-controller-manager"
ln -sf "$(binary_dir kubernetes)/kube-scheduler" "${bin}/kube-scheduler"
ln -sf "$(binary_dir kubernetes)/kubectl" "${bin}/kubectl"
ln -sf "$(binary_dir etcd)/etcd" "${bin}/etcd"
ln -sf "$(binary_dir kwok)/kwok" "${bin}/kwok"
ln -sf "$(binary_dir kwok)/kwokctl" "${bin}/kwokctl"
echo "${bin}"
