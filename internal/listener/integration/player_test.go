package integration

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
	"github.com/arc-crossplane/provider-github-arc/internal/listener"
)

// player stands in for the EphemeralRunnerSet controller and the runner pods:
// it keeps spec.replicas runners alive, each an EphemeralRunner object and a
// JIT runner played through the simulator. A runner that gets no job within
// idleWait exits and is removed, so the set shrinks when replicas drop. A
// runner that ran a job waits, before its EphemeralRunner goes, until the
// listener wrote the job onto it.
type player struct {
	w        *world
	idleWait time.Duration
	// lenient tolerates jobs the listener never recorded on their runner:
	// a JobStarted queued in a session that ends is lost with it.
	lenient bool

	mu      sync.Mutex
	desired int
	live    int
	created int
	// replicas lists every spec.replicas the set had, in order.
	replicas []int
	// errs are failures of the player or of the listener's JobStarted
	// patches.
	errs []error
	// unrecorded counts jobs not recorded on their runner (lenient only).
	unrecorded int

	wake chan struct{}
	wg   sync.WaitGroup
}

func (w *world) play(ctx context.Context, idleWait time.Duration, lenient bool) *player {
	p := &player{w: w, idleWait: idleWait, lenient: lenient, wake: make(chan struct{}, 1)}
	watcher, err := w.watcher.Watch(ctx, &v1alpha1.EphemeralRunnerSetList{},
		client.InNamespace(w.ns), client.MatchingFields{"metadata.name": setName})
	if err != nil {
		w.t.Fatalf("watch EphemeralRunnerSet: %v", err)
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer watcher.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-watcher.ResultChan():
				if !ok {
					p.fail(errors.New("EphemeralRunnerSet watch ended"))
					return
				}
				if ev.Type == watch.Added || ev.Type == watch.Modified {
					ers := ev.Object.(*v1alpha1.EphemeralRunnerSet)
					p.mu.Lock()
					p.desired = int(ers.Spec.Replicas)
					if n := len(p.replicas); n == 0 || p.replicas[n-1] != p.desired {
						p.replicas = append(p.replicas, p.desired)
					}
					p.mu.Unlock()
				}
			case <-p.wake:
			}
			p.reconcile(ctx)
		}
	}()
	w.t.Cleanup(p.wg.Wait)
	return p
}

func (p *player) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errs = append(p.errs, err)
}

func (p *player) failures() []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]error{}, p.errs...)
}

func (p *player) replicaHistory() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int{}, p.replicas...)
}

func (p *player) reconcile(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.live < p.desired && ctx.Err() == nil {
		p.created++
		p.live++
		name := fmt.Sprintf("%s-%d", setName, p.created)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			if err := p.runRunner(ctx, name); err != nil && ctx.Err() == nil {
				p.fail(fmt.Errorf("runner %s: %w", name, err))
			}
			p.mu.Lock()
			p.live--
			p.mu.Unlock()
			select {
			case p.wake <- struct{}{}:
			default:
			}
		}()
	}
}

func (p *player) runRunner(ctx context.Context, name string) error {
	w := p.w
	er := &v1alpha1.EphemeralRunner{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns},
		Spec:       v1alpha1.EphemeralRunnerSpec{ScaleSet: w.scaleSetRef(), Template: podTemplate(), RunnerName: name},
	}
	if err := w.kube.Client.Create(ctx, er); err != nil {
		return fmt.Errorf("create EphemeralRunner: %w", err)
	}
	defer func() {
		// Leaving the runner's object is what a finished runner does.
		_ = w.kube.Client.Delete(context.WithoutCancel(ctx), er)
	}()
	var jit *actions.JITConfig
	err := w.withProviderClient(ctx, func(c actions.Client) error {
		var err error
		jit, err = c.GenerateJITConfig(ctx, w.scaleSet.ID, name, "")
		return err
	})
	if err != nil {
		return err
	}
	res, err := w.sim.RunRunner(ctx, jit.EncodedJITConfig, p.idleWait)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	if res.Job == nil {
		// Idle too long: the runner exits and is removed, as a controller
		// removes an idle runner on scale-down.
		ctx := context.WithoutCancel(ctx)
		return w.withProviderClient(ctx, func(c actions.Client) error { return c.RemoveRunner(ctx, int64(res.RunnerID)) })
	}
	err = p.waitJobRecorded(ctx, er, res.Job.RunnerRequestID, res.Job.JobID)
	if err != nil && p.lenient && ctx.Err() == nil {
		p.mu.Lock()
		p.unrecorded++
		p.mu.Unlock()
		return nil
	}
	return err
}

func (p *player) unrecordedJobs() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.unrecorded
}

// waitJobRecorded waits until the listener patched the job onto the runner's
// EphemeralRunner status, with the runner Running and Ready since the job
// started.
func (p *player) waitJobRecorded(ctx context.Context, er *v1alpha1.EphemeralRunner, requestID int64, jobID string) error {
	timeout := 30 * time.Second
	if p.lenient {
		timeout = 5 * time.Second
	}
	var got v1alpha1.EphemeralRunnerStatus
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		cur := &v1alpha1.EphemeralRunner{}
		if err := p.w.kube.Client.Get(ctx, client.ObjectKeyFromObject(er), cur); err != nil {
			// Nobody else deletes the object: any error is worth stopping.
			return false, err
		}
		got = cur.Status
		ready := got.GetCondition(v1alpha1.ConditionTypeReady)
		return got.JobRequestID == requestID && got.JobID == jobID && got.JobRepositoryName == repo &&
			got.JobWorkflowRef != "" && got.JobDisplayName != "" && got.WorkflowRunID != 0 && got.JobStartedAt != nil &&
			got.Phase == v1alpha1.EphemeralRunnerRunning && got.Ready && got.Reason == listener.ReasonJobStarted &&
			ready != nil && ready.Status == metav1.ConditionTrue && ready.Reason == listener.ReasonJobStarted &&
			ready.LastTransitionTime.Equal(got.JobStartedAt), nil
	})
	if err != nil {
		return fmt.Errorf("job %s (request %d) not recorded on %s: status has request %d, job %q, repository %q, phase %q, reason %q, Ready %+v: %w",
			jobID, requestID, er.Name, got.JobRequestID, got.JobID, got.JobRepositoryName, got.Phase, got.Reason, got.GetCondition(v1alpha1.ConditionTypeReady), err)
	}
	return nil
}

// withProviderClient calls f with the provider's cached Actions client for
// the world's configuration, as the EphemeralRunner controller would, and once
// more when the service refused that client's admin token: the provider then
// hands out a fresh client, as its next reconcile would get.
func (w *world) withProviderClient(ctx context.Context, f func(actions.Client) error) error {
	cfg := &clients.Config{ConfigURL: w.srv.URL + "/" + org, Token: pat, CABundle: w.srv.CACertPEM}
	for attempt := 0; ; attempt++ {
		c, err := controller.NewActionsClient(ctx, cfg)
		if err != nil {
			return err
		}
		if err := f(c); attempt > 0 || !actions.IsUnauthorized(err) {
			return err
		}
	}
}
