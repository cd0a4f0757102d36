package ephemeralrunner

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// unseenSecrets remembers, per runner uid, the JIT config Secret this process
// wrote, until the cache shows it. Reconciles are handed copies: they may
// change what they read.
type unseenSecrets struct{ m sync.Map }

// add records the Secret written for the runner of uid.
func (u *unseenSecrets) add(uid types.UID, s *corev1.Secret) {
	if uid != "" {
		u.m.Store(uid, s.DeepCopy())
	}
}

// get returns the Secret written for the runner of uid, if the cache has not
// shown it yet.
func (u *unseenSecrets) get(uid types.UID) (*corev1.Secret, bool) {
	s, ok := u.m.Load(uid)
	if !ok {
		return nil, false
	}
	return s.(*corev1.Secret).DeepCopy(), true
}

// seen forgets the Secret of the runner of uid: the cache shows it, or the
// runner is gone.
func (u *unseenSecrets) seen(uid types.UID) { u.m.Delete(uid) }
