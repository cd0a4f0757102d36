#!/usr/bin/env bash
# Fails when the generated code or CRDs in the tree differ from what `make generate`
# makes of the API types. It generates in a scratch copy, so it works on a dirty tree
# and never rewrites your files.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "${scratch}"' EXIT

cd "${root}"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - 2>/dev/null | tar -xf - -C "${scratch}"
(cd "${scratch}" && go generate ./apis/...)

if ! diff -ru "${root}/apis" "${scratch}/apis" || ! diff -ru "${root}/package/crds" "${scratch}/package/crds"; then
	echo "generated files are stale: run 'make generate' and commit the result" >&2
	exit 1
fi
echo "generated files are up to date"
