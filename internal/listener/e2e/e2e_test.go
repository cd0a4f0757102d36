package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/runtime/runtimetest"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

func TestMain(m *testing.M) {
	runtimetest.AddToSchemes()
	testenv.Main(m)
}

const setName = "runners"

// buildListener builds cmd/listener, the binary the stand-in runs for the
// listener pod.
func buildListener(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "listener")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/listener")
	cmd.Dir = testenv.RepoRoot()
	cmd.Env = os.Environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/listener: %v: %s", err, out)
	}
	return bin
}

// The whole runtime: the AutoscalingListener controller starts a listener pod,
// which the stand-in runs as the real cmd/listener process with its own
// ServiceAccount token; the listener scales the EphemeralRunnerSet, whose
// controller creates EphemeralRunners and runner pods that the stand-in plays
// against the simulator. 50 jobs raise the replicas to 50 (or to maxRunners
// when that is lower), every job runs once, and the set returns to minRunners,
// which stay registered and idle.
func TestEndToEnd(t *testing.T) {
	const jobs = 50
	cases := map[string]struct {
		reason                 string
		minRunners, maxRunners int32
		jobDuration            string
		wantPeak               int
		// idleDuringBurst checks that minRunners runners stay idle while
		// every job runs.
		idleDuringBurst bool
	}{
		// Jobs last long enough that none ends before all are submitted
		// and acquired, however slow the machine.
		"OneRunnerPerJob": {
			reason:     "with room for every job, one runner per job",
			minRunners: 0, maxRunners: 100, jobDuration: "15s", wantPeak: jobs,
		},
		"IdleFloorAboveTheJobs": {
			reason:     "minRunners 2 are kept idle on top of the busy runners",
			minRunners: 2, maxRunners: 100, jobDuration: "30s", wantPeak: jobs + 2, idleDuringBurst: true,
		},
		"CappedByMaxRunners": {
			reason:     "maxRunners caps the replicas; the jobs wait their turn",
			minRunners: 2, maxRunners: 10, jobDuration: "5s", wantPeak: 10,
		},
	}
	bin := buildListener(t)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h := runtimetest.Start(t, runtimetest.Options{ListenerBinary: bin, ListenerImage: "arc-listener:test", NoAcquirer: true})
			// Idle polls end every second, so an idle set gets its
			// full-reconcile patch soon.
			if err := h.Sim.SetFaults(simulator.Faults{LongPollTimeout: simulator.Duration(time.Second)}); err != nil {
				t.Fatalf("SetFaults: %v", err)
			}
			set := h.CreateSet(t, setName, 5)
			history := watchReplicas(t, h)
			al := &v1alpha1.AutoscalingListener{
				ObjectMeta: metav1.ObjectMeta{Name: "listener", Namespace: h.Namespace},
				Spec: v1alpha1.AutoscalingListenerSpec{
					ScaleSet: h.ScaleSetRef(), EphemeralRunnerSetName: set.Name,
					MinRunners: tc.minRunners, MaxRunners: ptr.To(tc.maxRunners),
				},
			}
			if err := h.Kube.Create(t.Context(), al); err != nil {
				t.Fatalf("create AutoscalingListener: %v", err)
			}
			waitIdleFloor(t, h, int(tc.minRunners))

			ids := h.SubmitJobs(t, jobs, tc.jobDuration)
			if tc.idleDuringBurst {
				waitStatistics(t, h, "every job running beside the idle floor", simclient.Statistics{
					TotalAssignedJobs: jobs, TotalRunningJobs: jobs, TotalBusyRunners: jobs,
					TotalRegisteredRunners: jobs + int(tc.minRunners), TotalIdleRunners: int(tc.minRunners),
				})
			}
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
			defer cancel()
			done, err := h.SimClient.WaitJobs(ctx, simclient.JobCompleted, ids...)
			if err != nil {
				t.Fatalf("jobs did not complete: %v", err)
			}
			for _, j := range done {
				if j.Runs != 1 || j.Result != simclient.ResultSucceeded {
					t.Errorf("job %d: ran %d times with result %q; want once, succeeded", j.ID, j.Runs, j.Result)
				}
			}
			waitIdleFloor(t, h, int(tc.minRunners))
			if peak := history.peak(); peak != tc.wantPeak {
				t.Errorf("%s\npeak spec.replicas: want %d, got %d (history %v)", tc.reason, tc.wantPeak, peak, history.all())
			}
		})
	}
}

// waitIdleFloor waits until the set wants minRunners and that many runners
// are registered with the service, all idle, with as many EphemeralRunners.
func waitIdleFloor(t *testing.T, h *runtimetest.Harness, minRunners int) {
	t.Helper()
	testenv.Eventually(t, 3*time.Minute, fmt.Sprintf("%d idle runners and nothing else", minRunners), func(ctx context.Context) (bool, error) {
		set := &v1alpha1.EphemeralRunnerSet{}
		if err := h.Kube.Get(ctx, client.ObjectKey{Namespace: h.Namespace, Name: setName}, set); err != nil {
			return false, err
		}
		st, err := h.SimClient.ActionsState(ctx)
		if err != nil {
			return false, err
		}
		var stats simclient.Statistics
		for _, ss := range st.ScaleSets {
			if ss.ID == h.ScaleSetID {
				stats = ss.Statistics
			}
		}
		runners, err := h.Runners(ctx)
		if err != nil {
			return false, err
		}
		want := simclient.Statistics{TotalRegisteredRunners: minRunners, TotalIdleRunners: minRunners}
		if int(set.Spec.Replicas) != minRunners || stats != want || len(runners) != minRunners {
			return false, fmt.Errorf("spec.replicas %d, %d EphemeralRunners, statistics %+v", set.Spec.Replicas, len(runners), stats)
		}
		return true, nil
	})
}

func waitStatistics(t *testing.T, h *runtimetest.Harness, what string, want simclient.Statistics) {
	t.Helper()
	testenv.Eventually(t, 2*time.Minute, what, func(ctx context.Context) (bool, error) {
		st, err := h.SimClient.ActionsState(ctx)
		if err != nil {
			return false, err
		}
		for _, ss := range st.ScaleSets {
			if ss.ID == h.ScaleSetID && ss.Statistics != want {
				return false, fmt.Errorf("statistics %+v", ss.Statistics)
			}
		}
		return true, nil
	})
}

// replicaHistory records every spec.replicas of the set, in order.
type replicaHistory struct {
	mu     sync.Mutex
	values []int
}

func (r *replicaHistory) all() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int{}, r.values...)
}

func (r *replicaHistory) peak() int {
	p := 0
	for _, v := range r.all() {
		p = max(p, v)
	}
	return p
}

func watchReplicas(t *testing.T, h *runtimetest.Harness) *replicaHistory {
	t.Helper()
	c, err := client.NewWithWatch(h.Env.Config, client.Options{Scheme: h.Env.Scheme})
	if err != nil {
		t.Fatalf("watching client: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w, err := c.Watch(ctx, &v1alpha1.EphemeralRunnerSetList{}, client.InNamespace(h.Namespace), client.MatchingFields{"metadata.name": setName})
	if err != nil {
		cancel()
		t.Fatalf("watch EphemeralRunnerSet: %v", err)
	}
	r := &replicaHistory{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			if ev.Type != watch.Added && ev.Type != watch.Modified {
				continue
			}
			n := int(ev.Object.(*v1alpha1.EphemeralRunnerSet).Spec.Replicas)
			r.mu.Lock()
			if len(r.values) == 0 || r.values[len(r.values)-1] != n {
				r.values = append(r.values, n)
			}
			r.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		w.Stop()
		<-done
	})
	return r
}
