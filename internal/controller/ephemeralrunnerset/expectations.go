package ephemeralrunnerset

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

// expectationTTL bounds how long a set waits for its cache to show what it did: a
// watch event lost for good must not stall the set for ever.
const expectationTTL = time.Minute

// expectations remember, per runner set, the EphemeralRunners this controller created
// or deleted that its cache does not show yet, as Kubernetes' ReplicaSet controller
// does. A reconcile that ran before the cache caught up with the previous one would
// otherwise count too few runners and create more than replicas (or count deleted
// ones and remove too many).
type expectations struct {
	mu   sync.Mutex
	sets map[types.UID]*setExpectations
}

type setExpectations struct {
	creates map[string]struct{}
	deletes map[string]struct{}
	since   time.Time // of the oldest outstanding expectation
}

func newExpectations() *expectations {
	return &expectations{sets: map[types.UID]*setExpectations{}}
}

func (e *expectations) set(uid types.UID, now time.Time) *setExpectations {
	s, ok := e.sets[uid]
	if !ok {
		s = &setExpectations{creates: map[string]struct{}{}, deletes: map[string]struct{}{}, since: now}
		e.sets[uid] = s
	}
	return s
}

// created records a runner this controller created.
func (e *expectations) created(uid types.UID, name string, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.set(uid, now).creates[name] = struct{}{}
}

// deleted records a runner this controller deleted.
func (e *expectations) deleted(uid types.UID, name string, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.set(uid, now).deletes[name] = struct{}{}
}

// satisfied crosses off what the listed runners (the cache's view) show, and tells
// whether nothing the controller did is still missing from that view.
func (e *expectations) satisfied(uid types.UID, runners []v1alpha1.EphemeralRunner, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.sets[uid]
	if !ok {
		return true
	}
	listed := make(map[string]bool, len(runners)) // name -> being deleted
	for i := range runners {
		listed[runners[i].Name] = !runners[i].DeletionTimestamp.IsZero()
	}
	for name := range s.creates {
		if _, ok := listed[name]; ok {
			delete(s.creates, name)
		}
	}
	for name := range s.deletes {
		if deleting, ok := listed[name]; !ok || deleting {
			delete(s.deletes, name)
		}
	}
	if (len(s.creates) == 0 && len(s.deletes) == 0) || now.Sub(s.since) > expectationTTL {
		delete(e.sets, uid)
		return true
	}
	return false
}

// forget drops what is known of a set that is gone.
func (e *expectations) forget(uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.sets, uid)
}
