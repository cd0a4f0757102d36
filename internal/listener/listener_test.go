package listener

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actions/scaleset"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// testDeadline bounds every wait of these tests; they finish in milliseconds
// when the code works.
const testDeadline = 10 * time.Second

// calls records what the listener did, in order, across fakes.
type calls struct {
	mu  sync.Mutex
	log []string
}

func (c *calls) add(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, fmt.Sprintf(format, args...))
}

func (c *calls) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string{}, c.log...)
}

// matching returns the recorded calls that start with one of prefixes.
func (c *calls) matching(prefixes ...string) []string {
	var out []string
	for _, s := range c.all() {
		for _, p := range prefixes {
			if strings.HasPrefix(s, p) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// fakeSession is a message queue with the service's redelivery rule: GET
// returns the oldest undeleted message above lastMessageId. With nothing to
// return it answers "no message" emptyPolls times, then reports that it is
// idle and blocks until the poll's context ends.
type fakeSession struct {
	calls *calls
	name  string
	stats scaleset.RunnerScaleSetStatistic

	mu         sync.Mutex
	pending    []*scaleset.RunnerScaleSetMessage
	emptyPolls int
	getErrs    []error
	// acquirable, when set, is what acquirejobs hands over of the ids asked.
	acquirable map[int64]bool
	// closeErr is what deleting the session returns.
	closeErr error

	idle     chan struct{}
	idleOnce sync.Once
}

func newFakeSession(c *calls, name string, stats scaleset.RunnerScaleSetStatistic, msgs ...*scaleset.RunnerScaleSetMessage) *fakeSession {
	return &fakeSession{calls: c, name: name, stats: stats, pending: msgs, idle: make(chan struct{})}
}

func (s *fakeSession) GetMessage(ctx context.Context, last, capacity int) (*scaleset.RunnerScaleSetMessage, error) {
	s.calls.add("%s get last=%d capacity=%d", s.name, last, capacity)
	s.mu.Lock()
	if len(s.getErrs) > 0 {
		err := s.getErrs[0]
		s.getErrs = s.getErrs[1:]
		s.mu.Unlock()
		return nil, err
	}
	for _, m := range s.pending {
		if m.MessageID > last {
			s.mu.Unlock()
			return m, nil
		}
	}
	if s.emptyPolls > 0 {
		s.emptyPolls--
		s.mu.Unlock()
		return nil, nil
	}
	s.mu.Unlock()
	s.idleOnce.Do(func() { close(s.idle) })
	<-ctx.Done()
	return nil, ctx.Err()
}

func (s *fakeSession) DeleteMessage(_ context.Context, id int) error {
	s.calls.add("%s delete %d", s.name, id)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, m := range s.pending {
		if m.MessageID == id {
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			break
		}
	}
	return nil
}

func (s *fakeSession) AcquireJobs(_ context.Context, ids []int64) ([]int64, error) {
	s.calls.add("%s acquire %v", s.name, ids)
	if s.acquirable == nil {
		return ids, nil
	}
	var out []int64
	for _, id := range ids {
		if s.acquirable[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

func (s *fakeSession) Session() scaleset.RunnerScaleSetSession {
	stats := s.stats
	return scaleset.RunnerScaleSetSession{SessionID: sessionID(s.name), OwnerName: "pod", Statistics: &stats}
}

func (s *fakeSession) Close(ctx context.Context) error {
	// The session must be deleted even though Run's context has ended.
	s.calls.add("%s close ctxErr=%v", s.name, ctx.Err())
	return s.closeErr
}

// sessionID is the id of the fake session named name.
func sessionID(name string) uuid.UUID { return uuid.NewSHA1(uuid.Nil, []byte(name)) }

// fakeOpener hands out its results in order; past the end it fails. It
// deletes sessions by id with the errors of deleteErrs, in order, then with
// success.
type fakeOpener struct {
	calls      *calls
	mu         sync.Mutex
	results    []any // SessionClient or error
	deleteErrs []error
}

func (o *fakeOpener) DeleteSession(_ context.Context, id uuid.UUID) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.deleteErrs) > 0 {
		err := o.deleteErrs[0]
		o.deleteErrs = o.deleteErrs[1:]
		o.calls.add("delete session %s: %v", id, err)
		return err
	}
	o.calls.add("delete session %s", id)
	return nil
}

func (o *fakeOpener) Open(context.Context) (SessionClient, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.results) == 0 {
		o.calls.add("open: none left")
		return nil, errors.New("no session left in the test script")
	}
	r := o.results[0]
	o.results = o.results[1:]
	switch v := r.(type) {
	case SessionClient:
		o.calls.add("open %s", v.(*fakeSession).name)
		return v, nil
	case error:
		o.calls.add("open: %v", v)
		return nil, v
	}
	panic("bad fakeOpener result")
}

func (o *fakeOpener) Reset() { o.calls.add("reset credentials") }

// fakeKube records patches; failReplicas fails that many replica patches
// first, and runners not in knownRunners do not exist.
type fakeKube struct {
	calls        *calls
	mu           sync.Mutex
	failReplicas int
	knownRunners map[string]bool
	// failRunners fails that many job patches of each runner first.
	failRunners map[string]int
	jobs        map[string]RunnerJob
}

func (k *fakeKube) PatchReplicas(_ context.Context, t ScaleTarget) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	call := fmt.Sprintf("kube replicas=%d patchID=%d", t.Replicas, t.PatchID)
	if t.RunningJobs != 0 {
		call += fmt.Sprintf(" runningJobs=%d", t.RunningJobs)
	}
	if k.failReplicas > 0 {
		k.failReplicas--
		k.calls.add("%s: fails", call)
		return errors.New("the API server is unavailable")
	}
	k.calls.add("%s", call)
	return nil
}

func (k *fakeKube) PatchRunnerJob(_ context.Context, name string, job RunnerJob) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.failRunners[name] > 0 {
		k.failRunners[name]--
		k.calls.add("kube runner %s job request %d: fails", name, job.JobRequestID)
		return errors.New("the API server is unavailable")
	}
	if !k.knownRunners[name] {
		k.calls.add("kube runner %s: not found", name)
		return apierrors.NewNotFound(schema.GroupResource{Group: "runners.arc.crossplane.io", Resource: "ephemeralrunners"}, name)
	}
	k.calls.add("kube runner %s job request %d", name, job.JobRequestID)
	if k.jobs == nil {
		k.jobs = map[string]RunnerJob{}
	}
	k.jobs[name] = job
	return nil
}

var (
	t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
)

func jobBase(req int64) scaleset.JobMessageBase {
	return scaleset.JobMessageBase{
		RunnerRequestID: req, RepositoryName: "app", OwnerName: "octo", JobID: fmt.Sprintf("job-%d", req),
		JobWorkflowRef: "octo/app/.github/workflows/ci.yml@refs/heads/main", JobDisplayName: "build",
		WorkflowRunID: 900 + req, EventName: "push",
		QueueTime: t0, ScaleSetAssignTime: t0.Add(time.Second), RunnerAssignTime: t0.Add(3 * time.Second),
	}
}

type batch struct {
	available []int64
	assigned  []int64
	started   map[int64]string // request -> runner name
	completed []int64
}

func message(id int, stats scaleset.RunnerScaleSetStatistic, b batch) *scaleset.RunnerScaleSetMessage {
	m := &scaleset.RunnerScaleSetMessage{MessageID: id, Statistics: &stats}
	for _, r := range b.available {
		m.JobAvailableMessages = append(m.JobAvailableMessages, &scaleset.JobAvailable{JobMessageBase: jobBase(r)})
	}
	for _, r := range b.assigned {
		m.JobAssignedMessages = append(m.JobAssignedMessages, &scaleset.JobAssigned{JobMessageBase: jobBase(r)})
	}
	for r, name := range b.started {
		m.JobStartedMessages = append(m.JobStartedMessages, &scaleset.JobStarted{RunnerID: int(r), RunnerName: name, JobMessageBase: jobBase(r)})
	}
	for _, r := range b.completed {
		base := jobBase(r)
		base.FinishTime = base.RunnerAssignTime.Add(20 * time.Second)
		m.JobCompletedMessages = append(m.JobCompletedMessages, &scaleset.JobCompleted{Result: "succeeded", RunnerID: int(r), RunnerName: fmt.Sprintf("runner-%d", r), JobMessageBase: base})
	}
	return m
}

func assigned(n int) scaleset.RunnerScaleSetStatistic {
	return scaleset.RunnerScaleSetStatistic{TotalAssignedJobs: n}
}

// running starts a Listener over the fakes, after tweaks, and returns a func
// that stops it (as SIGTERM does) and waits for Run to return.
func running(t *testing.T, o Options, tweaks ...func(*Listener)) (*Listener, func()) {
	t.Helper()
	o.RetryMin, o.RetryMax = time.Millisecond, 4*time.Millisecond
	o.FirstPatchID = 100
	l, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	for _, tweak := range tweaks {
		tweak(l)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(testDeadline):
				t.Fatalf("Run did not return within %s of its context's end", testDeadline)
			}
		})
	}
	t.Cleanup(stop)
	return l, stop
}

func waitIdle(t *testing.T, s *fakeSession) {
	t.Helper()
	select {
	case <-s.idle:
	case <-time.After(testDeadline):
		t.Fatalf("session %s was not drained within %s", s.name, testDeadline)
	}
}

// Every message is handled before it is deleted, and the next poll names the
// last deleted message; the session is deleted when the listener stops.
func TestMessagesAreDeletedAfterTheyAreHandled(t *testing.T) {
	c := &calls{}
	s := newFakeSession(c, "s1", assigned(0),
		message(1, assigned(0), batch{available: []int64{11, 12}}),
		message(2, assigned(2), batch{assigned: []int64{11, 12}}),
		message(3, assigned(2), batch{started: map[int64]string{11: "runner-a"}}),
		message(4, assigned(1), batch{completed: []int64{11}}),
	)
	kube := &fakeKube{calls: c, knownRunners: map[string]bool{"runner-a": true}}
	_, stop := running(t, Options{MinRunners: 1, MaxRunners: 10, Sessions: &fakeOpener{calls: c, results: []any{s}}, Kube: kube})
	waitIdle(t, s)
	stop()

	want := []string{
		"open s1",
		"kube replicas=1 patchID=101",
		"s1 get last=0 capacity=10",
		"s1 acquire [11 12]",
		// The service assigns what it hands over: their runners are asked
		// for now, not when the next message's statistics show them.
		"kube replicas=3 patchID=102",
		"s1 delete 1",
		"s1 get last=1 capacity=10",
		// The statistics now agree: nothing to patch.
		"s1 delete 2",
		"s1 get last=2 capacity=10",
		"kube runner runner-a job request 11",
		// A started job changes nothing the set must act on: no patch.
		"s1 delete 3",
		"s1 get last=3 capacity=10",
		"kube replicas=2 patchID=103",
		"s1 delete 4",
		"s1 get last=4 capacity=10",
		"s1 close ctxErr=<nil>",
	}
	if diff := cmp.Diff(want, c.all()); diff != "" {
		t.Errorf("calls: -want, +got:\n%s", diff)
	}
	wantJob := RunnerJob{
		RunnerID: 11, RunnerName: "runner-a", JobRequestID: 11, JobID: "job-11", JobRepositoryName: "octo/app",
		JobWorkflowRef: "octo/app/.github/workflows/ci.yml@refs/heads/main", JobDisplayName: "build",
		WorkflowRunID: 911, JobStartedAt: t0.Add(3 * time.Second),
	}
	if diff := cmp.Diff(wantJob, kube.jobs["runner-a"]); diff != "" {
		t.Errorf("job recorded on runner-a: -want, +got:\n%s", diff)
	}
}

// A message whose handling fails is not deleted: the next poll, with the same
// lastMessageId, gets it again, and it is handled once more (idempotently)
// before it is deleted. Its jobs are counted once.
func TestFailedHandlingLeavesTheMessageQueued(t *testing.T) {
	c := &calls{}
	s := newFakeSession(c, "s1", assigned(0),
		message(1, assigned(1), batch{started: map[int64]string{11: "runner-a"}}),
	)
	kube := &fakeKube{calls: c, failReplicas: 2, knownRunners: map[string]bool{"runner-a": true}}
	metrics := NewMetrics(ScaleSetLabels{Name: "linux"})
	_, stop := running(t, Options{MinRunners: 0, MaxRunners: 10, Sessions: &fakeOpener{calls: c, results: []any{s}}, Kube: kube, Metrics: metrics})
	waitIdle(t, s)
	stop()

	want := []string{
		"open s1",
		"kube replicas=0 patchID=101: fails",
		"s1 get last=0 capacity=10",
		// The target goes out first; its failure leaves the message queued.
		"kube replicas=1 patchID=101: fails",
		"s1 get last=0 capacity=10",
		"kube replicas=1 patchID=101",
		"kube runner runner-a job request 11",
		"s1 delete 1",
		"s1 get last=1 capacity=10",
		"s1 close ctxErr=<nil>",
	}
	if diff := cmp.Diff(want, c.all()); diff != "" {
		t.Errorf("calls: -want, +got:\n%s", diff)
	}
	if got := metricSum(t, metrics.Registry(), "gha_started_jobs_total"); got != 1 {
		t.Errorf("gha_started_jobs_total: want 1 (a redelivered message is counted once), got %v", got)
	}
}

// A redelivered message does not acquire again what its first delivery
// acquired: the requests may be assigned by now, and asking again would take
// the room of requests still waiting.
func TestRedeliveryDoesNotAcquireAgain(t *testing.T) {
	c := &calls{}
	s := newFakeSession(c, "s1", assigned(0),
		message(1, assigned(0), batch{available: []int64{1, 2}}),
		message(2, assigned(2), batch{assigned: []int64{1, 2}, available: []int64{3}}),
	)
	// The session's first patch and message 1's fail: message 1 comes again.
	kube := &fakeKube{calls: c, failReplicas: 2}
	_, stop := running(t, Options{MaxRunners: 3, Sessions: &fakeOpener{calls: c, results: []any{s}}, Kube: kube})
	waitIdle(t, s)
	stop()
	want := []string{"s1 acquire [1 2]", "s1 acquire [3]"}
	if diff := cmp.Diff(want, c.matching("s1 acquire")); diff != "" {
		t.Errorf("acquirejobs calls: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"s1 get last=0 capacity=3", "s1 get last=0 capacity=3"}, c.matching("s1 get last=0")); diff != "" {
		t.Errorf("message 1 was not redelivered as the test intends: -want, +got:\n%s", diff)
	}
}

// The listener acquires only what maxRunners leaves room for, keeps the rest
// as a backlog (the service announces a request once per session), and
// acquires from it as jobs complete. At maxRunners 0 it acquires nothing.
func TestAcquisitionIsCappedByMaxRunners(t *testing.T) {
	type args struct {
		maxRunners int
		acquirable map[int64]bool
		messages   []*scaleset.RunnerScaleSetMessage
	}
	cases := map[string]struct {
		reason string
		args   args
		want   []string
	}{
		"RoomForAll": {
			reason: "with room for every job, all are acquired at once",
			args: args{maxRunners: 10, messages: []*scaleset.RunnerScaleSetMessage{
				message(1, assigned(0), batch{available: []int64{1, 2, 3}}),
			}},
			want: []string{"s1 acquire [1 2 3]"},
		},
		"BacklogDrainsAsJobsComplete": {
			reason: "two of three fit; the third is acquired once a job completes",
			args: args{maxRunners: 2, messages: []*scaleset.RunnerScaleSetMessage{
				message(1, assigned(0), batch{available: []int64{1, 2, 3}}),
				message(2, assigned(2), batch{assigned: []int64{1, 2}}),
				message(3, assigned(1), batch{completed: []int64{1}}),
			}},
			want: []string{"s1 acquire [1 2]", "s1 acquire [3]"},
		},
		"AlreadyAssignedCount": {
			reason: "jobs assigned before (the session's statistics) take room",
			args: args{maxRunners: 3, messages: []*scaleset.RunnerScaleSetMessage{
				message(1, assigned(2), batch{available: []int64{1, 2}}),
			}},
			want: []string{"s1 acquire [1]"},
		},
		"TakenElsewhereLeavesBacklog": {
			reason: "a request the service did not hand over is not asked for again",
			args: args{maxRunners: 1, acquirable: map[int64]bool{2: true}, messages: []*scaleset.RunnerScaleSetMessage{
				message(1, assigned(0), batch{available: []int64{1, 2}}),
				message(2, assigned(0), batch{}),
			}},
			want: []string{"s1 acquire [1]", "s1 acquire [2]"},
		},
		"AssignedWhileWaiting": {
			reason: "a backlog request the batch shows assigned (auto mode, or another path) is dropped",
			args: args{maxRunners: 1, messages: []*scaleset.RunnerScaleSetMessage{
				message(1, assigned(1), batch{available: []int64{1, 2}}),
				message(2, assigned(0), batch{completed: []int64{1, 2}}),
			}},
			want: nil,
		},
		"ZeroMaxRunners": {
			reason: "maxRunners 0 never acquires (ARC issue 3446)",
			args: args{maxRunners: 0, messages: []*scaleset.RunnerScaleSetMessage{
				message(1, assigned(0), batch{available: []int64{1, 2, 3}}),
				message(2, assigned(0), batch{available: []int64{4}}),
			}},
			want: nil,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := &calls{}
			s := newFakeSession(c, "s1", assigned(0), tc.args.messages...)
			s.acquirable = tc.args.acquirable
			_, stop := running(t, Options{MaxRunners: tc.args.maxRunners, Sessions: &fakeOpener{calls: c, results: []any{s}}, Kube: &fakeKube{calls: c}})
			waitIdle(t, s)
			stop()
			if diff := cmp.Diff(tc.want, c.matching("s1 acquire")); diff != "" {
				t.Errorf("%s\nacquirejobs calls: -want, +got:\n%s", tc.reason, diff)
			}
			if got := c.matching(fmt.Sprintf("s1 get last=%d", len(tc.args.messages))); len(got) == 0 {
				t.Errorf("%s\nthe listener did not get past the last message; calls:\n%s", tc.reason, strings.Join(c.all(), "\n"))
			}
		})
	}
}

// The service assigns the requests it hands over at once (acquire mode), so
// the listener asks for their runners in the same message instead of waiting
// for the next one's statistics; requests that went elsewhere are not
// counted.
func TestScaleUpCountsWhatTheServiceHandedOver(t *testing.T) {
	cases := map[string]struct {
		reason     string
		acquirable map[int64]bool
		want       []string
	}{
		"AllHandedOver": {
			reason: "three requests acquired next to one assigned job: four runners at once",
			want:   []string{"kube replicas=1 patchID=101", "kube replicas=4 patchID=102"},
		},
		"SomeTakenElsewhere": {
			reason:     "only the request the service handed over is counted",
			acquirable: map[int64]bool{2: true},
			want:       []string{"kube replicas=1 patchID=101", "kube replicas=2 patchID=102"},
		},
		"NoneHandedOver": {
			reason:     "nothing handed over: the target stays where the statistics put it",
			acquirable: map[int64]bool{},
			want:       []string{"kube replicas=1 patchID=101"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := &calls{}
			s := newFakeSession(c, "s1", assigned(1), message(1, assigned(1), batch{available: []int64{1, 2, 3}}))
			s.acquirable = tc.acquirable
			_, stop := running(t, Options{MaxRunners: 10, Sessions: &fakeOpener{calls: c, results: []any{s}}, Kube: &fakeKube{calls: c}})
			waitIdle(t, s)
			stop()
			if diff := cmp.Diff(tc.want, c.matching("kube replicas")); diff != "" {
				t.Errorf("%s\nreplica patches: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// After a message the listener waits the batch window before it polls again,
// so that the events of that time come in one message; without a window it
// polls at once. A poll that brought nothing is not followed by a wait, nor
// is a full message: the service holds more events already.
func TestPollsWaitTheBatchWindowAfterAMessage(t *testing.T) {
	full := batch{completed: make([]int64, 0, maxJobMessagesPerEnvelope)}
	for r := range int64(maxJobMessagesPerEnvelope) {
		full.completed = append(full.completed, r+1)
	}
	cases := map[string]struct {
		window time.Duration
		first  batch
		want   []string
	}{
		"Window": {
			window: 250 * time.Millisecond,
			want: []string{
				"s1 get last=0 capacity=5", "s1 delete 1", "pause 250ms",
				"s1 get last=1 capacity=5", "s1 delete 2", "pause 250ms",
				"s1 get last=2 capacity=5", "s1 get last=2 capacity=5",
			},
		},
		"NoWindow": {
			want: []string{
				"s1 get last=0 capacity=5", "s1 delete 1",
				"s1 get last=1 capacity=5", "s1 delete 2",
				"s1 get last=2 capacity=5", "s1 get last=2 capacity=5",
			},
		},
		"FullMessage": {
			window: 250 * time.Millisecond,
			first:  full,
			want: []string{
				"s1 get last=0 capacity=5", "s1 delete 1",
				"s1 get last=1 capacity=5", "s1 delete 2", "pause 250ms",
				"s1 get last=2 capacity=5", "s1 get last=2 capacity=5",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := &calls{}
			s := newFakeSession(c, "s1", assigned(0),
				message(1, assigned(0), tc.first),
				message(2, assigned(0), batch{}),
			)
			s.emptyPolls = 1
			_, stop := running(t, Options{MaxRunners: 5, MessageBatchWindow: tc.window, Sessions: &fakeOpener{calls: c, results: []any{s}}, Kube: &fakeKube{calls: c}},
				func(l *Listener) {
					l.pause = func(_ context.Context, d time.Duration) { c.add("pause %s", d) }
				})
			waitIdle(t, s)
			stop()
			if diff := cmp.Diff(tc.want, c.matching("s1 get", "s1 delete", "pause")); diff != "" {
				t.Errorf("polls: -want, +got:\n%s", diff)
			}
		})
	}
}

// A JobStarted for a runner that is not one of the set's EphemeralRunners is

// The jobs of a batch are recorded side by side; one that fails leaves the
// message queued, and its redelivery records them all again (idempotently)
// before it is deleted.
func TestJobsStartedAreRecordedTogetherAndRetried(t *testing.T) {
	c := &calls{}
	s := newFakeSession(c, "s1", assigned(3),
		message(1, assigned(3), batch{started: map[int64]string{1: "runner-a", 2: "runner-b", 3: "runner-c"}}),
	)
	kube := &fakeKube{calls: c, knownRunners: map[string]bool{"runner-a": true, "runner-b": true, "runner-c": true},
		failRunners: map[string]int{"runner-b": 1}}
	_, stop := running(t, Options{MaxRunners: 5, Sessions: &fakeOpener{calls: c, results: []any{s}}, Kube: kube})
	waitIdle(t, s)
	stop()
	got := c.matching("kube runner")
	slices.Sort(got)
	want := []string{
		"kube runner runner-a job request 1", "kube runner runner-a job request 1",
		"kube runner runner-b job request 2", "kube runner runner-b job request 2: fails",
		"kube runner runner-c job request 3", "kube runner runner-c job request 3",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("job records: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"s1 delete 1"}, c.matching("s1 delete")); diff != "" {
		t.Errorf("deletes: -want, +got:\n%s", diff)
	}
	if n := len(kube.jobs); n != 3 {
		t.Errorf("%d runners have their job recorded, want 3", n)
	}
}

// skipped, not retried forever.
func TestJobStartedForUnknownRunnerIsSkipped(t *testing.T) {
	c := &calls{}
	s := newFakeSession(c, "s1", assigned(1),
		message(1, assigned(1), batch{started: map[int64]string{11: "stranger"}}),
	)
	_, stop := running(t, Options{MaxRunners: 5, Sessions: &fakeOpener{calls: c, results: []any{s}}, Kube: &fakeKube{calls: c}})
	waitIdle(t, s)
	stop()
	want := []string{"kube runner stranger: not found"}
	if diff := cmp.Diff(want, c.matching("kube runner")); diff != "" {
		t.Errorf("runner patches: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"s1 delete 1"}, c.matching("s1 delete")); diff != "" {
		t.Errorf("deletes: -want, +got:\n%s", diff)
	}
}

// Polls without a message re-apply the latest statistics: an idle set at
// minRunners gets its one full-reconcile patch (patchID 0), and no more.
func TestIdlePollsResetPatchIDOnce(t *testing.T) {
	c := &calls{}
	s := newFakeSession(c, "s1", assigned(0))
	s.emptyPolls = 3
	_, stop := running(t, Options{MinRunners: 2, MaxRunners: 5, Sessions: &fakeOpener{calls: c, results: []any{s}}, Kube: &fakeKube{calls: c}})
	waitIdle(t, s)
	stop()
	want := []string{"kube replicas=2 patchID=101", "kube replicas=2 patchID=0"}
	if diff := cmp.Diff(want, c.matching("kube replicas")); diff != "" {
		t.Errorf("replica patches: -want, +got:\n%s", diff)
	}
}

// Polls without a message while jobs are still assigned re-send the target with
// a fresh patchID once PatchRenewal has passed since the last patch (here at
// once), as ARC does after every poll: the set looks again, so runners that
// exited under an answered patch cannot strand a job.
func TestQuietPollsWithAssignedJobsRenewThePatch(t *testing.T) {
	c := &calls{}
	s := newFakeSession(c, "s1", assigned(2))
	s.emptyPolls = 2
	_, stop := running(t, Options{MinRunners: 0, MaxRunners: 5, PatchRenewal: time.Nanosecond, Sessions: &fakeOpener{calls: c, results: []any{s}}, Kube: &fakeKube{calls: c}})
	waitIdle(t, s)
	stop()
	want := []string{"kube replicas=2 patchID=101", "kube replicas=2 patchID=102", "kube replicas=2 patchID=103"}
	if diff := cmp.Diff(want, c.matching("kube replicas")); diff != "" {
		t.Errorf("replica patches: -want, +got:\n%s", diff)
	}
}

// Every patch carries the running jobs of the statistics it was taken from:
// the session's, a message's, and the last ones again on a renewal.
func TestPatchesCarryTheRunningJobs(t *testing.T) {
	c := &calls{}
	stats := func(assigned, running int) scaleset.RunnerScaleSetStatistic {
		return scaleset.RunnerScaleSetStatistic{TotalAssignedJobs: assigned, TotalRunningJobs: running}
	}
	s := newFakeSession(c, "s1", stats(3, 1),
		message(1, stats(3, 3), batch{started: map[int64]string{11: "runner-a", 12: "runner-b"}}),
		message(2, stats(2, 1), batch{completed: []int64{11}, started: map[int64]string{13: "runner-c"}}),
	)
	s.emptyPolls = 1
	kube := &fakeKube{calls: c, knownRunners: map[string]bool{"runner-a": true, "runner-b": true, "runner-c": true}}
	_, stop := running(t, Options{MinRunners: 0, MaxRunners: 5, PatchRenewal: time.Nanosecond, Sessions: &fakeOpener{calls: c, results: []any{s}}, Kube: kube})
	waitIdle(t, s)
	stop()
	want := []string{
		"kube replicas=3 patchID=101 runningJobs=1",
		// Jobs that started at an unchanged count are no news (message 1).
		"kube replicas=2 patchID=102 runningJobs=1",
		"kube replicas=2 patchID=103 runningJobs=1",
	}
	if diff := cmp.Diff(want, c.matching("kube replicas")); diff != "" {
		t.Errorf("replica patches: -want, +got:\n%s", diff)
	}
}

// Within PatchRenewal of the last patch a quiet poll changes nothing.
func TestQuietPollsWithinRenewalPatchNothing(t *testing.T) {
	c := &calls{}
	s := newFakeSession(c, "s1", assigned(2))
	s.emptyPolls = 2
	_, stop := running(t, Options{MinRunners: 0, MaxRunners: 5, PatchRenewal: time.Hour, Sessions: &fakeOpener{calls: c, results: []any{s}}, Kube: &fakeKube{calls: c}})
	waitIdle(t, s)
	stop()
	if diff := cmp.Diff([]string{"kube replicas=2 patchID=101"}, c.matching("kube replicas")); diff != "" {
		t.Errorf("replica patches: -want, +got:\n%s", diff)
	}
}

// Session trouble never ends Run: a conflict is waited out, a lost session is
// replaced, a refused token replaces the session (deleting the old one), and
// refused credentials make the opener authenticate anew (and delete the old
// session with the new ones).
func TestSessionTroubleIsHealed(t *testing.T) {
	conflict := errors.New(`failed to create message session: request POST https://x/sessions failed(status="409 Conflict"): unexpected status code: RunnerScaleSetSessionConflictException: busy`)
	gone := errors.New(`failed to refresh message session: request PATCH https://x/sessions/1 failed(status="404 Not Found"): RunnerAdminException: the session ID doesn't exist`)
	refused := fmt.Errorf(`request GET https://x/_mq/1 failed(status="401 Unauthorized"): %w`, scaleset.MessageQueueTokenExpiredError)
	adminRefused := errors.New(`failed to refresh message session: request PATCH https://x/sessions/1 failed(status="401 Unauthorized"): unexpected status code`)

	c := &calls{}
	s1 := newFakeSession(c, "s1", assigned(0))
	s1.getErrs = []error{gone}
	s2 := newFakeSession(c, "s2", assigned(0))
	s2.getErrs = []error{refused}
	s3 := newFakeSession(c, "s3", assigned(0))
	s3.getErrs = []error{adminRefused}
	s4 := newFakeSession(c, "s4", assigned(0))
	opener := &fakeOpener{calls: c, results: []any{conflict, conflict, s1, s2, s3, conflict, s4}}
	l, stop := running(t, Options{MaxRunners: 5, Sessions: opener, Kube: &fakeKube{calls: c}})
	waitIdle(t, s4)
	if !l.Ready() {
		t.Errorf("Ready: want true while the listener holds session s4")
	}
	stop()
	if l.Ready() {
		t.Errorf("Ready: want false once the listener stopped")
	}

	var got []string
	for _, s := range c.all() {
		if !strings.HasPrefix(s, "kube") {
			got = append(got, s)
		}
	}
	want := []string{
		"open: " + conflict.Error(),
		"open: " + conflict.Error(),
		"open s1",
		"s1 get last=0 capacity=5",
		// Gone: nothing to delete.
		"open s2",
		"s2 get last=0 capacity=5",
		"s2 close ctxErr=<nil>",
		"open s3",
		"s3 get last=0 capacity=5",
		"reset credentials",
		"open: " + conflict.Error(),
		// s3 stands in the way, and the fresh credentials delete it.
		"delete session " + sessionID("s3").String(),
		"open s4",
		"s4 get last=0 capacity=5",
		"s4 close ctxErr=<nil>",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("session calls: -want, +got:\n%s", diff)
	}
}

// When the service refuses the credentials a session was opened with (as
// after it revoked every token it issued), that session cannot be deleted with
// them, and the next one conflicts with it. The listener opens with fresh
// credentials, deletes its own stale session with them, and takes the scale
// set again at once; it never deletes another listener's session.
func TestStaleOwnSessionIsDeletedWithFreshCredentials(t *testing.T) {
	conflict := errors.New(`failed to create message session: request POST https://x/sessions failed(status="409 Conflict"): unexpected status code: RunnerScaleSetSessionConflictException: busy`)
	refused := fmt.Errorf(`request GET https://x/_mq/1 failed(status="401 Unauthorized"): %w`, scaleset.MessageQueueTokenExpiredError)
	adminRefused := errors.New(`failed to refresh message session: request PATCH https://x/sessions/1 failed(status="401 Unauthorized"): unexpected status code`)
	createRefused := errors.New(`failed to create message session: request POST https://x/sessions failed(status="401 Unauthorized"): unexpected status code`)
	deleteRefused := errors.New(`cannot delete message session: status="401 Unauthorized"`)
	s1 := sessionID("s1").String()

	cases := map[string]struct {
		reason string
		// s1 is the session whose credentials are refused.
		s1GetErr, s1CloseErr error
		// results follow s1 in the opener's script, up to s2.
		results    []any
		deleteErrs []error
		want       []string
	}{
		"RefreshRefused": {
			reason:   "the refresh of the queue token is refused: the admin token is dead, so s1 is left for the fresh credentials",
			s1GetErr: adminRefused,
			results:  []any{createRefused, conflict},
			want: []string{
				"open s1", "s1 get last=0 capacity=5", "reset credentials",
				"open: " + createRefused.Error(),
				"open: " + conflict.Error(),
				"delete session " + s1,
				"open s2", "s2 get last=0 capacity=5", "s2 close ctxErr=<nil>",
			},
		},
		"CloseRefused": {
			reason:     "the queue token is refused after a refresh, and deleting s1 with the old credentials is refused too",
			s1GetErr:   refused,
			s1CloseErr: deleteRefused,
			results:    []any{conflict},
			want: []string{
				"open s1", "s1 get last=0 capacity=5", "s1 close ctxErr=<nil>", "reset credentials",
				"open: " + conflict.Error(),
				"delete session " + s1,
				"open s2", "s2 get last=0 capacity=5", "s2 close ctxErr=<nil>",
			},
		},
		"DeleteFailsOnce": {
			reason:     "a failed deletion is retried at the next conflict",
			s1GetErr:   adminRefused,
			results:    []any{conflict, conflict},
			deleteErrs: []error{errors.New("connection reset")},
			want: []string{
				"open s1", "s1 get last=0 capacity=5", "reset credentials",
				"open: " + conflict.Error(),
				"delete session " + s1 + ": connection reset",
				"open: " + conflict.Error(),
				"delete session " + s1,
				"open s2", "s2 get last=0 capacity=5", "s2 close ctxErr=<nil>",
			},
		},
		"ConflictWithAnotherListener": {
			reason:   "once its own session is deleted, a conflict is another listener's session: waited out, never deleted",
			s1GetErr: adminRefused,
			results:  []any{conflict, conflict, conflict},
			want: []string{
				"open s1", "s1 get last=0 capacity=5", "reset credentials",
				"open: " + conflict.Error(),
				"delete session " + s1,
				"open: " + conflict.Error(),
				"open: " + conflict.Error(),
				"open s2", "s2 get last=0 capacity=5", "s2 close ctxErr=<nil>",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := &calls{}
			first := newFakeSession(c, "s1", assigned(0))
			first.getErrs = []error{tc.s1GetErr}
			first.closeErr = tc.s1CloseErr
			second := newFakeSession(c, "s2", assigned(0))
			results := append(append([]any{first}, tc.results...), second)
			opener := &fakeOpener{calls: c, results: results, deleteErrs: tc.deleteErrs}
			_, stop := running(t, Options{MaxRunners: 5, Sessions: opener, Kube: &fakeKube{calls: c}})
			waitIdle(t, second)
			stop()

			var got []string
			for _, s := range c.all() {
				if !strings.HasPrefix(s, "kube") {
					got = append(got, s)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nsession calls: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	c := &calls{}
	cases := map[string]struct {
		reason string
		o      Options
	}{
		"NoSessions": {reason: "a listener without sessions cannot work", o: Options{Kube: &fakeKube{calls: c}, MaxRunners: 1}},
		"NoKube":     {reason: "a listener without Kubernetes cannot scale", o: Options{Sessions: &fakeOpener{calls: c}, MaxRunners: 1}},
		"MinAboveMax": {reason: "minRunners above maxRunners is contradictory",
			o: Options{Sessions: &fakeOpener{calls: c}, Kube: &fakeKube{calls: c}, MinRunners: 3, MaxRunners: 1}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := New(tc.o); err == nil {
				t.Errorf("%s\nNew: want an error, got none", tc.reason)
			}
		})
	}
}

// metricSum adds up every sample of the named counter or gauge.
func metricSum(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}
