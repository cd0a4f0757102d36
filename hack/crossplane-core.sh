#!/usr/bin/env bash
# Prints the path of Crossplane core, built once by cluster/build-binaries.sh from the
# tools module cluster/tools/crossplane-core: `crossplane composition render` runs it
# (--crossplane-binary) as its engine, since no Docker image can run here.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
echo "$("${root}/cluster/build-binaries.sh" crossplane | tail -n1)/crossplane-core"
