# provider-github-arc. `make help` lists the targets.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO ?= go
# Fuzz targets run briefly in `make test`: package and target, separated by a colon.
FUZZ_TARGETS ?= ./internal/simulator:FuzzRESTRequestDecoding ./internal/simulator/actions:FuzzActionsRequestDecoding ./internal/listener:FuzzDecideScale ./internal/listener:FuzzParseConfig
FUZZ_TIME ?= 10s
TEST_TIMEOUT ?= 40m

.PHONY: help
help: ## Show the targets.
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build every command into bin/.
	$(GO) build ./...
	$(GO) build -o bin/ ./cmd/...

.PHONY: generate
generate: ## Generate deepcopy and managed methods and the CRDs in package/crds.
	$(GO) generate ./apis/...

.PHONY: check-generated
check-generated: ## Fail when generated files are stale.
	hack/check-generated.sh

.PHONY: lint
lint: ## gofmt and go vet.
	@files="$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go'))"; \
	if [[ -n "$$files" ]]; then echo "gofmt needed:"; echo "$$files"; exit 1; fi
	$(GO) vet ./...

.PHONY: cluster-binaries
cluster-binaries: ## Build (once) the local cluster's binaries.
	cluster/build-binaries.sh >/dev/null

.PHONY: cluster-up
cluster-up: ## Start (or reuse) the local cluster; prints its kubeconfig path last.
	@cluster/up.sh

.PHONY: cluster-down
cluster-down: ## Stop and remove the local cluster.
	@cluster/down.sh

.PHONY: test
test: check-generated lint ## Unit, contract, fuzz and integration tests on the local cluster.
	@kubeconfig="$$(cluster/up.sh | tail -n1)"; \
	echo "cluster: $$kubeconfig"; \
	ARC_KUBECONFIG="$$kubeconfig" $(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...
	cd apis/crdcheck && $(GO) test -count=1 ./...
	@for target in $(FUZZ_TARGETS); do \
		pkg="$${target%%:*}"; fn="$${target##*:}"; \
		echo "fuzz $$fn in $$pkg for $(FUZZ_TIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${fn}$$" -fuzztime $(FUZZ_TIME) "$$pkg"; \
	done

.PHONY: run
run: ## The demo: bring up the local cluster and everything on it.
	@kubeconfig="$$(cluster/up.sh | tail -n1)"; \
	echo; \
	echo "The local cluster is up: export KUBECONFIG=$$kubeconfig"; \
	echo "kubectl is in $$(cluster/build-binaries.sh 2>/dev/null | tail -n1)"; \
	echo "Next (issues 3-8): the GitHub simulator, the provider, two teams' runner pools and a stream of jobs."
