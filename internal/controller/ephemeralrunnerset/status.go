package ephemeralrunnerset

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

// routineInterval is the least time between two writes of a set's status
// whose change is routine: the counts, the Ready message, the patch answered,
// Scaled and Scaling. Written at every change, a set taking 5 jobs a second
// wrote its status three times per job (each a write of the whole set and a
// new look of a composite that watches it); the gha_* gauges still follow
// every reconcile.
const routineInterval = time.Second

// routine tells whether the change from cur to next can wait routineInterval:
// no new generation observed, and no failure shown or cleared.
func routine(cur, next *v1alpha1.EphemeralRunnerSetStatus) bool {
	if cur.ObservedGeneration != next.ObservedGeneration {
		return false
	}
	was := meta.FindStatusCondition(cur.Conditions, v1alpha1.ConditionTypeReady)
	is := meta.FindStatusCondition(next.Conditions, v1alpha1.ConditionTypeReady)
	if was == nil || is == nil {
		return was == is
	}
	return !failing(was) && !failing(is)
}

// failing tells whether a Ready condition shows a failure to scale.
func failing(c *metav1.Condition) bool {
	return c.Reason != ReasonScaled && c.Reason != ReasonScaling
}

// statusWrites remembers when each set's status was last written.
type statusWrites struct {
	mu sync.Mutex
	at map[types.UID]time.Time
}

func newStatusWrites() *statusWrites {
	return &statusWrites{at: map[types.UID]time.Time{}}
}

// wait is how long a routine write of the status of the set with uid waits
// at now: zero when routineInterval has passed since its last write.
func (w *statusWrites) wait(uid types.UID, now time.Time) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	last, ok := w.at[uid]
	if !ok {
		return 0
	}
	return max(0, last.Add(routineInterval).Sub(now))
}

func (w *statusWrites) wrote(uid types.UID, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.at[uid] = now
}

func (w *statusWrites) forget(uid types.UID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.at, uid)
}
