package ephemeralrunnerset

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

// expectationTTL bounds how long the set counts a change its cache does not
// show: a watch event lost for good must not skew its counts for ever.
const expectationTTL = time.Minute

// expectations remember, per runner set, the EphemeralRunners this controller
// created or deleted that its cache does not show yet, as Kubernetes'
// ReplicaSet controller does. A reconcile that ran before the cache caught up
// with the previous one would otherwise count too few runners and create more
// than replicas (or count deleted ones and remove too many).
//
// Unlike the ReplicaSet controller, the set does not wait for its cache: it
// counts what the cache misses (unseen). In a burst the watch lags its writes
// by seconds, and waiting held back every create and every new patch of the
// listener for as long.
type expectations struct {
	mu   sync.Mutex
	sets map[types.UID]*setExpectations
}

type setExpectations struct {
	creates map[string]createdRunner
	deletes map[string]time.Time // name -> when it was deleted
}

// createdRunner is a runner this controller created: under which patchID, and when.
type createdRunner struct {
	patchID int64
	at      time.Time
}

// unseen is what this controller did to a set that its cache does not show yet.
type unseen struct {
	// creates counts the runners created and not listed yet.
	creates int
	// latestPatchID is the highest patchID they were created under.
	latestPatchID int64
	// deleted tells the runners deleted that the cache still lists as live.
	deleted map[string]bool
}

func newExpectations() *expectations {
	return &expectations{sets: map[types.UID]*setExpectations{}}
}

func (e *expectations) set(uid types.UID) *setExpectations {
	s, ok := e.sets[uid]
	if !ok {
		s = &setExpectations{creates: map[string]createdRunner{}, deletes: map[string]time.Time{}}
		e.sets[uid] = s
	}
	return s
}

// created records a runner this controller created under patchID.
func (e *expectations) created(uid types.UID, name string, patchID int64, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.set(uid).creates[name] = createdRunner{patchID: patchID, at: now}
}

// deleted records a runner this controller deleted.
func (e *expectations) deleted(uid types.UID, name string, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.set(uid).deletes[name] = now
}

// unseen crosses off what the listed runners (the cache's view) show, and
// tells what is still missing from that view.
func (e *expectations) unseen(uid types.UID, runners []v1alpha1.EphemeralRunner, now time.Time) unseen {
	e.mu.Lock()
	defer e.mu.Unlock()
	var u unseen
	s, ok := e.sets[uid]
	if !ok {
		return u
	}
	listed := make(map[string]bool, len(runners)) // name -> being deleted
	for i := range runners {
		listed[runners[i].Name] = !runners[i].DeletionTimestamp.IsZero()
	}
	for name, c := range s.creates {
		if _, ok := listed[name]; ok || now.Sub(c.at) > expectationTTL {
			delete(s.creates, name)
			continue
		}
		u.creates++
		u.latestPatchID = max(u.latestPatchID, c.patchID)
	}
	for name, at := range s.deletes {
		if deleting, ok := listed[name]; !ok || deleting || now.Sub(at) > expectationTTL {
			delete(s.deletes, name)
			continue
		}
		if u.deleted == nil {
			u.deleted = map[string]bool{}
		}
		u.deleted[name] = true
	}
	if len(s.creates) == 0 && len(s.deletes) == 0 {
		delete(e.sets, uid)
	}
	return u
}

// forget drops what is known of a set that is gone.
func (e *expectations) forget(uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.sets, uid)
}
