# provider-github-arc. `make help` lists the targets.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO ?= go
# Fuzz targets run briefly in `make test`: package and target, separated by a colon.
FUZZ_TARGETS ?= ./internal/simulator:FuzzRESTRequestDecoding ./internal/simulator/actions:FuzzActionsRequestDecoding ./internal/listener:FuzzDecideScale ./internal/listener:FuzzParseConfig ./internal/function:FuzzRender
# A count of executions, not a duration: Go 1.26's fuzz coordinator can fail a target
# with "context deadline exceeded" as a duration ends, having found nothing (go.dev/issue/75804,
# fixed in Go 1.27). 40,000 executions take about 10 s per target on the 2-core machine.
FUZZ_TIME ?= 40000x
FUZZ_MINIMIZE_TIME ?= 5s
TEST_TIMEOUT ?= 40m
# RUN, when set, runs only the Go tests whose names match it (go test -run), on the
# local cluster, without the fuzzing: make test RUN=TestCrossplane.
RUN ?=
# Test packages run one at a time: the integration packages share the local cluster
# and 2 cores, and each runs controllers, listeners and a simulator of its own.
TEST_PARALLEL ?= 1

.PHONY: help
help: ## Show the targets.
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-17s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

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
cluster-down: ## Stop and remove the local cluster (ARC_CLUSTER_NAME picks another), with its Crossplane.
	@cluster/down.sh

.PHONY: crossplane-up
crossplane-up: ## Start (or reuse) Crossplane and its package registry on the local cluster; prints the registry last.
	@cluster/crossplane-up.sh

.PHONY: test
test: check-generated lint xpkg ## Unit, contract, render, fuzz and integration tests on the local cluster.
	@kubeconfig="$$(cluster/up.sh | tail -n1)"; \
	echo "cluster: $$kubeconfig"; \
	xp="$$(cluster/build-binaries.sh crossplane | tail -n1)"; \
	ARC_KUBECONFIG="$$kubeconfig" CROSSPLANE_CLI="$$xp/crossplane" CROSSPLANE_CORE="$$xp/crossplane-core" \
		$(GO) test -p $(TEST_PARALLEL) -count=1 -timeout $(TEST_TIMEOUT) $(if $(RUN),-run '$(RUN)') ./...
	cd apis/crdcheck && $(GO) test -count=1 $(if $(RUN),-run '$(RUN)') ./...
	@if [[ -n "$(RUN)" ]]; then echo "RUN is set: no fuzzing"; exit 0; fi; \
	for target in $(FUZZ_TARGETS); do \
		pkg="$${target%%:*}"; fn="$${target##*:}"; \
		echo "fuzz $$fn in $$pkg for $(FUZZ_TIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${fn}$$" -fuzztime $(FUZZ_TIME) -fuzzminimizetime $(FUZZ_MINIMIZE_TIME) "$$pkg"; \
	done

.PHONY: run
run: run-demo ## The demo: local cluster, simulator, provider, two teams' runner pools and a live stream of jobs.

include cluster/images/images.mk
include test/test.mk
