package ephemeralrunner

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// uidDeadlines holds a deadline per runner uid, safe for concurrent use: how
// long a runner waits for an event this process expects, so that an event
// that never comes (a watch that relists, a process that stopped) holds
// nothing back for longer.
type uidDeadlines struct{ m sync.Map }

// set gives the runner of uid the deadline at.
func (d *uidDeadlines) set(uid types.UID, at time.Time) {
	if uid != "" {
		d.m.Store(uid, at)
	}
}

// drop forgets the deadline of the runner of uid.
func (d *uidDeadlines) drop(uid types.UID) { d.m.Delete(uid) }

// has tells whether the runner of uid has a deadline, passed or not.
func (d *uidDeadlines) has(uid types.UID) bool {
	_, ok := d.m.Load(uid)
	return ok
}

// remaining is how long the runner of uid still has before its deadline;
// zero when it has none or it passed.
func (d *uidDeadlines) remaining(uid types.UID, now time.Time) time.Duration {
	v, ok := d.m.Load(uid)
	if !ok {
		return 0
	}
	at, _ := v.(time.Time)
	return max(at.Sub(now), 0)
}
