package runtime

// Defaults sized for bursts of hundreds of runners, for the provider's flags
// (--max-concurrent-reconciles, --kube-client-qps, --kube-client-burst).
// A burst of N runners costs about 6N API requests (runner, finalizer,
// Secret, pod, statuses) and N JIT registrations: with these, a thousand
// runners are created in parallel batches within a minute or so instead of
// queueing behind ten workers and a hundred requests per second.
const (
	// DefaultMaxConcurrentReconciles is the workers per runtime controller.
	DefaultMaxConcurrentReconciles = 50
	// DefaultKubeClientQPS and DefaultKubeClientBurst bound the requests to
	// the API server.
	DefaultKubeClientQPS   = 300
	DefaultKubeClientBurst = 600
)
