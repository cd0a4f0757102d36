package actions

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMatches(t *testing.T) {
	type args struct {
		tenant   string
		groupID  int64
		ssLabels []string
		repo     string
		labels   []string
		denied   []string
		// onlyWorkflow restricts every group to one workflow ref.
		onlyWorkflow string
		workflowRef  string
	}
	cases := map[string]struct {
		reason string
		args   args
		want   bool
	}{
		"NameLabel": {
			reason: "runs-on: <scale set name> matches a scale set with the default label.",
			args:   args{tenant: "t-octo", groupID: 1, ssLabels: []string{"linux"}, repo: "octo/app", labels: []string{"linux"}},
			want:   true,
		},
		"CaseInsensitive": {
			reason: "Labels compare case-insensitively.",
			args:   args{tenant: "t-octo", groupID: 1, ssLabels: []string{"Linux"}, repo: "octo/app", labels: []string{"LINUX"}},
			want:   true,
		},
		"SubsetOfLabels": {
			reason: "Every runs-on label must be among the scale set's; extra scale set labels do not matter.",
			args:   args{tenant: "t-octo", groupID: 1, ssLabels: []string{"linux", "x64", "gpu"}, repo: "octo/app", labels: []string{"gpu", "linux"}},
			want:   true,
		},
		"MissingLabel": {
			reason: "One runs-on label the scale set lacks is enough to miss.",
			args:   args{tenant: "t-octo", groupID: 1, ssLabels: []string{"linux"}, repo: "octo/app", labels: []string{"linux", "arm64"}},
			want:   false,
		},
		"NoImplicitSelfHosted": {
			reason: "Scale sets carry no implicit self-hosted label.",
			args:   args{tenant: "t-octo", groupID: 1, ssLabels: []string{"linux"}, repo: "octo/app", labels: []string{"self-hosted", "linux"}},
			want:   false,
		},
		"NoLabels": {
			reason: "A job without runs-on labels matches nothing.",
			args:   args{tenant: "t-octo", groupID: 1, ssLabels: []string{"linux"}, repo: "octo/app"},
			want:   false,
		},
		"OtherTenant": {
			reason: "A scale set serves only repositories its tenant covers.",
			args:   args{tenant: "t-other", groupID: 1, ssLabels: []string{"linux"}, repo: "octo/app", labels: []string{"linux"}},
			want:   false,
		},
		"GroupDenies": {
			reason: "The runner group's policy must admit the repository.",
			args:   args{tenant: "t-octo", groupID: 2, ssLabels: []string{"linux"}, repo: "octo/app", labels: []string{"linux"}, denied: []string{"t-octo/2/octo/app"}},
			want:   false,
		},
		"WorkflowAllowed": {
			reason: "A group restricted to workflows admits the listed workflow.",
			args:   args{tenant: "t-octo", groupID: 1, ssLabels: []string{"linux"}, repo: "octo/app", labels: []string{"linux"}, onlyWorkflow: "octo/app/.github/workflows/ci.yml@main", workflowRef: "octo/app/.github/workflows/ci.yml@main"},
			want:   true,
		},
		"WorkflowRestricted": {
			reason: "A group restricted to workflows refuses other workflows.",
			args:   args{tenant: "t-octo", groupID: 1, ssLabels: []string{"linux"}, repo: "octo/app", labels: []string{"linux"}, onlyWorkflow: "octo/app/.github/workflows/ci.yml@main", workflowRef: "octo/app/.github/workflows/deploy.yml@main"},
			want:   false,
		},
		"OtherGroupAdmits": {
			reason: "A denial in one group does not affect another.",
			args:   args{tenant: "t-octo", groupID: 1, ssLabels: []string{"linux"}, repo: "octo/app", labels: []string{"linux"}, denied: []string{"t-octo/2/octo/app"}},
			want:   true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			denied := map[string]bool{}
			for _, d := range tc.args.denied {
				denied[d] = true
			}
			var dir Directory = fakeDirectory{denied: denied}
			if tc.args.onlyWorkflow != "" {
				dir = workflowDirectory{fakeDirectory: fakeDirectory{denied: denied}, only: tc.args.onlyWorkflow}
			}
			ts := newTestService(t, func(c *Config) { c.Directory = dir })
			ss := ts.addScaleSet(tc.args.tenant, "s", tc.args.groupID, tc.args.ssLabels...)
			j := &job{repository: tc.args.repo, labels: tc.args.labels, workflowRef: tc.args.workflowRef}
			ts.mu.Lock()
			got := ts.matchesLocked(j, ss)
			ts.mu.Unlock()
			if got != tc.want {
				t.Errorf("%s\nmatches: got %v, want %v", tc.reason, got, tc.want)
			}
		})
	}
}

// TestStatistics walks one job through its life and checks the statistics of
// PROTOCOL.md §5.5 at every step, for the serving scale set and a bystander that
// matches the job too.
func TestStatistics(t *testing.T) {
	ts := newTestService(t)
	ss := ts.addScaleSet("t-octo", "linux", 1)
	other := ts.addScaleSet("t-octo", "linux-too", 1, "linux")
	ts.openSession(ss)
	idle := ts.addRunner(ss, "idle", true)
	ts.addRunner(ss, "offline", false)

	steps := []struct {
		reason    string
		act       func()
		want      Statistics
		wantOther Statistics
	}{
		{
			reason:    "Runners only: one connected (idle), one never connected (offline); both registered.",
			act:       func() {},
			want:      Statistics{TotalRegisteredRunners: 2, TotalIdleRunners: 1},
			wantOther: Statistics{},
		},
		{
			reason:    "A queued job is available to every scale set it matches.",
			act:       func() { ts.submit("octo/app", "linux") },
			want:      Statistics{TotalAvailableJobs: 1, TotalRegisteredRunners: 2, TotalIdleRunners: 1},
			wantOther: Statistics{TotalAvailableJobs: 1},
		},
		{
			reason: "Acquired and assigned: no longer available anywhere, assigned to the winner.",
			act: func() {
				ts.mu.Lock()
				ts.acquireLocked(ss, []int64{ts.st.open[0].requestID})
				ts.mu.Unlock()
			},
			want:      Statistics{TotalAssignedJobs: 1, TotalRegisteredRunners: 2, TotalIdleRunners: 1},
			wantOther: Statistics{},
		},
		{
			reason: "Started: running and busy; assigned stays.",
			act: func() {
				ts.mu.Lock()
				ts.takeJobLocked(idle)
				ts.mu.Unlock()
			},
			want:      Statistics{TotalAssignedJobs: 1, TotalRunningJobs: 1, TotalRegisteredRunners: 2, TotalBusyRunners: 1},
			wantOther: Statistics{},
		},
		{
			reason: "Completed: the ephemeral runner is gone with its job.",
			act: func() {
				ts.mu.Lock()
				ts.completeLocked(ts.st.open[0], ResultSucceeded)
				ts.settleLocked()
				ts.mu.Unlock()
			},
			want:      Statistics{TotalRegisteredRunners: 1},
			wantOther: Statistics{},
		},
	}
	for i, step := range steps {
		step.act()
		if diff := cmp.Diff(step.want, ts.stats(ss)); diff != "" {
			t.Errorf("step %d: %s\nserving scale set: -want, +got:\n%s", i, step.reason, diff)
		}
		if diff := cmp.Diff(step.wantOther, ts.stats(other)); diff != "" {
			t.Errorf("step %d: %s\nbystander: -want, +got:\n%s", i, step.reason, diff)
		}
	}
}

func TestMessageStreamOfOneJob(t *testing.T) {
	ts := newTestService(t)
	ss := ts.addScaleSet("t-octo", "linux", 1)
	sess := ts.openSession(ss)
	rn := ts.addRunner(ss, "r", true)
	j := ts.submit("octo/app", "linux")

	ts.mu.Lock()
	ts.acquireLocked(ss, []int64{j.requestID})
	ts.takeJobLocked(rn)
	ts.completeLocked(j, ResultFailed)
	ts.mu.Unlock()

	events := ts.drain(sess)
	if diff := cmp.Diff([]string{msgJobAvailable, msgJobAssigned, msgJobStarted, msgJobCompleted}, types(events)); diff != "" {
		t.Fatalf("message types: -want, +got:\n%s", diff)
	}
	for _, e := range events {
		if e.RunnerRequestID != j.requestID || e.JobID != j.jobID || e.OwnerName != "octo" || e.RepositoryName != "app" {
			t.Errorf("%s: wrong job fields: %+v", e.MessageType, e)
		}
	}
	if events[0].AcquireJobURL != "https://sim.test/_actions/t-octo/_apis/runtime/runnerscalesets/1/acquirejobs" {
		t.Errorf("JobAvailable acquireJobUrl: got %q", events[0].AcquireJobURL)
	}
	if events[1].ScaleSetAssignTime.IsZero() || !events[1].RunnerAssignTime.IsZero() {
		t.Errorf("JobAssigned times: got %+v", events[1])
	}
	if events[2].RunnerID != rn.id || events[2].RunnerName != "r" || events[2].RunnerAssignTime.IsZero() {
		t.Errorf("JobStarted runner fields: got %+v", events[2])
	}
	if events[3].Result != ResultFailed || events[3].RunnerID != rn.id || events[3].FinishTime.IsZero() {
		t.Errorf("JobCompleted: got %+v", events[3])
	}
}

func TestCapacityHoldsBackAssignments(t *testing.T) {
	ts := newTestService(t)
	ss := ts.addScaleSet("t-octo", "linux", 1)
	sess := ts.openSession(ss)
	first := ts.submit("octo/app", "linux")
	second := ts.submit("octo/app", "linux")

	ts.mu.Lock()
	ss.capacity = 1
	held := ts.acquireLocked(ss, []int64{first.requestID, second.requestID})
	ts.settleLocked()
	ts.mu.Unlock()
	if diff := cmp.Diff([]int64{first.requestID}, held); diff != "" {
		t.Errorf("acquire at capacity 1: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff(Statistics{TotalAvailableJobs: 1, TotalAssignedJobs: 1}, ts.stats(ss)); diff != "" {
		t.Errorf("held back request stays available: -want, +got:\n%s", diff)
	}
	ts.drain(sess)

	ts.mu.Lock()
	ts.completeLocked(first, ResultSucceeded)
	ts.settleLocked()
	ts.mu.Unlock()
	if second.state != JobAssigned || second.scaleSet != ss {
		t.Errorf("after room frees up the acquired request is assigned: got state %s", second.state)
	}
	if diff := cmp.Diff([]string{msgJobCompleted, msgJobAssigned}, types(ts.drain(sess))); diff != "" {
		t.Errorf("messages: the held request is not announced twice: -want, +got:\n%s", diff)
	}
}

func TestCapacityZeroAssignsNothing(t *testing.T) {
	ts := newTestService(t, func(c *Config) { c.AutoAssign = true })
	ss := ts.addScaleSet("t-octo", "linux", 1)
	ts.openSession(ss)
	ts.mu.Lock()
	ss.capacity = 0
	ts.mu.Unlock()
	j := ts.submit("octo/app", "linux")
	if j.state != JobQueued {
		t.Fatalf("capacity 0: got state %s, want queued", j.state)
	}
	ts.mu.Lock()
	ss.capacity = 5
	ts.settleLocked()
	ts.mu.Unlock()
	if j.state != JobAssigned {
		t.Errorf("after capacity rises: got state %s, want assigned", j.state)
	}
}

func TestAutoAssignPicksLowestScaleSetID(t *testing.T) {
	ts := newTestService(t, func(c *Config) { c.AutoAssign = true })
	low := ts.addScaleSet("t-octo", "a", 1, "linux")
	high := ts.addScaleSet("t-octo", "b", 1, "linux")
	lowSess := ts.openSession(low)
	highSess := ts.openSession(high)

	j := ts.submit("octo/app", "linux")
	if j.scaleSet != low {
		t.Fatalf("auto mode: job went to scale set %v, want the lowest id %d", j.scaleSetID, low.id)
	}
	if diff := cmp.Diff([]string{msgJobAssigned}, types(ts.drain(lowSess))); diff != "" {
		t.Errorf("auto mode sends JobAssigned without JobAvailable: -want, +got:\n%s", diff)
	}
	if got := ts.drain(highSess); len(got) != 0 {
		t.Errorf("the other scale set hears nothing, got %v", types(got))
	}
}

func TestAcquireFirstWins(t *testing.T) {
	ts := newTestService(t)
	a := ts.addScaleSet("t-octo", "a", 1, "linux")
	b := ts.addScaleSet("t-octo", "b", 1, "linux")
	aSess, bSess := ts.openSession(a), ts.openSession(b)
	j := ts.submit("octo/app", "linux")
	if diff := cmp.Diff([]string{msgJobAvailable}, types(ts.drain(bSess))); diff != "" {
		t.Errorf("every matching session hears JobAvailable: -want, +got:\n%s", diff)
	}
	ts.drain(aSess)

	ts.mu.Lock()
	won := ts.acquireLocked(b, []int64{j.requestID})
	lost := ts.acquireLocked(a, []int64{j.requestID})
	again := ts.acquireLocked(b, []int64{j.requestID})
	ts.mu.Unlock()
	if diff := cmp.Diff([][]int64{{j.requestID}, {}, {j.requestID}}, [][]int64{won, lost, again}); diff != "" {
		t.Errorf("first acquire wins, the loser gets nothing, acquiring again is idempotent: -want, +got:\n%s", diff)
	}
	if got := ts.stats(a).TotalAvailableJobs; got != 0 {
		t.Errorf("loser's available jobs: got %d, want 0", got)
	}
}

func TestRunnerVanishReassigns(t *testing.T) {
	ts := newTestService(t)
	ss := ts.addScaleSet("t-octo", "linux", 1)
	sess := ts.openSession(ss)
	first := ts.addRunner(ss, "first", true)
	second := ts.addRunner(ss, "second", true)
	j := ts.submit("octo/app", "linux")
	oldRequest := j.requestID

	ts.mu.Lock()
	ts.acquireLocked(ss, []int64{j.requestID})
	ts.takeJobLocked(first)
	ts.disconnectLocked(first)
	ts.settleLocked()
	ts.mu.Unlock()

	if j.state != JobQueued || j.requestID == oldRequest || j.attempts != 2 {
		t.Fatalf("after the runner vanished: got state %s, request %d (was %d), attempts %d", j.state, j.requestID, oldRequest, j.attempts)
	}
	events := ts.drain(sess)
	if diff := cmp.Diff([]string{msgJobAvailable, msgJobAssigned, msgJobStarted, msgJobCompleted, msgJobAvailable}, types(events)); diff != "" {
		t.Fatalf("messages: -want, +got:\n%s", diff)
	}
	if c := events[3]; c.Result != ResultCanceled || c.RunnerID != first.id || c.RunnerRequestID != oldRequest {
		t.Errorf("JobCompleted of the lost request: got %+v", c)
	}
	if a := events[4]; a.RunnerRequestID != j.requestID || a.JobID != j.jobID {
		t.Errorf("JobAvailable of the new request keeps the jobId: got %+v", a)
	}

	ts.mu.Lock()
	ts.acquireLocked(ss, []int64{j.requestID})
	got := ts.takeJobLocked(second)
	spentAgain := ts.takeJobLocked(first)
	ts.mu.Unlock()
	if got != j || j.runs != 2 || j.runnerID != second.id {
		t.Errorf("the job runs again on another runner: got %+v", j)
	}
	if spentAgain != nil {
		t.Errorf("a runner that lost its job takes no other")
	}
}

func TestQueueExpiry(t *testing.T) {
	cases := map[string]struct {
		reason      string
		advance     time.Duration
		assign      bool
		start       bool
		wantState   JobState
		wantExpired bool
		wantEvents  []string
	}{
		"QueuedBeforeExpiry": {
			reason:     "A day minus a second is not yet expired.",
			advance:    24*time.Hour - time.Second,
			wantState:  JobQueued,
			wantEvents: []string{msgJobAvailable},
		},
		"QueuedExpires": {
			reason:      "A request no runner took in 24 h is dropped.",
			advance:     24 * time.Hour,
			wantState:   JobCompleted,
			wantExpired: true,
			wantEvents:  []string{msgJobAvailable},
		},
		"AssignedExpires": {
			reason:      "An assigned request without a runner expires too, and its scale set hears JobCompleted.",
			advance:     24 * time.Hour,
			assign:      true,
			wantState:   JobCompleted,
			wantExpired: true,
			wantEvents:  []string{msgJobAvailable, msgJobAssigned, msgJobCompleted},
		},
		"StartedNeverExpires": {
			reason:     "A running job is not unassigned.",
			advance:    48 * time.Hour,
			assign:     true,
			start:      true,
			wantState:  JobStarted,
			wantEvents: []string{msgJobAvailable, msgJobAssigned, msgJobStarted},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ts := newTestService(t)
			ss := ts.addScaleSet("t-octo", "linux", 1)
			sess := ts.openSession(ss)
			rn := ts.addRunner(ss, "r", true)
			j := ts.submit("octo/app", "linux")
			ts.mu.Lock()
			if tc.assign {
				ts.acquireLocked(ss, []int64{j.requestID})
			}
			if tc.start {
				ts.takeJobLocked(rn)
			}
			ts.mu.Unlock()

			ts.clock.Advance(tc.advance)
			ts.Sweep()

			if j.state != tc.wantState || j.expired != tc.wantExpired {
				t.Errorf("%s\ngot state %s expired %v, want %s %v", tc.reason, j.state, j.expired, tc.wantState, tc.wantExpired)
			}
			if diff := cmp.Diff(tc.wantEvents, types(ts.drain(sess))); diff != "" {
				t.Errorf("%s\nmessages: -want, +got:\n%s", tc.reason, diff)
			}
			if tc.wantExpired && j.finalResult != ResultCanceled {
				t.Errorf("%s\nresult: got %q, want canceled", tc.reason, j.finalResult)
			}
		})
	}
}

func TestSessionIdleExpiry(t *testing.T) {
	ts := newTestService(t, func(c *Config) { c.SessionIdleTimeout = time.Minute })
	ss := ts.addScaleSet("t-octo", "linux", 1)
	sess := ts.openSession(ss)

	ts.clock.Advance(time.Minute - time.Second)
	ts.Sweep()
	if ss.session != sess {
		t.Fatalf("session ended before its idle timeout")
	}
	ts.clock.Advance(time.Second)
	ts.Sweep()
	if ss.session != nil || !sess.ended {
		t.Errorf("session still active after its idle timeout")
	}
}

func TestDeleteScaleSetRequeuesAssigned(t *testing.T) {
	ts := newTestService(t)
	doomed := ts.addScaleSet("t-octo", "a", 1, "linux")
	heir := ts.addScaleSet("t-octo", "b", 1, "linux")
	ts.openSession(doomed)
	heirSess := ts.openSession(heir)
	j := ts.submit("octo/app", "linux")
	ts.mu.Lock()
	ts.acquireLocked(doomed, []int64{j.requestID})
	ts.mu.Unlock()
	ts.drain(heirSess)
	tok := ts.adminToken("t-octo")

	if rec := ts.call("DELETE", "/_actions/t-octo/_apis/runtime/runnerscalesets/1", tok, nil); rec.Code != 204 {
		t.Fatalf("DELETE: got %d %s", rec.Code, rec.Body)
	}
	if j.state != JobQueued {
		t.Errorf("the assigned request goes back to the queue: got %s", j.state)
	}
	if diff := cmp.Diff([]string{msgJobAvailable}, types(ts.drain(heirSess))); diff != "" {
		t.Errorf("the other scale set hears of the requeued job: -want, +got:\n%s", diff)
	}
}

func TestDeleteScaleSetBusy(t *testing.T) {
	ts := newTestService(t)
	ss := ts.addScaleSet("t-octo", "linux", 1)
	ts.openSession(ss)
	rn := ts.addRunner(ss, "r", true)
	j := ts.submit("octo/app", "linux")
	ts.mu.Lock()
	ts.acquireLocked(ss, []int64{j.requestID})
	ts.takeJobLocked(rn)
	ts.mu.Unlock()

	rec := ts.call("DELETE", "/_actions/t-octo/_apis/runtime/runnerscalesets/1", ts.adminToken("t-octo"), nil)
	if rec.Code != 409 || !contains(rec.Body.String(), exScaleSetBusy) {
		t.Errorf("DELETE of a busy scale set: got %d %s", rec.Code, rec.Body)
	}
	if _, ok := ts.st.scaleSets[ss.id]; !ok {
		t.Errorf("the busy scale set was deleted")
	}
}

func TestHeldBackRequestIsAnnouncedToTheNextSession(t *testing.T) {
	ts := newTestService(t)
	ss := ts.addScaleSet("t-octo", "linux", 1)
	old := ts.openSession(ss)
	j := ts.submit("octo/app", "linux")
	ts.mu.Lock()
	ss.capacity = 0
	ts.acquireLocked(ss, []int64{j.requestID})
	ts.endSessionLocked(old)
	ts.mu.Unlock()

	next := ts.openSession(ss)
	// The new listener polls with room to spare.
	ts.mu.Lock()
	ss.capacity = 5
	ts.settleLocked()
	ts.mu.Unlock()
	if j.state != JobQueued {
		t.Fatalf("a request the old listener asked for must not be assigned to the new session unasked: got %s", j.state)
	}
	if diff := cmp.Diff([]string{msgJobAvailable}, types(ts.drain(next))); diff != "" {
		t.Errorf("the new session hears of the available request: -want, +got:\n%s", diff)
	}
}

func TestAssignTimeoutReassigns(t *testing.T) {
	const timeout = 2 * time.Minute
	ts := newTestService(t, func(c *Config) { c.AssignTimeout = timeout })
	ss := ts.addScaleSet("t-octo", "linux", 1)
	sess := ts.openSession(ss)
	j := ts.submit("octo/app", "linux")
	acquire := func() {
		ts.mu.Lock()
		ts.acquireLocked(ss, []int64{j.requestID})
		ts.settleLocked()
		ts.mu.Unlock()
	}

	// Each unassignment doubles the next timeout; after maxReassign of them the
	// request stays assigned.
	waits := []time.Duration{timeout, 2 * timeout, 4 * timeout}
	for i, wait := range waits {
		acquire()
		ts.drain(sess)
		ts.clock.Advance(wait - time.Second)
		ts.Sweep()
		if j.state != JobAssigned {
			t.Fatalf("round %d: taken back before its timeout", i)
		}
		ts.clock.Advance(time.Second)
		ts.Sweep()
		if j.state != JobQueued || j.attempts != i+2 {
			t.Fatalf("round %d: want the request taken back (attempt %d), got state %s attempt %d", i, i+2, j.state, j.attempts)
		}
		if diff := cmp.Diff([]string{msgJobCompleted, msgJobAvailable}, types(ts.drain(sess))); diff != "" {
			t.Errorf("round %d: messages: -want, +got:\n%s", i, diff)
		}
	}
	acquire()
	ts.clock.Advance(8 * timeout)
	ts.Sweep()
	if j.state != JobAssigned {
		t.Errorf("after %d unassignments the request stays assigned, got %s", maxReassign, j.state)
	}
}
