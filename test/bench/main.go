// Command bench is `make bench`: it measures a whole autoscaling unit on the local
// cluster (provider, listener processes, pod stand-in, simulated GitHub) in three
// scenarios, and the floor of the same cluster in the same run:
//
//	(a) burst:  1,000 jobs at once on one scale set
//	(b) fanout: 20 scale sets x 50 jobs at once
//	(c) steady: 5 jobs/s for 2 minutes on one scale set
//
// Results go to docs/bench/latest.json (scenario -> figure -> value, in seconds and
// bytes) and docs/bench/scaling.png (queued jobs and runner pods over time in (a)).
// It never runs in `make test`.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/arc-crossplane/provider-github-arc/cluster/demo"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

const (
	errScenario = "scenario %s"
	errWrite    = "cannot write the results"
)

// Results are scenario name -> figure name -> value (seconds, bytes or counts).
type Results map[string]map[string]float64

type config struct {
	out          string
	scenarios    string
	burstJobs    int
	fanoutSets   int
	fanoutJobs   int
	steadyRate   float64
	steadyFor    time.Duration
	jobDuration  time.Duration
	drainTimeout time.Duration
	pprofAddr    string
	profileFor   time.Duration
	workDir      string
	providerArgs string
}

func main() {
	demo.RunRoleIfAsked()
	var c config
	flag.StringVar(&c.out, "out", filepath.Join(testenv.RepoRoot(), "docs", "bench"), "folder of latest.json and scaling.png")
	flag.StringVar(&c.workDir, "work-dir", "", "folder for the binaries, the logs of the provider and listeners and each scenario's <name>-jobs.csv and <name>-calls.json (the simulator's counters by endpoint and status), kept afterwards (a temporary folder, removed, when empty)")
	flag.StringVar(&c.providerArgs, "provider-args", "", "more flags for the provider, space-separated (for example --debug; its log is in --work-dir)")
	flag.StringVar(&c.scenarios, "scenarios", "burst,fanout,steady", "scenarios to run, comma-separated")
	flag.IntVar(&c.burstJobs, "burst-jobs", 1000, "jobs of the burst (a)")
	flag.IntVar(&c.fanoutSets, "fanout-sets", 20, "scale sets of (b)")
	flag.IntVar(&c.fanoutJobs, "fanout-jobs", 50, "jobs per scale set of (b)")
	flag.Float64Var(&c.steadyRate, "steady-rate", 5, "jobs per second of (c)")
	flag.DurationVar(&c.steadyFor, "steady-for", 2*time.Minute, "length of (c)")
	flag.DurationVar(&c.jobDuration, "job-duration", 10*time.Second, "how long each job runs")
	flag.DurationVar(&c.profileFor, "profile-for", 30*time.Second, "length of the CPU profiles taken at the start of the burst: the API server's and the provider's (0: none)")
	flag.DurationVar(&c.drainTimeout, "drain-timeout", 20*time.Minute, "how long a scenario may take to finish")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	start := time.Now()
	progress := func(format string, args ...any) {
		fmt.Printf("[%6s] %s\n", time.Since(start).Round(time.Second), fmt.Sprintf(format, args...))
	}
	if err := os.MkdirAll(c.out, 0o755); err != nil { //nolint:gosec // a docs folder
		return fmt.Errorf("%s: %w", errWrite, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := demo.Options{Progress: progress, WorkDir: c.workDir}
	opts.ProviderArgs = strings.Fields(c.providerArgs)
	if c.profileFor > 0 {
		addr, err := freeLoopbackAddr()
		if err != nil {
			return err
		}
		c.pprofAddr = addr
		opts.ProviderArgs = append(opts.ProviderArgs, "--profile="+addr)
	}
	env, err := demo.Start(ctx, opts)
	if env != nil {
		defer func() {
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			if cerr := env.Close(cctx); cerr != nil {
				progress("teardown: %v", cerr)
			}
		}()
	}
	if err != nil {
		return err
	}
	results := Results{}
	var failed []error
	for _, name := range strings.Split(c.scenarios, ",") {
		var err error
		switch strings.TrimSpace(name) {
		case "burst":
			err = burst(ctx, env, c, results, progress)
		case "fanout":
			err = fanout(ctx, env, c, results, progress)
		case "steady":
			err = steady(ctx, env, c, results, progress)
		default:
			err = fmt.Errorf("unknown scenario %q", name)
		}
		if err != nil {
			// The next scenarios run anyway, on fresh teams; the failure is
			// in the results ("drained": 0) and in the exit status.
			failed = append(failed, fmt.Errorf(errScenario+": %w", name, err))
			progress("%v", failed[len(failed)-1])
		}
		if err := writeResults(c.out, results); err != nil {
			return err
		}
	}
	progress("results in %s", filepath.Join(c.out, "latest.json"))
	return errors.Join(failed...)
}

// scenario runs one load on fresh teams and records its figures under name.
type scenario struct {
	name   string
	teams  []demo.TeamSpec
	stream demo.StreamSpec
	// sample, when set, is called twice a second while the jobs run.
	sample func(t time.Duration, jobs []simclient.Job, counts []demo.TeamCounts)
	// onStart, when set, runs in the background as the jobs are submitted.
	onStart func(ctx context.Context)
}

func runScenario(ctx context.Context, env *demo.Env, c config, s scenario, results Results, progress func(string, ...any)) (demo.Summary, error) {
	progress("%s: %d teams, %d jobs", s.name, len(s.teams), s.stream.Jobs)
	teams, err := env.AddTeams(ctx, s.teams...)
	if err != nil {
		return demo.Summary{}, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if err := env.DeleteTeams(cctx, teams...); err != nil {
			progress("%s: removing its teams: %v", s.name, err)
		}
	}()
	for _, t := range teams {
		if err := t.WaitReady(ctx, 5*time.Minute); err != nil {
			return demo.Summary{}, err
		}
	}
	progress("%s: %d runner pools ready", s.name, len(teams))
	if err := env.SimClient.ResetCounters(ctx); err != nil {
		return demo.Summary{}, err
	}
	provBefore, lisBefore := env.Provider.Total(), env.Listeners.Total()
	xpBefore, fnBefore := env.Crossplane.Total(), env.Function.Total()
	apiBefore, err := readAPIServerUsage(ctx, env.Clients)
	if err != nil {
		return demo.Summary{}, err
	}
	begin := time.Now()
	stream := env.StartStream(ctx, s.stream, teams)
	if s.onStart != nil {
		go s.onStart(ctx)
	}
	lastLog := time.Now()
	jobs, err := env.WaitDrained(ctx, stream, teams, 500*time.Millisecond, c.drainTimeout, func(jobs []simclient.Job, counts []demo.TeamCounts) {
		if s.sample != nil {
			s.sample(time.Since(begin), jobs, counts)
		}
		if time.Since(lastLog) > 10*time.Second {
			lastLog = time.Now()
			var q, r, d, pods int
			for _, c := range counts {
				q, r, d, pods = q+c.Queued, r+c.Running, d+c.Done, pods+c.PodsPending+c.PodsReady+c.PodsFinished
			}
			progress("%s: queued %d, running %d, done %d, runner pods %d", s.name, q, r, d, pods)
		}
	})
	// A scenario that did not drain still reports what it measured, marked.
	drainErr := err
	took := time.Since(begin)
	counters, err := env.SimClient.Counters(ctx)
	if err != nil {
		return demo.Summary{}, errors.Join(drainErr, err)
	}
	sum := demo.Summarize(jobs, stream, env.Pods, counters)
	if c.workDir != "" {
		if err := writeJobsCSV(filepath.Join(c.workDir, s.name+"-jobs.csv"), jobs, stream, env.Pods); err != nil {
			progress("%s: writing its jobs.csv: %v", s.name, err)
		}
		if err := writeJSON(filepath.Join(c.workDir, s.name+"-calls.json"), counters); err != nil {
			progress("%s: writing its calls.json: %v", s.name, err)
		}
	}
	prov, lis := env.Provider.Total(), env.Listeners.Total()
	xp, fn := env.Crossplane.Total(), env.Function.Total()
	api, err := readAPIServerUsage(ctx, env.Clients)
	if err != nil {
		return demo.Summary{}, errors.Join(drainErr, err)
	}
	api = api.since(apiBefore)
	f := map[string]float64{
		"jobs":                              float64(sum.Jobs),
		"jobs_completed":                    float64(sum.Completed),
		"jobs_run_more_than_once":           float64(sum.RanTwice),
		"duration_seconds":                  took.Seconds(),
		"job_queued_to_pod_created_p50":     sum.QueuedToPodCreated.P50,
		"job_queued_to_pod_created_p95":     sum.QueuedToPodCreated.P95,
		"job_queued_to_pod_created_p99":     sum.QueuedToPodCreated.P99,
		"job_queued_to_started_p50":         sum.QueuedToStarted.P50,
		"job_queued_to_started_p95":         sum.QueuedToStarted.P95,
		"job_queued_to_started_p99":         sum.QueuedToStarted.P99,
		"job_completed_to_pod_gone_p50":     sum.CompletedToPodGone.P50,
		"job_completed_to_pod_gone_p99":     sum.CompletedToPodGone.P99,
		"job_completed_to_pod_ended_p50":    sum.CompletedToPodEnded.P50,
		"pod_ended_to_pod_gone_p50":         sum.PodEndedToGone.P50,
		"all_runner_pods_created_seconds":   sum.AllPodsCreated.Seconds(),
		"actions_service_calls_per_job":     sum.PerJob(sum.ActionsCalls),
		"rest_calls_per_job":                sum.PerJob(sum.RESTCalls),
		"provider_cpu_seconds":              prov.CPUSeconds - provBefore.CPUSeconds,
		"provider_peak_rss_bytes":           float64(prov.PeakRSSBytes),
		"listener_cpu_seconds":              lis.CPUSeconds - lisBefore.CPUSeconds,
		"listener_peak_rss_bytes":           float64(lis.PeakRSSBytes),
		"provider_and_listener_cpu_per_job": sum.PerJobOf(prov.CPUSeconds - provBefore.CPUSeconds + lis.CPUSeconds - lisBefore.CPUSeconds),
		// Crossplane core with its RBAC manager, and the composition function:
		// what composing the teams' pools costs while their jobs run.
		"crossplane_cpu_per_job": sum.PerJobOf(xp.CPUSeconds - xpBefore.CPUSeconds),
		"function_cpu_per_job":   sum.PerJobOf(fn.CPUSeconds - fnBefore.CPUSeconds),
		"apiserver_cpu_seconds":  api.cpuSeconds,
		"apiserver_cpu_per_job":  sum.PerJobOf(api.cpuSeconds),
	}
	for ep, n := range sum.CallsByEndpoint {
		f["calls_per_job "+ep] = sum.PerJob(n)
	}
	for w, n := range api.writes {
		f["apiserver_writes_per_job "+w] = sum.PerJobOf(n)
	}
	f["drained"] = 1
	if drainErr != nil {
		f["drained"] = 0
	}
	results[s.name] = f
	progress("%s: %d jobs in %s; queued->pod p50 %.2fs p99 %.2fs; completed->gone p50 %.2fs; %.2f Actions calls/job; API server %.1f ms CPU/job",
		s.name, sum.Jobs, took.Round(time.Second), sum.QueuedToPodCreated.P50, sum.QueuedToPodCreated.P99, sum.CompletedToPodGone.P50, sum.PerJob(sum.ActionsCalls), 1000*f["apiserver_cpu_per_job"])
	if drainErr != nil {
		return sum, drainErr
	}
	if sum.Completed != sum.Jobs {
		return sum, fmt.Errorf("%d of %d jobs completed", sum.Completed, sum.Jobs)
	}
	return sum, nil
}

func burst(ctx context.Context, env *demo.Env, c config, results Results, progress func(string, ...any)) error {
	var samples []Sample
	s := scenario{
		name:   "burst_1000_jobs_one_scale_set",
		teams:  []demo.TeamSpec{{Name: "bench-burst", ScaleSetName: "bench-burst", MaxRunners: int32(c.burstJobs)}}, //nolint:gosec // a flag
		stream: demo.StreamSpec{Jobs: c.burstJobs, JobDuration: c.jobDuration, Workers: 32},
		sample: func(t time.Duration, jobs []simclient.Job, counts []demo.TeamCounts) {
			var smp Sample
			smp.At = t
			for _, c := range counts {
				smp.Queued += c.Queued
				smp.Pods += c.PodsPending + c.PodsReady + c.PodsFinished
				smp.Running += c.Running
			}
			samples = append(samples, smp)
		},
	}
	if c.profileFor > 0 {
		fetches := map[string]profileFetch{"apiserver": apiServerProfile(env.Clients)}
		if c.pprofAddr != "" {
			fetches["provider"] = providerProfile(c.pprofAddr)
		}
		s.onStart = func(ctx context.Context) {
			var wg sync.WaitGroup
			for name, fetch := range fetches {
				wg.Go(func() {
					top, err := profile(ctx, name, fetch, c.out, c.profileFor)
					if err != nil {
						progress("%v", err)
						return
					}
					progress("%s CPU profile of the burst's first %s in %s", name, c.profileFor, top)
				})
			}
			wg.Wait()
		}
	}
	if c.burstJobs != 1000 {
		s.name = fmt.Sprintf("burst_%d_jobs_one_scale_set", c.burstJobs)
	}
	sum, runErr := runScenario(ctx, env, c, s, results, progress)
	if results[s.name] == nil {
		return runErr
	}
	if perr := writePlot(filepath.Join(c.out, "scaling.png"), samples, fmt.Sprintf("burst of %d jobs on one scale set", c.burstJobs)); perr != nil {
		return errors.Join(runErr, perr)
	}
	progress("floor: %d Secret + Pod pairs with 32 goroutines", c.burstJobs)
	apiBefore, err := readAPIServerUsage(ctx, env.Clients)
	if err != nil {
		return errors.Join(runErr, err)
	}
	floor, floorNS, err := measureFloor(ctx, env.Clients, c.burstJobs)
	if floorNS != "" {
		// The floor's pods are still being scheduled and started when its
		// time is taken: the next scenario starts once they are gone, or it
		// measures that work as its own (the fan-out after the burst did: a
		// third of a pod DELETE and a binding per job more).
		defer func() {
			progress("floor: removing %s", floorNS)
			if err := env.DeleteAndWait(context.Background(), client.ObjectKey{Name: floorNS}, &corev1.Namespace{}, 5*time.Minute); err != nil {
				progress("floor: %v", err)
			}
		}()
	}
	if err != nil {
		return errors.Join(runErr, err)
	}
	api, err := readAPIServerUsage(ctx, env.Clients)
	if err != nil {
		return errors.Join(runErr, err)
	}
	results[s.name]["floor_secret_pod_pairs_seconds"] = floor.Seconds()
	// The pairs' own cost: the scheduler's and kwok's work on the pods goes
	// on after the last pair and is left out, as it is from the floor's time.
	results[s.name]["floor_apiserver_cpu_per_pair"] = api.since(apiBefore).cpuSeconds / float64(c.burstJobs)
	if floor > 0 {
		results[s.name]["all_runner_pods_created_over_floor"] = sum.AllPodsCreated.Seconds() / floor.Seconds()
	}
	progress("floor: %s; burst/floor %.1f", floor.Round(10*time.Millisecond), sum.AllPodsCreated.Seconds()/floor.Seconds())
	return runErr
}

func fanout(ctx context.Context, env *demo.Env, c config, results Results, progress func(string, ...any)) error {
	var teams []demo.TeamSpec
	for i := range c.fanoutSets {
		name := fmt.Sprintf("bench-fanout-%02d", i+1)
		teams = append(teams, demo.TeamSpec{Name: name, ScaleSetName: name, MaxRunners: int32(c.fanoutJobs)}) //nolint:gosec // a flag
	}
	_, err := runScenario(ctx, env, c, scenario{
		name:   fmt.Sprintf("fanout_%d_scale_sets_x_%d_jobs", c.fanoutSets, c.fanoutJobs),
		teams:  teams,
		stream: demo.StreamSpec{Jobs: c.fanoutSets * c.fanoutJobs, JobDuration: c.jobDuration, Workers: 32},
	}, results, progress)
	return err
}

func steady(ctx context.Context, env *demo.Env, c config, results Results, progress func(string, ...any)) error {
	jobs := int(c.steadyRate * c.steadyFor.Seconds())
	_, err := runScenario(ctx, env, c, scenario{
		name:   fmt.Sprintf("steady_%g_jobs_per_second_for_%s", c.steadyRate, c.steadyFor),
		teams:  []demo.TeamSpec{{Name: "bench-steady", ScaleSetName: "bench-steady", MaxRunners: 200}},
		stream: demo.StreamSpec{Jobs: jobs, Rate: c.steadyRate, JobDuration: c.jobDuration},
	}, results, progress)
	return err
}

func writeResults(dir string, r Results) error {
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // a docs folder
		return fmt.Errorf("%s: %w", errWrite, err)
	}
	return writeJSON(filepath.Join(dir, "latest.json"), r)
}

// writeJSON writes v, indented, to path.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", errWrite, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil { //nolint:gosec // a docs file
		return fmt.Errorf("%s: %w", errWrite, err)
	}
	return nil
}
