package ephemeralrunnerset

import (
	"encoding/json"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
)

// routineInterval is the least time between two writes of a set's status
// whose change is routine: the counts, the Ready message, the patch answered,
// Scaled and Scaling, and a new generation that only the listener's fields
// (replicas, patchID, runningJobs) made. Written at every change, a set
// taking 5 jobs a second wrote its status three times per job, and still
// about once per patch of its listener after that (each a write of the whole
// set and, under Crossplane, a new composition of the composite that watches
// it); the gha_* gauges still follow every reconcile.
const routineInterval = time.Second

// routine tells whether the change from cur to next can wait routineInterval:
// no new generation observed but the listener's (listenerOnly: the rest of the
// spec is what the last write observed), and no failure shown or cleared.
func routine(cur, next *v1alpha1.EphemeralRunnerSetStatus, listenerOnly bool) bool {
	if cur.ObservedGeneration != next.ObservedGeneration && !listenerOnly {
		return false
	}
	was := meta.FindStatusCondition(cur.Conditions, v1alpha1.ConditionTypeReady)
	is := meta.FindStatusCondition(next.Conditions, v1alpha1.ConditionTypeReady)
	if was == nil || is == nil {
		return was == is
	}
	return !failing(was) && !failing(is)
}

// specBeyondListener is a digest of the set's spec without the fields its
// listener patches: two generations with the same digest differ only in
// replicas, patchID and runningJobs.
func specBeyondListener(set *v1alpha1.EphemeralRunnerSet) string {
	spec := set.Spec // a shallow copy: only its own scalar fields change
	spec.Replicas, spec.PatchID, spec.RunningJobs = 0, 0, 0
	b, err := json.Marshal(spec)
	if err != nil {
		return ""
	}
	return arcruntime.Hash(b)
}

// failing tells whether a Ready condition shows a failure to scale.
func failing(c *metav1.Condition) bool {
	return c.Reason != ReasonScaled && c.Reason != ReasonScaling
}

// statusWrites remembers when each set's status was last written, and the
// spec it observed then (specBeyondListener).
type statusWrites struct {
	mu   sync.Mutex
	last map[types.UID]statusWrite
}

type statusWrite struct {
	at   time.Time
	spec string
}

func newStatusWrites() *statusWrites {
	return &statusWrites{last: map[types.UID]statusWrite{}}
}

// wait is how long a routine write of the status of the set with uid waits
// at now: zero when routineInterval has passed since its last write.
func (w *statusWrites) wait(uid types.UID, now time.Time) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	last, ok := w.last[uid]
	if !ok {
		return 0
	}
	return max(0, last.at.Add(routineInterval).Sub(now))
}

// sameSpec tells whether the last write of the set's status (by this
// process) observed spec.
func (w *statusWrites) sameSpec(uid types.UID, spec string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	last, ok := w.last[uid]
	return ok && spec != "" && last.spec == spec
}

func (w *statusWrites) wrote(uid types.UID, now time.Time, spec string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last[uid] = statusWrite{at: now, spec: spec}
}

func (w *statusWrites) forget(uid types.UID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.last, uid)
}
