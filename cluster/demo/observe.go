package demo

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

const errPodInformer = "cannot sync the runner pod informer"

// PodLife is what the recorder saw of one runner pod, in the demo's clock: when the
// watch delivered its creation, its end (the first view of it Succeeded or
// Failed) and its deletion, and its last phase. A watch event arrives a little
// after the change, so every time is an upper bound. Ended splits a finished
// job's wait for its pod's deletion in two: the runner's exit reaching the API
// server (Ended), and the provider deleting the pod (Gone).
type PodLife struct {
	Namespace, Name string
	Created         time.Time
	Ended           time.Time
	Gone            time.Time
	Phase           corev1.PodPhase
}

// PodRecorder records the life of every runner pod of the cluster.
type PodRecorder struct {
	mu   sync.Mutex
	pods map[string]*PodLife // by namespace/name
}

// StartPodRecorder watches runner pods until ctx ends.
func StartPodRecorder(ctx context.Context, kube kubernetes.Interface) (*PodRecorder, error) {
	r := &PodRecorder{pods: map[string]*PodLife{}}
	factory := informers.NewSharedInformerFactoryWithOptions(kube, 0,
		informers.WithTweakListOptions(func(lo *metav1.ListOptions) {
			lo.LabelSelector = arcruntime.LabelComponent + "=" + arcruntime.ComponentRunner
		}))
	inf := factory.Core().V1().Pods().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { r.seen(obj, false) },
		UpdateFunc: func(_, obj any) { r.seen(obj, false) },
		DeleteFunc: func(obj any) { r.seen(obj, true) },
	}); err != nil {
		return nil, err
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return nil, errors.New(errPodInformer)
	}
	go func() {
		<-ctx.Done()
		factory.Shutdown()
	}()
	return r, nil
}

func (r *PodRecorder) seen(obj any, deleted bool) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj, deleted = d.Obj, true
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	now := time.Now()
	key := pod.Namespace + "/" + pod.Name
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.pods[key]
	// A pod recreated under the same name (a failed runner's new pod) keeps its
	// first creation: the runner existed from then.
	if !ok {
		l = &PodLife{Namespace: pod.Namespace, Name: pod.Name, Created: now}
		r.pods[key] = l
	}
	if !deleted && !l.Gone.IsZero() {
		l.Ended = time.Time{} // the successor of a pod that ended
	}
	l.Phase = pod.Status.Phase
	if ended := l.Phase == corev1.PodSucceeded || l.Phase == corev1.PodFailed; ended && l.Ended.IsZero() {
		l.Ended = now
	}
	if deleted {
		l.Gone = now
	} else {
		l.Gone = time.Time{}
	}
}

// Pods returns a copy of every pod life recorded, oldest first.
func (r *PodRecorder) Pods() []PodLife {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]PodLife, 0, len(r.pods))
	for _, l := range r.pods {
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

// Counts tells, for a namespace, the runner pods that exist now: pending (not yet
// running), running, and finished (their runner exited; the pod is not deleted yet).
func (r *PodRecorder) Counts(ns string) (pending, running, finished int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.pods {
		if l.Namespace != ns || !l.Gone.IsZero() {
			continue
		}
		switch l.Phase {
		case corev1.PodRunning:
			running++
		case corev1.PodPending, "":
			pending++
		default:
			finished++
		}
	}
	return pending, running, finished
}

// Life returns what was recorded of one pod.
func (r *PodRecorder) Life(ns, name string) (PodLife, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.pods[ns+"/"+name]
	if !ok {
		return PodLife{}, false
	}
	return *l, true
}

// TeamCounts is one team's line of the live view.
type TeamCounts struct {
	Team                   string
	Submitted              int
	Queued, Running, Done  int
	PodsPending, PodsReady int
	// PodsFinished exist still, though their runner exited.
	PodsFinished int
	// Ready and Synced are the conditions Crossplane shows on the team's
	// object; empty when not read (WithStates).
	Ready, Synced string
}

// WithStates adds each team's Ready and Synced conditions to its counts, read at
// most every 2 s a team (Team.CachedState).
func WithStates(ctx context.Context, counts []TeamCounts, teams []*Team) []TeamCounts {
	for i := range counts {
		for _, t := range teams {
			if t.Namespace == counts[i].Team {
				s := t.CachedState(ctx)
				counts[i].Ready, counts[i].Synced = s.Ready, s.Synced
			}
		}
	}
	return counts
}

// Snapshot counts jobs (by the stream that submitted them) and runner pods per team.
func Snapshot(jobs []simclient.Job, stream *Stream, rec *PodRecorder, teams []*Team) []TeamCounts {
	byTeam := map[string]*TeamCounts{}
	var out []TeamCounts
	for _, t := range teams {
		byTeam[t.Namespace] = &TeamCounts{Team: t.Namespace}
	}
	for _, j := range jobs {
		team := stream.TeamOf(j.ID)
		c := byTeam[team]
		if c == nil {
			continue
		}
		switch j.State {
		case simclient.JobCompleted:
			c.Done++
		case simclient.JobStarted:
			c.Running++
		default:
			c.Queued++
		}
	}
	for _, t := range teams {
		c := byTeam[t.Namespace]
		c.Submitted = stream.Submitted(t.Namespace)
		c.PodsPending, c.PodsReady, c.PodsFinished = rec.Counts(t.Namespace)
		out = append(out, *c)
	}
	return out
}
