# Targets of the demo, the benchmarks and the chaos run. The Makefile includes this
# file (include test/test.mk) and maps `make run` to run-demo. Each runs on a local
# cluster of its own with Crossplane (cluster/demo), installing the packages that
# `make xpkg` builds; the cluster is removed at the end unless it existed before.

# DEMO_ARGS are the demo's flags, for example DEMO_ARGS="--jobs 500 --rate 20 --keep".
DEMO_ARGS ?=
BENCH_ARGS ?=
CHAOS_JOBS ?= 500

.PHONY: run-demo
run-demo: xpkg ## The demo: a cluster with Crossplane, the simulator, two teams' pools, a live stream of jobs (DEMO_ARGS="--keep" keeps it).
	@echo "building the demo"
	$(GO) build -o bin/demo ./cluster/cmd/demo
	bin/demo $(DEMO_ARGS)

.PHONY: bench
bench: xpkg ## Benchmarks: burst, 20 scale sets, steady stream and the cluster's floor -> docs/bench/.
	$(GO) build -o bin/bench ./test/bench
	bin/bench $(BENCH_ARGS)

.PHONY: chaos
chaos: xpkg ## The 500-job chaos run: 10% failing calls, token expiry every minute, listener and provider killed.
	ARC_CHAOS_JOBS=$(CHAOS_JOBS) $(GO) test -count=1 -timeout 90m -v -run '^TestChaos$$' ./test/chaos
