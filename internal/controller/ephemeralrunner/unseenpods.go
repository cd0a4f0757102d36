package ephemeralrunner

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

// unseenPodTimeout bounds how long a created pod that the cache never shows
// holds back its runner: a watch that relists can skip a pod created and
// deleted in between, and its runner must not wait for an event that never
// comes.
const unseenPodTimeout = 30 * time.Second

// unseenPods remembers, per runner uid, when this process created the
// runner's pod, until the cache shows that pod (ReplicaSet's expectations,
// for one pod per owner). A reconcile whose cache does not show the pod yet
// would create it again: in a burst the watch lags the creates by seconds,
// and such reconciles (each status write brings one) made one to two
// refused creates per runner, each paid in full by the API server (admission
// and validation before the store says it exists).
type unseenPods struct{ created uidDeadlines }

// expect records that the runner of uid creates its pod at now.
func (u *unseenPods) expect(uid types.UID, now time.Time) {
	u.created.set(uid, now.Add(unseenPodTimeout))
}

// seen drops the expectation of the runner of uid.
func (u *unseenPods) seen(uid types.UID) { u.created.drop(uid) }

// wait is how much longer the runner of uid waits for the cache to show the
// pod it created at its last expect; zero when there is no such pod.
func (u *unseenPods) wait(uid types.UID, now time.Time) time.Duration {
	left := u.created.remaining(uid, now)
	if left == 0 {
		u.seen(uid)
	}
	return left
}

// observe is called with every pod the cache shows created or deleted: a
// pod controlled by an EphemeralRunner is one its runner waited for.
func (u *unseenPods) observe(pod client.Object) {
	if ref := metav1.GetControllerOfNoCopy(pod); ref != nil && ref.Kind == v1alpha1.EphemeralRunnerKind {
		u.seen(ref.UID)
	}
}
