// Command demo is `make run`: it builds what is missing, starts the local cluster,
// the GitHub simulator, the provider and the pod stand-in, gives two teams (team-a
// and team-b, from examples/teams) their runner pools, submits a stream of jobs and
// shows, live, jobs and runners rising and falling back to zero, then a summary.
// Ctrl-C at any point removes everything it started.
//
//	demo --jobs 200 --rate 5 --duration 3s --teams 2 [--keep]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/arc-crossplane/provider-github-arc/cluster/demo"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

const (
	errFlags    = "invalid arguments"
	errTeardown = "teardown was incomplete"
)

type flags struct {
	keep        bool
	jobs        int
	rate        float64
	duration    time.Duration
	teams       int
	maxRunners  int
	cluster     string
	workDir     string
	readyWithin time.Duration
}

func main() {
	demo.RunRoleIfAsked()
	var f flags
	fs := flag.NewFlagSet("demo", flag.ExitOnError)
	fs.BoolVar(&f.keep, "keep", false, "keep everything running after the jobs (Ctrl-C removes it)")
	fs.IntVar(&f.jobs, "jobs", 200, "number of jobs to submit")
	fs.Float64Var(&f.rate, "rate", 5, "jobs per second (0: all at once)")
	fs.DurationVar(&f.duration, "duration", 3*time.Second, "how long each job runs")
	fs.IntVar(&f.teams, "teams", 2, "number of teams (team-a and team-b from examples/teams, then more)")
	fs.IntVar(&f.maxRunners, "max-runners", 20, "maxRunners of each team's pool")
	fs.StringVar(&f.cluster, "cluster", "", "local cluster to run on, created with Crossplane when missing and then removed at the end (default: $ARC_CLUSTER_NAME, else "+demo.DefaultClusterName+")")
	fs.StringVar(&f.workDir, "workdir", "", "folder for binaries and logs (a temporary one by default)")
	fs.DurationVar(&f.readyWithin, "ready-within", 3*time.Minute, "how long a team's pool may take to become ready")
	_ = fs.Parse(os.Args[1:])
	if f.jobs < 0 || f.teams < 1 || f.teams > 26 || f.maxRunners < 1 {
		fmt.Fprintln(os.Stderr, errFlags+": --jobs >= 0, 1 <= --teams <= 26, --max-runners >= 1")
		os.Exit(2)
	}
	if err := run(f); err != nil {
		if errors.Is(err, context.Canceled) {
			// Ctrl-C: the teardown already said what it did.
			os.Exit(130)
		}
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(f flags) (err error) {
	start := time.Now()
	progress := func(format string, args ...any) {
		fmt.Printf("[%6s] %s\n", time.Since(start).Round(time.Second), fmt.Sprintf(format, args...))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	env, err := demo.Start(ctx, demo.Options{WorkDir: f.workDir, Progress: progress, ClusterName: f.cluster})
	if env != nil {
		defer func() {
			interrupted := ctx.Err() != nil
			stop()
			if interrupted {
				progress("interrupted: removing everything this run started (Ctrl-C again to quit at once)")
			} else {
				progress("removing everything this run started")
			}
			if terr := teardown(env, interrupted); terr != nil {
				progress("%s: %v", errTeardown, terr)
				err = errors.Join(err, fmt.Errorf("%s: %w", errTeardown, terr))
			}
			progress("done")
		}()
	}
	if err != nil {
		return err
	}

	var specs []demo.TeamSpec
	for i := range f.teams {
		name := "team-" + string(rune('a'+i))
		s := demo.TeamSpec{Name: name, MaxRunners: int32(f.maxRunners)} //nolint:gosec // bounded by the flag check
		switch name {
		case "team-a":
			s.Example = "examples/teams/team-a.yaml"
		case "team-b":
			// Through the legacy claim, as a cluster that still uses claims.
			s.Example, s.Claim = "examples/teams/team-b.yaml", true
		default:
			s.ScaleSetName = name
		}
		specs = append(specs, s)
	}
	if f.teams >= 2 {
		// team-b's example refers to the platform's existing group "builders".
		progress("creating the platform's runner group %q at the simulator", "builders")
		if err := env.EnsureRunnerGroup(ctx, "builders"); err != nil {
			return err
		}
	}
	teams, err := env.AddTeams(ctx, specs...)
	if err != nil {
		return err
	}
	for _, t := range teams {
		progress("waiting for Crossplane to compose %s's runner pool (scale set %q): group, scale set, runner set, listener", t.Namespace, t.ScaleSetName)
		if err := t.WaitReady(ctx, f.readyWithin); err != nil {
			return err
		}
		progress("%s %s Ready %s after it was created: scale set id %d, its listener holds a message session",
			t.Namespace, t.Object.GetKind(), time.Since(t.Created).Round(100*time.Millisecond), t.ScaleSetID())
	}

	if err := env.SimClient.ResetCounters(ctx); err != nil {
		return err
	}
	progress("submitting %d jobs at %s, each running %s", f.jobs, rateText(f.rate), f.duration)
	stream := env.StartStream(ctx, demo.StreamSpec{Jobs: f.jobs, Rate: f.rate, JobDuration: f.duration}, teams)
	view := demo.NewView(os.Stdout, term.IsTerminal(int(os.Stdout.Fd())))
	streamStart := time.Now()
	draw := func(_ []simclient.Job, counts []demo.TeamCounts) {
		counts = demo.WithStates(ctx, counts, teams)
		view.Draw(demo.Lines(fmt.Sprintf("jobs and runners, %s", time.Since(streamStart).Round(time.Second)), counts, f.jobs), false)
	}
	jobs, err := env.WaitDrained(ctx, stream, teams, 500*time.Millisecond, time.Duration(float64(f.jobs)/max(f.rate, 1)*float64(time.Second))+10*time.Minute, draw)
	view.Draw(demo.Lines(fmt.Sprintf("jobs and runners, %s", time.Since(streamStart).Round(time.Second)), demo.WithStates(ctx, demo.Snapshot(jobs, stream, env.Pods, teams), teams), f.jobs), true)
	view.Release()
	if err != nil {
		return err
	}
	counters, err := env.SimClient.Counters(ctx)
	if err != nil {
		return err
	}
	printSummary(demo.Summarize(jobs, stream, env.Pods, counters), env, teams)

	if f.keep {
		progress("--keep: everything keeps running; KUBECONFIG=%s; Ctrl-C removes it", env.Cluster.Kubeconfig)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-t.C:
				if jobs, err := env.SimClient.Jobs(ctx); err == nil {
					view.Draw(demo.Lines("kept running (Ctrl-C removes everything)", demo.WithStates(ctx, demo.Snapshot(jobs, stream, env.Pods, teams), teams), f.jobs), false)
				}
			}
		}
	}
	return nil
}

func rateText(rate float64) string {
	if rate <= 0 {
		return "once (a burst)"
	}
	return fmt.Sprintf("%g/s", rate)
}

// teardown removes everything within 5 minutes. A second Ctrl-C (the first when the
// run was interrupted already) quits at once.
func teardown(env *demo.Env, interrupted bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	go func() {
		for {
			select {
			case <-again:
				if !interrupted {
					interrupted = true
					fmt.Fprintln(os.Stderr, "demo: still removing what this run started; Ctrl-C again to quit at once")
					continue
				}
				fmt.Fprintln(os.Stderr, "demo: quitting without finishing the teardown; kubectl delete ns -l", demo.LabelDemo, "removes what is left")
				os.Exit(130)
			case <-ctx.Done():
				return
			}
		}
	}()
	return env.Close(ctx)
}

func printSummary(s demo.Summary, env *demo.Env, teams []*demo.Team) {
	fmt.Println()
	fmt.Printf("summary: %d jobs, %d completed, %d ran more than once\n", s.Jobs, s.Completed, s.RanTwice)
	st, err := env.SimClient.ActionsState(context.Background())
	for _, t := range teams {
		pending, running, finished := env.Pods.Counts(t.Namespace)
		registered := -1
		if err == nil {
			registered = 0
			for _, r := range st.Runners {
				if int64(r.ScaleSetID) == t.ScaleSetID() {
					registered++
				}
			}
		}
		fmt.Printf("  %-10s runner pods %d, runners registered at GitHub %d\n", t.Namespace, pending+running+finished, registered)
	}
	p := func(name string, q demo.Percentiles) {
		fmt.Printf("  %-34s p50 %6.2fs  p95 %6.2fs  p99 %6.2fs  (n=%d)\n", name, q.P50, q.P95, q.P99, q.N)
	}
	p("job queued -> runner pod created", s.QueuedToPodCreated)
	p("job queued -> job started", s.QueuedToStarted)
	p("job completed -> runner pod gone", s.CompletedToPodGone)
	p("  of which: -> the pod's end", s.CompletedToPodEnded)
	p("  of which: the pod's end -> gone", s.PodEndedToGone)
	fmt.Printf("  calls per job: %.2f to the Actions Service, %.2f to the REST API\n", s.PerJob(s.ActionsCalls), s.PerJob(s.RESTCalls))
	type ep struct {
		name string
		n    int64
	}
	var eps []ep
	for k, v := range s.CallsByEndpoint {
		eps = append(eps, ep{k, v})
	}
	sort.Slice(eps, func(i, j int) bool { return eps[i].n > eps[j].n })
	for _, e := range eps {
		fmt.Printf("    %6.2f  %s\n", s.PerJob(e.n), strings.TrimSpace(e.name))
	}
	pu := env.Provider.Total()
	lu := env.Listeners.Total()
	fmt.Printf("  provider: %.1f CPU s, peak RSS %d MiB; listeners: %.1f CPU s, peak RSS %d MiB\n",
		pu.CPUSeconds, pu.PeakRSSBytes>>20, lu.CPUSeconds, lu.PeakRSSBytes>>20)
}
