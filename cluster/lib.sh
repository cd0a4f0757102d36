# Shared by the cluster scripts. Sourced, not run.

# cache_dir holds built binaries (and nothing that must survive a cleanup).
cache_dir="${ARC_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME}/.cache}/provider-github-arc}"

# cluster_name is the kwokctl cluster: one per checkout would waste memory, one per
# machine is shared by tests, benchmarks and `make run`. ARC_CLUSTER_NAME picks another.
cluster_name="${ARC_CLUSTER_NAME:-provider-github-arc}"

# kwok_home is where kwokctl keeps clusters (kubeconfig.yaml, logs/, pids/).
kwok_home="${KWOK_WORKDIR:-${HOME}/.kwok}"

log() { printf '[cluster] %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# binary_dir NAME prints the cache folder of the tools module NAME: its go.mod, go.sum,
# main package (if any) and the Go version decide it, so a changed pin rebuilds.
binary_dir() {
	local dir="${root}/cluster/tools/$1"
	local key
	key="$({
		cat "${dir}/go.mod" "${dir}/go.sum"
		cat "${dir}"/*.go 2>/dev/null || true
		go env GOVERSION
	} | sha256sum | cut -c1-16)"
	echo "${cache_dir}/bin/$1-${key}"
}

kubeconfig_path() { echo "${kwok_home}/clusters/${cluster_name}/kubeconfig.yaml"; }
