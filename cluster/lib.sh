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
# main package (if any), its link flags (module_ldflags) and the Go version decide it,
# so a changed pin or stamp rebuilds.
binary_dir() {
	local dir="${root}/cluster/tools/$1"
	local key
	key="$({
		cat "${dir}/go.mod" "${dir}/go.sum"
		cat "${dir}"/*.go 2>/dev/null || true
		module_ldflags "$1"
		go env GOVERSION
	} | sha256sum | cut -c1-16)"
	echo "${cache_dir}/bin/$1-${key}"
}

# module_version NAME MODULE prints the version of MODULE that the tools module NAME pins.
module_version() {
	awk -v m="$2" '$1 == m { print $2; exit }' "${root}/cluster/tools/$1/go.mod"
}

# module_ldflags NAME prints the link flags of the tools module NAME. Crossplane core
# is stamped with its version: unstamped, it reports "" and refuses every package
# that names the Crossplane versions it supports.
module_ldflags() {
	local flags='-s -w'
	if [[ "$1" == crossplane-core ]]; then
		flags+=" -X github.com/crossplane/crossplane-runtime/v2/pkg/version.version=$(module_version crossplane-core github.com/crossplane/crossplane/v2)"
	fi
	echo "${flags}"
}

kubeconfig_path() { echo "${kwok_home}/clusters/${cluster_name}/kubeconfig.yaml"; }

# crossplane_dir is the folder of the cluster's Crossplane (cluster/crossplane-up.sh):
# inside the cluster's own, so it goes with the cluster.
crossplane_dir() { echo "${kwok_home}/clusters/${cluster_name}/crossplane"; }

# crossplane_running tells whether the cluster's Crossplane serves.
crossplane_running() {
	local dir
	dir="$(crossplane_dir)"
	[[ -f "${dir}/ready" && -f "${dir}/pid" ]] && kill -0 "$(cat "${dir}/pid")" 2>/dev/null
}

# stop_crossplane stops the cluster's Crossplane, if it runs: SIGTERM, then SIGKILL
# after 30 s.
stop_crossplane() {
	local dir pid
	dir="$(crossplane_dir)"
	[[ -f "${dir}/pid" ]] || return 0
	pid="$(cat "${dir}/pid")"
	if kill -TERM "${pid}" 2>/dev/null; then
		log "stopping Crossplane (pid ${pid})"
		for _ in $(seq 300); do
			kill -0 "${pid}" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "${pid}" 2>/dev/null || true
	fi
	rm -f "${dir}/pid" "${dir}/ready"
}
