package ephemeralrunnerset

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

// countsInterval is the least time between two writes of a set's status that
// change only its counts. Written at every change, the counts of a set taking
// 5 jobs a second cost three writes of the whole set per job; the gha_*
// gauges still follow every reconcile.
const countsInterval = time.Second

// onlyCounts tells whether next differs from cur in the runner counts and
// the Ready message alone: no patch answered, no generation observed, no
// change of readiness.
func onlyCounts(cur, next *v1alpha1.EphemeralRunnerSetStatus) bool {
	if cur.ObservedGeneration != next.ObservedGeneration || cur.ObservedPatchID != next.ObservedPatchID {
		return false
	}
	was := meta.FindStatusCondition(cur.Conditions, v1alpha1.ConditionTypeReady)
	is := meta.FindStatusCondition(next.Conditions, v1alpha1.ConditionTypeReady)
	if was == nil || is == nil {
		return was == is
	}
	return was.Status == is.Status && was.Reason == is.Reason
}

// statusWrites remembers when each set's status was last written.
type statusWrites struct {
	mu sync.Mutex
	at map[types.UID]time.Time
}

func newStatusWrites() *statusWrites {
	return &statusWrites{at: map[types.UID]time.Time{}}
}

// wait is how long a write of only counts to the set with uid waits at now:
// zero when countsInterval has passed since its last write.
func (w *statusWrites) wait(uid types.UID, now time.Time) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	last, ok := w.at[uid]
	if !ok {
		return 0
	}
	return max(0, last.Add(countsInterval).Sub(now))
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
