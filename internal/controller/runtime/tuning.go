package runtime

import "time"

// IdleGrace is how long a runner must have been recorded ready without a job
// for its set's scale-down to remove it (the set's idleCandidates says why).
// The runner controller waits as long before it records a running pod
// without a job (ephemeralrunner.Config.RunningRecordDelay): until then the
// set would not remove it anyway, and most runners get their job, written
// with their running state by the listener, meanwhile. An idle runner thus
// goes about twice this after its pod became ready.
const IdleGrace = 10 * time.Second

// Defaults sized for bursts of hundreds of runners, for the provider's flags
// (--max-concurrent-reconciles, --runner-max-concurrent-reconciles,
// --kube-client-qps, --kube-client-burst).
// A burst of N runners costs about 6N API requests (runner, finalizer,
// Secret, pod, statuses) and N JIT registrations: with these, a thousand
// runners are created in parallel batches within a minute or so instead of
// queueing behind ten workers and a hundred requests per second.
const (
	// DefaultMaxConcurrentReconciles is the workers per runtime controller.
	DefaultMaxConcurrentReconciles = 50
	// DefaultRunnerMaxConcurrentReconciles is the EphemeralRunner
	// controller's workers. A runner's reconcile waits on several calls in
	// a row (JIT config, Secret, pod, status); with 50 workers a burst of
	// 1,000 runners kept about 1,000 of them queued and took 25 to 29 s to
	// create every pod, with 100 to 300 the queue stayed short and it took
	// 18 to 26 s (`make bench`, burst only, 2026-12-05).
	DefaultRunnerMaxConcurrentReconciles = 200
	// DefaultKubeClientQPS and DefaultKubeClientBurst bound the requests to
	// the API server.
	DefaultKubeClientQPS   = 300
	DefaultKubeClientBurst = 600
)
