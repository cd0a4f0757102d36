package ephemeralrunner

import (
	"time"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

// DefaultBackoffBase is the first non-zero wait between failed pods, ARC's:
// the waits are 0, 5, 10, 20, 40 and then 80 seconds.
const DefaultBackoffBase = 5 * time.Second

// podBackoff is the wait before the next pod after failures failed pods:
// ARC's schedule, scaled so that its first non-zero step is base.
func podBackoff(failures int32, base time.Duration) time.Duration {
	d := v1alpha1.PodFailureBackoff(failures)
	if base <= 0 || base == DefaultBackoffBase {
		return d
	}
	return time.Duration(float64(d) * float64(base) / float64(DefaultBackoffBase))
}

// nextPodAt is the earliest time the runner's next pod may be created; the
// zero time when no pod failed.
func nextPodAt(s *v1alpha1.EphemeralRunnerStatus, base time.Duration) time.Time {
	if len(s.PodFailures) == 0 {
		return time.Time{}
	}
	last := s.PodFailures[len(s.PodFailures)-1].FailedAt.Time
	return last.Add(podBackoff(s.Failures, base))
}
