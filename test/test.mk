# Targets of the demo, the benchmarks and the chaos run (issue 8). The Makefile
# includes this file (include test/test.mk) and maps `make run` to run-demo.

# DEMO_ARGS are the demo's flags, for example DEMO_ARGS="--jobs 500 --rate 20 --keep".
DEMO_ARGS ?=
# DEMO_PROVIDER: binary runs ./cmd/provider as a process (watching every namespace);
# embedded runs the same controllers in a child process of the demo that watches only
# the demo's namespaces (use it on a cluster that other tests share).
DEMO_PROVIDER ?= binary
BENCH_ARGS ?=
# BENCH_PROVIDER=embedded also takes a CPU profile of the provider during the burst.
BENCH_PROVIDER ?= binary
CHAOS_JOBS ?= 500

.PHONY: run-demo
run-demo: ## The demo: local cluster, simulator, provider, two teams, a live stream of jobs (DEMO_ARGS="--keep" keeps it).
	@echo "building the demo"
	$(GO) build -o bin/demo ./cluster/cmd/demo
	bin/demo --provider $(DEMO_PROVIDER) $(DEMO_ARGS)

.PHONY: bench
bench: ## Benchmarks: burst, 20 scale sets, steady stream and the cluster's floor -> docs/bench/.
	$(GO) build -o bin/bench ./test/bench
	bin/bench --provider $(BENCH_PROVIDER) $(BENCH_ARGS)

.PHONY: chaos
chaos: ## The 500-job chaos run: 10% failing calls, token expiry every minute, listener and provider killed.
	@kubeconfig="$$(cluster/up.sh | tail -n1)"; \
	ARC_KUBECONFIG="$$kubeconfig" ARC_CHAOS_JOBS=$(CHAOS_JOBS) $(GO) test -count=1 -timeout 90m -v -run '^TestChaos$$' ./test/chaos
