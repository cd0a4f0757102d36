#!/usr/bin/env bash
# Builds the images and the Crossplane packages of provider-github-arc, without Docker.
#
#   hack/xpkg.sh images    the provider, listener and function images as image tarballs
#                          (_output/images/<name>.tar), from static binaries built from
#                          ./cmd/<name>, by cluster/images/imagebuild (go-containerregistry).
#   hack/xpkg.sh packages  the provider, function and configuration packages
#                          (_output/xpkg/<name>.xpkg) with the Crossplane CLI; the provider
#                          and the function embed their image tarballs.
#   hack/xpkg.sh all       both (the default).
#
# Environment: VERSION (image tag, default v0.1.0), IMAGE_ARCH (default: go env
# GOARCH), CROSSPLANE_CLI (default: built by cluster/build-binaries.sh crossplane),
# SOURCE_DATE_EPOCH (image timestamps, default 0, for reproducible digests).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"

version="${VERSION:-v0.1.0}"
arch="${IMAGE_ARCH:-$(go env GOARCH)}"
out="${root}/_output"
images=(provider listener function)

log() { printf '[xpkg] %s\n' "$*" >&2; }

crossplane_cli() {
	if [[ -n "${CROSSPLANE_CLI:-}" ]]; then
		echo "${CROSSPLANE_CLI}"
		return
	fi
	echo "$(cluster/build-binaries.sh crossplane | tail -n1)/crossplane"
}

build_images() {
	mkdir -p "${out}/bin/linux_${arch}" "${out}/images"
	for image in "${images[@]}"; do
		log "image ${image}: building ./cmd/${image} for linux/${arch}"
		CGO_ENABLED=0 GOOS=linux GOARCH="${arch}" go build -trimpath -ldflags='-s -w' \
			-o "${out}/bin/linux_${arch}/${image}" "./cmd/${image}"
		go run ./cluster/images/imagebuild \
			--definition "cluster/images/${image}/image.yaml" \
			--binary "${out}/bin/linux_${arch}/${image}" \
			--arch "${arch}" --version "${version}" \
			--output "${out}/images/${image}.tar" >&2
	done
}

# dependency_range prints the dependsOn range of a package built as version: that
# version and its compatible successors (before 1.0 the same minor, from 1.0 the same
# major), for example ">=v0.1.0 <v0.2.0".
dependency_range() {
	local v="$1"
	[[ "${v}" =~ ^v([0-9]+)\.([0-9]+)\.([0-9]+)(-[0-9A-Za-z.-]+)?$ ]] || {
		log "VERSION ${v} is not a semantic version (vMAJOR.MINOR.PATCH)"
		exit 1
	}
	local major="${BASH_REMATCH[1]}" minor="${BASH_REMATCH[2]}"
	if ((major == 0)); then
		echo ">=${v} <v0.$((minor + 1)).0"
	else
		echo ">=${v} <v$((major + 1)).0.0"
	fi
}

build_packages() {
	local xp
	xp="$(crossplane_cli)"
	[[ -x "${xp}" ]] || { log "the Crossplane CLI ${xp} is missing: run cluster/build-binaries.sh crossplane"; exit 1; }
	for image in provider function; do
		[[ -f "${out}/images/${image}.tar" ]] || { log "${out}/images/${image}.tar is missing: run hack/xpkg.sh images"; exit 1; }
	done

	# A package root holds exactly the package's files (and --examples-root a folder that
	# does not exist adds no examples layer): the provider's CRDs live in
	# package/crds (generated), so each package is staged in a folder of its own.
	local stage="${out}/stage"
	rm -rf "${stage}"
	mkdir -p "${stage}/provider/crds" "${stage}/function" "${stage}/configuration" "${stage}/examples/configuration" "${out}/xpkg"
	cp package/provider/crossplane.yaml "${stage}/provider/"
	cp package/crds/*.yaml "${stage}/provider/crds/"
	cp package/function/crossplane.yaml "${stage}/function/"
	cp -r package/configuration/. "${stage}/configuration/"
	local range
	range="$(dependency_range "${version}")"
	sed -i -E "/^  dependsOn:/,\$ s|^(    version: )\"[^\"]*\"$|\\1\"${range}\"|" "${stage}/configuration/crossplane.yaml"
	log "configuration depends on the provider and the function ${range}"
	cp examples/teams/team-*.yaml examples/teams/claim.yaml "${stage}/examples/configuration/"

	log "package provider"
	"${xp}" xpkg build --package-root "${stage}/provider" --examples-root "${stage}/none" \
		--embed-runtime-image-tarball "${out}/images/provider.tar" \
		--package-file "${out}/xpkg/provider-github-arc.xpkg"
	log "package function"
	"${xp}" xpkg build --package-root "${stage}/function" --examples-root "${stage}/none" \
		--embed-runtime-image-tarball "${out}/images/function.tar" \
		--package-file "${out}/xpkg/function-github-arc.xpkg"
	log "package configuration"
	"${xp}" xpkg build --package-root "${stage}/configuration" --examples-root "${stage}/examples/configuration" \
		--package-file "${out}/xpkg/configuration-github-arc.xpkg"
	ls -l "${out}/xpkg" >&2
	log "checking the packages (package/xpkg_test.go)"
	XPKG_DIR="${out}/xpkg" XPKG_DEPENDENCY_RANGE="${range}" go test -count=1 -run '^(TestPackages|TestPackageMetadata)$' ./package/ >&2
}

case "${1:-all}" in
images) build_images ;;
packages) build_packages ;;
all)
	build_images
	build_packages
	;;
*)
	echo "usage: $0 [images|packages|all]" >&2
	exit 2
	;;
esac
