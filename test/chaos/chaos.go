// Package chaos runs a whole autoscaling unit through faults: 5xx answers and
// connection resets at GitHub, every token expiring every minute, the listener killed
// five times and the provider killed three times while jobs stream in. At the end
// every job must have completed exactly once, no runner may be left in the service
// and no runner pod, JIT config Secret or EphemeralRunner in the cluster.
//
// `make chaos` runs it with 500 jobs; `make test` runs TestChaos with 50.
package chaos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/cluster/demo"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// Options shape a chaos run.
type Options struct {
	Jobs        int
	Rate        float64 // jobs per second
	JobDuration time.Duration
	MaxRunners  int32
	// ErrorRate and ResetRate are the shares of GitHub calls answered with a 5xx
	// or with a reset connection.
	ErrorRate, ResetRate float64
	TokenExpiryEvery     time.Duration
	ListenerKills        int
	ProviderKills        int
	// ClusterName is the local cluster the run makes (with Crossplane) and
	// removes; demo.Start's default when empty.
	ClusterName string
	// Deadline bounds the whole stream, from the first job to the last runner
	// pod gone.
	Deadline time.Duration
	Logf     func(format string, args ...any)
}

// Defaults are the issue's: 10% of calls fail (half 5xx, half resets), tokens
// expire every 60 s, 5 listener kills and 3 provider kills.
func Defaults(jobs int) Options {
	return Options{
		Jobs: jobs, Rate: 5, JobDuration: 2 * time.Second, MaxRunners: 20,
		ErrorRate: 0.05, ResetRate: 0.05, TokenExpiryEvery: time.Minute,
		ListenerKills: 5, ProviderKills: 3,
		Deadline: 10*time.Minute + time.Duration(jobs)*time.Second,
	}
}

// Report is what a run saw.
type Report struct {
	Jobs, Completed, Succeeded int
	// RunCounts maps how often a job ran to the number of jobs that ran so often.
	RunCounts      map[int]int
	ListenerKills  int
	ProviderKills  int
	TokenExpiries  int
	InjectedErrors int64 // 5xx answers at GitHub's routes
	Resets         int64
	Took           time.Duration
}

// faultSeed fixes which calls the simulator fails, so that a failure can be run
// again with the same faults (the timing of the rest still varies).
const faultSeed = 8

const (
	errChaos    = "chaos run"
	errLeftover = "left behind"
)

// Run performs one chaos run and checks its invariants; the error lists every
// violated one.
func Run(ctx context.Context, o Options) (report *Report, err error) {
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	env, err := demo.Start(ctx, demo.Options{Progress: logf, Seed: faultSeed, ClusterName: o.ClusterName, Nodes: 4})
	if env != nil {
		defer func() {
			// A failed run keeps the provider's and listeners' logs.
			env.KeepWorkDir = err != nil
			// The teardown is not under test: it runs without faults.
			_ = env.Sim.SetFaults(simulator.Faults{})
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			if cerr := env.Close(cctx); cerr != nil {
				logf("teardown: %v", cerr)
			}
		}()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errChaos, err)
	}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	name := "chaos-" + hex.EncodeToString(suffix)
	teams, err := env.AddTeams(ctx, demo.TeamSpec{Name: name, ScaleSetName: name, MaxRunners: o.MaxRunners})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errChaos, err)
	}
	team := teams[0]
	if err := team.WaitReady(ctx, 5*time.Minute); err != nil {
		return nil, fmt.Errorf("%s: %w", errChaos, err)
	}
	expiry := "never"
	if o.TokenExpiryEvery > 0 {
		expiry = "every " + o.TokenExpiryEvery.String()
	}
	logf("%s ready (scale set %d); faults on: %.0f%% 5xx, %.0f%% resets, tokens expire %s",
		name, team.ScaleSetID(), o.ErrorRate*100, o.ResetRate*100, expiry)
	if err := env.Sim.SetFaults(simulator.Faults{ErrorRate: o.ErrorRate, ResetRate: o.ResetRate}); err != nil {
		return nil, fmt.Errorf("%s: %w", errChaos, err)
	}
	if err := env.SimClient.ResetCounters(ctx); err != nil {
		return nil, fmt.Errorf("%s: %w", errChaos, err)
	}

	r := &Report{RunCounts: map[int]int{}}
	runCtx, stopChaos := context.WithCancel(ctx)
	defer stopChaos()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if o.TokenExpiryEvery <= 0 {
			return
		}
		t := time.NewTicker(o.TokenExpiryEvery)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
				env.Sim.ExpireTokens()
				r.TokenExpiries++
				logf("expired every token")
			}
		}
	}()

	k := &killer{env: env, team: team, o: o, logf: logf, r: r}
	begin := time.Now()
	stream := env.StartStream(ctx, demo.StreamSpec{Jobs: o.Jobs, Rate: o.Rate, JobDuration: o.JobDuration}, teams)
	jobs, drainErr := env.WaitDrained(ctx, stream, teams, 500*time.Millisecond, o.Deadline, func(_ []simclient.Job, counts []demo.TeamCounts) {
		k.maybeKill(runCtx, counts[0].Done)
	})
	k.wait()
	stopChaos()
	wg.Wait()
	r.Took = time.Since(begin)

	const maxListed = 10
	var (
		problems []error
		bad      int
	)
	if drainErr != nil {
		problems = append(problems, drainErr)
	}
	for _, j := range jobs {
		if stream.TeamOf(j.ID) == "" {
			continue
		}
		r.Jobs++
		r.RunCounts[j.Runs]++
		if j.State == simclient.JobCompleted {
			r.Completed++
		}
		if j.Result == simclient.ResultSucceeded {
			r.Succeeded++
		}
		if j.State != simclient.JobCompleted || j.Runs != 1 || j.Result != simclient.ResultSucceeded {
			bad++
			if bad <= maxListed {
				problems = append(problems, fmt.Errorf("job %d: state %s, ran %d times, result %q; want completed once, succeeded", j.ID, j.State, j.Runs, j.Result))
			}
		}
	}
	if bad > maxListed {
		problems = append(problems, fmt.Errorf("... and %d more jobs like these", bad-maxListed))
	}
	if r.Jobs != o.Jobs {
		problems = append(problems, fmt.Errorf("%d jobs submitted, want %d", r.Jobs, o.Jobs))
	}
	if r.ListenerKills != o.ListenerKills || r.ProviderKills != o.ProviderKills {
		problems = append(problems, fmt.Errorf("killed the listener %d and the provider %d times, want %d and %d (the jobs ended first?)",
			r.ListenerKills, r.ProviderKills, o.ListenerKills, o.ProviderKills))
	}
	if counters, err := env.SimClient.Counters(ctx); err == nil {
		r.InjectedErrors = counters.TotalClass("5xx")
		for _, c := range counters.Endpoints {
			r.Resets += c.Resets
		}
	}
	// Leftovers are checked with the faults still on: the system must converge
	// through them.
	if err := waitNothingLeft(ctx, env, team); err != nil {
		problems = append(problems, err)
	}
	return r, errors.Join(problems...)
}

// killer kills the listener and the provider at even shares of the completed jobs,
// so the kills land in the middle of the stream whatever its length.
type killer struct {
	env  *demo.Env
	team *demo.Team
	o    Options
	logf func(string, ...any)
	r    *Report

	mu   sync.Mutex
	busy bool
	wg   sync.WaitGroup
}

func (k *killer) maybeKill(ctx context.Context, done int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.busy {
		return
	}
	dueListener := k.r.ListenerKills < k.o.ListenerKills && done*(k.o.ListenerKills+1) >= (k.r.ListenerKills+1)*k.o.Jobs
	dueProvider := k.r.ProviderKills < k.o.ProviderKills && done*(k.o.ProviderKills+1) >= (k.r.ProviderKills+1)*k.o.Jobs
	if !dueListener && !dueProvider {
		return
	}
	k.busy = true
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		defer func() { k.mu.Lock(); k.busy = false; k.mu.Unlock() }()
		if dueProvider {
			if k.env.KillProvider() == 0 {
				return // being started again after the last kill: next tick
			}
			k.mu.Lock()
			k.r.ProviderKills++
			k.mu.Unlock()
			k.logf("killed the provider's process (SIGKILL) with %d jobs done; its pod's process is started again", done)
			return
		}
		if n := k.env.KillListeners(); n == 0 {
			return // none running at this moment (one is being replaced): next tick
		}
		// The dead listener's session would otherwise block its successor.
		ectx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := k.env.EndSession(ectx, k.team.ScaleSetID()); err != nil {
			k.logf("ending the killed listener's session: %v", err)
		}
		k.mu.Lock()
		k.r.ListenerKills++
		k.mu.Unlock()
		k.logf("killed the listener (SIGKILL) with %d jobs done", done)
	}()
}

func (k *killer) wait() { k.wg.Wait() }

// waitNothingLeft waits until the team's scale set has no runner at the service and
// its namespace no runner pod, JIT config Secret or EphemeralRunner.
func waitNothingLeft(ctx context.Context, env *demo.Env, team *demo.Team) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		st, err := env.SimClient.ActionsState(ctx)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		runners := 0
		for _, r := range st.Runners {
			if int64(r.ScaleSetID) == team.ScaleSetID() {
				runners++
			}
		}
		pods := &corev1.PodList{}
		secrets := &corev1.SecretList{}
		ers := &runnersv1alpha1.EphemeralRunnerList{}
		for _, l := range []struct {
			list client.ObjectList
			opts []client.ListOption
		}{
			{pods, []client.ListOption{client.InNamespace(team.Namespace), client.MatchingLabels{arcruntime.LabelComponent: arcruntime.ComponentRunner}}},
			{secrets, []client.ListOption{client.InNamespace(team.Namespace), client.MatchingLabels{arcruntime.LabelComponent: arcruntime.ComponentRunnerJITConfig}}},
			{ers, []client.ListOption{client.InNamespace(team.Namespace)}},
		} {
			if err := env.Kube.List(ctx, l.list, l.opts...); err != nil {
				last = err.Error()
				return false, nil
			}
		}
		last = fmt.Sprintf("%d runners at the service, %d runner pods, %d JIT config Secrets, %d EphemeralRunners",
			runners, len(pods.Items), len(secrets.Items), len(ers.Items))
		return runners+len(pods.Items)+len(secrets.Items)+len(ers.Items) == 0, nil
	})
	if err != nil {
		return fmt.Errorf("%s: %s", errLeftover, last)
	}
	return nil
}
