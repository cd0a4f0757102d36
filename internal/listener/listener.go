package listener

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actions/scaleset"
	"github.com/go-logr/logr"
	"github.com/google/uuid"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Defaults of Options.
const (
	DefaultRetryMin     = time.Second
	DefaultRetryMax     = 30 * time.Second
	DefaultCloseTimeout = 10 * time.Second
	// DefaultHandleTimeout bounds the handling of one message, which goes on
	// when Run's context ends. With DefaultCloseTimeout it stays within a
	// pod's default 30 s termination grace period.
	DefaultHandleTimeout = 15 * time.Second
	// DefaultPatchRenewal is how often a quiet set with jobs still assigned
	// gets its target again: rarely enough to cause no churn, often enough
	// that a stranded job waits at most this long for a runner.
	DefaultPatchRenewal = 30 * time.Second
	// DefaultMessageBatchWindow is how long the listener waits after a
	// message before it polls again. Events that happen meanwhile come in
	// one message: at 5 jobs a second a poll per event costs eight calls
	// per job (a GET and a DELETE for each of its four events). It delays
	// only a job that becomes available within the window, and by less
	// than the window: scaling up does not wait for the next message.
	DefaultMessageBatchWindow = 400 * time.Millisecond
)

const (
	errNoSession       = "the service returned no session"
	errNoStatistics    = "the session carries no statistics"
	errNoMsgStatistics = "the message carries no statistics"
	errAcquire         = "cannot acquire jobs"
	errDeleteMessage   = "cannot delete message"
	errGetMessage      = "cannot get message"
	errInvalidOptions  = "invalid listener options"
)

// Options configure a Listener.
type Options struct {
	// MinRunners and MaxRunners bound the replicas; MaxRunners is also the
	// capacity the listener announces to the service.
	MinRunners, MaxRunners int
	// Sessions opens the scale set's message sessions.
	Sessions SessionOpener
	// Kube patches the EphemeralRunnerSet and its EphemeralRunners.
	Kube Kube
	// Metrics receives the listener's numbers; nil keeps them private.
	Metrics *Metrics
	// Log receives structured logs; the zero value discards them.
	Log logr.Logger
	// RetryMin and RetryMax bound the exponential backoff between attempts
	// after a failure (a session conflict, the service or the API server
	// failing).
	RetryMin, RetryMax time.Duration
	// CloseTimeout bounds the deletion of the session when Run's context
	// ends; keep it within the pod's termination grace period.
	CloseTimeout time.Duration
	// HandleTimeout bounds the handling of one message.
	HandleTimeout time.Duration
	// PatchRenewal is how long a quiet set (polls without messages while jobs
	// are still assigned) waits before the listener re-sends its target under
	// a fresh patchID, so that the set looks again. Zero takes
	// DefaultPatchRenewal.
	PatchRenewal time.Duration
	// MessageBatchWindow is how long the listener waits after handling a
	// message before it polls for the next; zero polls at once.
	MessageBatchWindow time.Duration
	// FirstPatchID is the patchID sequence's start, exclusive. Zero takes
	// the start time in milliseconds: a restarted listener then continues
	// above its predecessor's patchIDs without reading the object.
	FirstPatchID int64
}

// Listener holds the scale set's message session and turns its messages into
// acquired jobs, EphemeralRunner job status and EphemeralRunnerSet replicas.
type Listener struct {
	o       Options
	log     logr.Logger
	metrics *Metrics
	ready   atomic.Bool
	// pause waits between polls (pauseFor; tests record it instead).
	pause func(context.Context, time.Duration)

	// The loop's own state; only Run's goroutine touches it.
	scale scaleState
	// patchedAt is when the last patch was written.
	patchedAt time.Time
	// available lists the requests announced as available that the listener
	// has not tried to acquire yet, because maxRunners left no room: the
	// service announces a request to a session only once.
	available []int64
	// tried holds the requests the listener asked for, until a batch shows
	// them assigned, started or completed, so that a redelivered
	// announcement does not put them back in the backlog.
	tried map[int64]bool
	// recordedMessageID is the message whose jobs are already counted in
	// the metrics, so a redelivered message is not counted twice.
	recordedMessageID int
	// staleSessionID is a session of this listener that it could not delete
	// because the service refused its credentials; uuid.Nil when none.
	staleSessionID uuid.UUID

	sessionMu sync.Mutex
	sessionID string
}

// New returns a Listener.
func New(o Options) (*Listener, error) {
	switch {
	case o.Sessions == nil || o.Kube == nil:
		return nil, errors.New(errInvalidOptions + ": Sessions and Kube are required")
	case o.MinRunners < 0 || o.MaxRunners < o.MinRunners:
		return nil, fmt.Errorf("%s: need 0 <= minRunners (%d) <= maxRunners (%d)", errInvalidOptions, o.MinRunners, o.MaxRunners)
	}
	if o.RetryMin <= 0 {
		o.RetryMin = DefaultRetryMin
	}
	if o.RetryMax < o.RetryMin {
		o.RetryMax = max(DefaultRetryMax, o.RetryMin)
	}
	if o.CloseTimeout <= 0 {
		o.CloseTimeout = DefaultCloseTimeout
	}
	if o.HandleTimeout <= 0 {
		o.HandleTimeout = DefaultHandleTimeout
	}
	if o.FirstPatchID <= 0 {
		o.FirstPatchID = time.Now().UnixMilli()
	}
	if o.PatchRenewal <= 0 {
		o.PatchRenewal = DefaultPatchRenewal
	}
	l := &Listener{o: o, log: o.Log, metrics: o.Metrics, pause: pauseFor}
	if l.log.GetSink() == nil {
		l.log = logr.Discard()
	}
	if l.metrics == nil {
		l.metrics = NewMetrics(ScaleSetLabels{})
	}
	l.metrics.SetBounds(o.MinRunners, o.MaxRunners)
	l.scale.lastSeq = o.FirstPatchID
	return l, nil
}

// Ready tells whether the listener holds a session.
func (l *Listener) Ready() bool { return l.ready.Load() }

// SessionID is the id of the session the listener holds, or "".
func (l *Listener) SessionID() string {
	l.sessionMu.Lock()
	defer l.sessionMu.Unlock()
	return l.sessionID
}

// Run holds a session and serves its messages until ctx ends; then it deletes
// the session and returns nil. It never gives up on its own: a conflicting
// session, a lost session and failures of the service or of the API server
// are waited out with bounded backoff.
func (l *Listener) Run(ctx context.Context) error {
	retry := l.newBackoff()
	for {
		sess, err := l.open(ctx, retry)
		if err != nil {
			return nil //nolint:nilerr // only ctx ends open; that is a normal stop.
		}
		retry.reset()
		err = l.serve(ctx, sess)
		l.setSession(nil)
		if ctx.Err() != nil {
			l.close(sess)
			return nil
		}
		switch {
		case IsSessionGone(err):
			l.log.Info("Session lost; opening a new one", "error", err.Error())
		case IsSessionTokenRefused(err):
			l.log.Info("Session token refused after a refresh; replacing the session", "error", err.Error())
			l.close(sess)
		case IsUnauthorized(err):
			l.log.Info("Credentials refused; opening a new session with fresh credentials", "error", err.Error())
			l.abandon(sess)
		default:
			l.log.Error(err, "Session failed; opening a new one")
			l.close(sess)
		}
		if !retry.wait(ctx) {
			return nil
		}
	}
}

// open creates a session, waiting out conflicts and failures.
func (l *Listener) open(ctx context.Context, retry *backoff) (SessionClient, error) {
	for {
		sess, err := l.o.Sessions.Open(ctx)
		if err == nil {
			s := sess.Session()
			if s.Statistics != nil {
				// One session per scale set: the stale one is gone.
				l.staleSessionID = uuid.Nil
				l.setSession(sess)
				l.log.Info("Session created", "sessionID", s.SessionID.String(), "owner", s.OwnerName,
					"assignedJobs", s.Statistics.TotalAssignedJobs, "availableJobs", s.Statistics.TotalAvailableJobs)
				return sess, nil
			}
			err = errors.New(errNoStatistics)
			l.close(sess)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if IsSessionConflict(err) && l.deleteStaleSession(ctx) {
			// The conflict was this listener's own stale session.
			continue
		}
		if IsSessionConflict(err) {
			l.log.Info("Another session of the scale set is active; waiting for it to end", "retryIn", retry.next().String())
		} else {
			l.log.Error(err, "Cannot create session", "retryIn", retry.next().String())
		}
		if !retry.wait(ctx) {
			return nil, ctx.Err()
		}
	}
}

func (l *Listener) setSession(sess SessionClient) {
	l.sessionMu.Lock()
	defer l.sessionMu.Unlock()
	l.sessionID = ""
	if sess != nil {
		l.sessionID = sess.Session().SessionID.String()
	}
	l.ready.Store(sess != nil)
}

// close deletes the session, within CloseTimeout even when Run's context has
// ended: it frees the scale set for the next listener at once.
func (l *Listener) close(sess SessionClient) {
	ctx, cancel := context.WithTimeout(context.Background(), l.o.CloseTimeout)
	defer cancel()
	if err := sess.Close(ctx); err != nil {
		l.log.Error(err, "Cannot delete session")
		if IsUnauthorized(err) {
			l.abandon(sess)
		}
		return
	}
	l.log.Info("Session deleted")
}

// abandon gives up a session whose credentials the service refused: it cannot
// be deleted with them, and the library never renews them (it renews its
// admin token by the token's expiry only). The opener authenticates anew, and
// the next create, which meets the old session (409), deletes it with the
// fresh credentials first; without that the scale set stays blocked until the
// service ends the idle session, long after each forced token expiry.
func (l *Listener) abandon(sess SessionClient) {
	l.o.Sessions.Reset()
	l.staleSessionID = sess.Session().SessionID
}

// deleteStaleSession deletes the session the listener abandoned, if any, and
// tells whether it did. Only that session, by its id: a conflict with another
// listener's session is waited out.
func (l *Listener) deleteStaleSession(ctx context.Context) bool {
	if l.staleSessionID == uuid.Nil {
		return false
	}
	id := l.staleSessionID.String()
	if err := l.o.Sessions.DeleteSession(ctx, l.staleSessionID); err != nil {
		l.log.Error(err, "Cannot delete this listener's stale session", "sessionID", id)
		return false
	}
	l.staleSessionID = uuid.Nil
	l.log.Info("Deleted this listener's stale session", "sessionID", id)
	return true
}

// serve polls the session until ctx ends or the session is unusable. A
// message is deleted only once it was handled; a failure leaves it in the
// queue, and the next poll, with the same lastMessageId, gets it again.
func (l *Listener) serve(ctx context.Context, sess SessionClient) error {
	// A new session may follow missed events: forget the previous target,
	// and hear again of every request still available.
	l.scale.written = false
	l.available, l.tried = nil, map[int64]bool{}
	l.recordedMessageID = 0

	stats := sess.Session().Statistics
	l.metrics.SetStatistics(stats)
	if err := l.scaleTo(ctx, jobCountsOf(stats), false); err != nil {
		// Not fatal: the next batch retries.
		l.log.Error(err, "Cannot scale from the session's statistics")
	}

	retry := l.newBackoff()
	lastMessageID := 0
	for ctx.Err() == nil {
		msg, err := sess.GetMessage(ctx, lastMessageID, l.o.MaxRunners)
		if err != nil {
			err = fmt.Errorf("%s: %w", errGetMessage, err)
			if ctx.Err() != nil || IsSessionUnusable(err) {
				return err
			}
			l.log.Error(err, "Polling failed", "retryIn", retry.next().String())
			retry.wait(ctx)
			continue
		}
		if msg == nil {
			// Nothing happened within the long poll. The latest statistics
			// still stand; this is where an idle set at minRunners gets its
			// full-reconcile patch. With jobs still assigned and no patch for
			// PatchRenewal, a quiet poll is news too (ARC patches after every
			// poll): a fresh patchID makes the set look again, so a patch it
			// answered with runners that have since exited cannot leave a job
			// without one.
			jobs := jobCountsOf(stats)
			renew := jobs.assigned > 0 && time.Since(l.patchedAt) >= l.o.PatchRenewal
			if err := l.scaleTo(ctx, jobs, renew); err != nil {
				l.log.Error(err, "Cannot scale", "retryIn", retry.next().String())
				retry.wait(ctx)
				continue
			}
			retry.reset()
			continue
		}
		if err := l.handleAndDelete(ctx, sess, msg); err != nil {
			if IsSessionUnusable(err) {
				return err
			}
			l.log.Error(err, "Cannot handle message; it stays in the queue", "messageID", msg.MessageID, "retryIn", retry.next().String())
			retry.wait(ctx)
			continue
		}
		stats = msg.Statistics
		lastMessageID = msg.MessageID
		retry.reset()
		if !isFull(msg) {
			l.gatherEvents(ctx)
		}
	}
	return ctx.Err()
}

// gatherEvents waits MessageBatchWindow, or until ctx ends, so that the
// events of the window come in one message.
func (l *Listener) gatherEvents(ctx context.Context) {
	if l.o.MessageBatchWindow > 0 {
		l.pause(ctx, l.o.MessageBatchWindow)
	}
}

// maxJobMessagesPerEnvelope is the most job messages the service puts in one
// message (PROTOCOL.md §5.7).
const maxJobMessagesPerEnvelope = 50

// isFull tells whether msg carried as many job messages as a message can: the
// service holds more events already, and waiting the batch window for them
// would only delay them (a burst of a thousand jobs took 20 windows to
// acquire).
func isFull(msg *scaleset.RunnerScaleSetMessage) bool {
	n := len(msg.JobAvailableMessages) + len(msg.JobAssignedMessages) + len(msg.JobStartedMessages) + len(msg.JobCompletedMessages)
	return n >= maxJobMessagesPerEnvelope
}

// pauseFor waits d or until ctx ends.
func pauseFor(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// jobCounts is what scaling reads of the service's statistics.
type jobCounts struct {
	assigned, running int
}

func jobCountsOf(s *scaleset.RunnerScaleSetStatistic) jobCounts {
	if s == nil {
		return jobCounts{}
	}
	return jobCounts{assigned: s.TotalAssignedJobs, running: s.TotalRunningJobs}
}

// handleAndDelete handles a message, and deletes it only when that worked.
// Neither is cut short by Run's context: a handled message must be deleted.
func (l *Listener) handleAndDelete(ctx context.Context, sess SessionClient, msg *scaleset.RunnerScaleSetMessage) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.o.HandleTimeout)
	defer cancel()
	if err := l.handle(ctx, sess, msg); err != nil {
		return err
	}
	if err := sess.DeleteMessage(ctx, msg.MessageID); err != nil {
		return fmt.Errorf("%s %d: %w", errDeleteMessage, msg.MessageID, err)
	}
	return nil
}

// handle does what a message asks, in an order that makes a repeat harmless:
// acquiring a request held already, and patching the same values, change
// nothing.
func (l *Listener) handle(ctx context.Context, sess SessionClient, msg *scaleset.RunnerScaleSetMessage) error {
	if msg.Statistics == nil {
		return errors.New(errNoMsgStatistics)
	}
	stats := msg.Statistics
	l.metrics.SetStatistics(stats)
	l.log.V(1).Info("Handling message", "messageID", msg.MessageID,
		"available", len(msg.JobAvailableMessages), "assigned", len(msg.JobAssignedMessages),
		"started", len(msg.JobStartedMessages), "completed", len(msg.JobCompletedMessages),
		"statistics", *stats)

	l.trackAvailable(msg)
	acquired, err := l.acquire(ctx, sess, stats)
	if err != nil {
		return err
	}
	// The jobs are counted once, however often the message comes, and before
	// the target goes out: what the target shows has happened is counted.
	if l.recordedMessageID != msg.MessageID {
		for _, started := range msg.JobStartedMessages {
			l.metrics.JobStarted(started)
		}
		for _, completed := range msg.JobCompletedMessages {
			l.metrics.JobCompleted(completed)
			l.log.Info("Job completed", "runnerRequestID", completed.RunnerRequestID, "jobID", completed.JobID,
				"result", completed.Result, "runnerName", completed.RunnerName)
		}
		l.recordedMessageID = msg.MessageID
	}
	// Only a completion can leave the set short at an unchanged count (a job
	// ended and another was assigned). A started job ran on a runner the set
	// has: a new patchID for it would only let the set replace runners whose
	// jobs ended after these statistics were taken.
	eventful := len(msg.JobCompletedMessages) > 0
	// In acquire mode the service assigns what it hands over right away;
	// the statistics, taken before the acquire, show it only in the next
	// message. Counting it now starts its runner a message earlier.
	//
	// The target goes out before the started jobs are recorded: every
	// moment between the statistics and the patch lets jobs end that the
	// target still counts, and the set creates a runner for each. A runner
	// whose job is not recorded yet is still safe from scale-down: the
	// service refuses to remove a busy runner.
	jobs := jobCountsOf(stats)
	jobs.assigned += acquired
	if err := l.scaleTo(ctx, jobs, eventful); err != nil {
		return err
	}
	return l.recordJobsStarted(ctx, msg.JobStartedMessages)
}

// maxParallelJobRecords bounds the EphemeralRunner patches of one message in
// flight: a full message's in one round. One at a time, and still 16 at a
// time, a burst's JobStarted messages kept the listener seconds behind the
// service, and half the records came after their runner had finished.
const maxParallelJobRecords = maxJobMessagesPerEnvelope

// recordJobsStarted records the jobs of the batch on their runners, several
// at a time, and reports every failure.
func (l *Listener) recordJobsStarted(ctx context.Context, started []*scaleset.JobStarted) error {
	errs := make([]error, len(started))
	sem := make(chan struct{}, maxParallelJobRecords)
	var wg sync.WaitGroup
	for i, m := range started {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = l.recordJobStarted(ctx, m)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// trackAvailable adds newly available requests to the backlog and drops the
// ones the batch shows are no longer available.
func (l *Listener) trackAvailable(msg *scaleset.RunnerScaleSetMessage) {
	gone := map[int64]bool{}
	for _, m := range msg.JobAssignedMessages {
		gone[m.RunnerRequestID] = true
	}
	for _, m := range msg.JobStartedMessages {
		gone[m.RunnerRequestID] = true
	}
	for _, m := range msg.JobCompletedMessages {
		gone[m.RunnerRequestID] = true
	}
	for _, m := range msg.JobAvailableMessages {
		id := m.RunnerRequestID
		if !gone[id] && !l.tried[id] && !slices.Contains(l.available, id) {
			l.available = append(l.available, id)
		}
	}
	l.available = slices.DeleteFunc(l.available, func(id int64) bool { return gone[id] })
	for id := range gone {
		delete(l.tried, id)
	}
}

// acquire takes the oldest available requests while the scale set has room:
// maxRunners less what the service already acquired for it or assigned to it.
// At maxRunners 0 it acquires nothing. It returns how many of the requests
// it asked for the service handed over.
func (l *Listener) acquire(ctx context.Context, sess SessionClient, stats *scaleset.RunnerScaleSetStatistic) (int, error) {
	room := AcquireRoom(l.o.MaxRunners, stats)
	if room <= 0 || len(l.available) == 0 {
		return 0, nil
	}
	ids := l.available[:min(room, len(l.available))]
	acquired, err := sess.AcquireJobs(ctx, ids)
	if err != nil {
		return 0, fmt.Errorf("%s %v: %w", errAcquire, ids, err)
	}
	// A request the service did not hand over went to another scale set or
	// was canceled: it is no longer available to this one either.
	l.log.Info("Acquired jobs", "requested", len(ids), "acquired", len(acquired), "backlog", len(l.available)-len(ids))
	for _, id := range ids {
		l.tried[id] = true
	}
	handedOver := 0
	for _, id := range acquired {
		if slices.Contains(ids, id) {
			handedOver++
		}
	}
	l.available = slices.Clone(l.available[len(ids):])
	return handedOver, nil
}

// AcquireRoom is how many more requests the scale set may acquire: maxRunners
// less the requests the service acquired for it or assigned to it.
func AcquireRoom(maxRunners int, stats *scaleset.RunnerScaleSetStatistic) int {
	if stats == nil {
		return 0
	}
	return max(maxRunners-stats.TotalAssignedJobs-stats.TotalAcquiredJobs, 0)
}

// recordJobStarted writes the job onto the runner's EphemeralRunner, which
// tells the controller not to remove that runner when scaling down.
func (l *Listener) recordJobStarted(ctx context.Context, m *scaleset.JobStarted) error {
	job := RunnerJob{
		RunnerID:          int64(m.RunnerID),
		RunnerName:        m.RunnerName,
		JobRequestID:      m.RunnerRequestID,
		JobID:             m.JobID,
		JobRepositoryName: m.OwnerName + "/" + m.RepositoryName,
		JobWorkflowRef:    m.JobWorkflowRef,
		JobDisplayName:    m.JobDisplayName,
		WorkflowRunID:     m.WorkflowRunID,
		JobStartedAt:      m.RunnerAssignTime,
	}
	err := l.o.Kube.PatchRunnerJob(ctx, m.RunnerName, job)
	switch {
	case apierrors.IsNotFound(err):
		// Not one of this set's runners, or already gone: nothing to protect.
		l.log.Info("No EphemeralRunner for the runner that started a job; skipping", "runnerName", m.RunnerName, "runnerRequestID", m.RunnerRequestID)
		return nil
	case err != nil:
		return err
	}
	l.log.Info("Job started", "runnerName", m.RunnerName, "runnerRequestID", m.RunnerRequestID, "jobID", m.JobID)
	return nil
}

// scaleTo patches the EphemeralRunnerSet for assignedJobs, unless that would
// change nothing.
func (l *Listener) scaleTo(ctx context.Context, jobs jobCounts, eventful bool) error {
	d := decideScale(l.scale, scaleInput{
		minRunners: l.o.MinRunners, maxRunners: l.o.MaxRunners,
		assignedJobs: jobs.assigned, runningJobs: jobs.running, eventful: eventful,
	})
	l.metrics.SetDesiredRunners(d.Replicas)
	if !d.patch {
		return nil
	}
	if err := l.o.Kube.PatchReplicas(ctx, d.ScaleTarget); err != nil {
		return err
	}
	l.scale = l.scale.commit(d)
	l.patchedAt = time.Now()
	l.log.Info("Scaled", "replicas", d.Replicas, "patchID", d.PatchID, "assignedJobs", jobs.assigned, "runningJobs", d.RunningJobs)
	return nil
}

// backoff doubles its wait after every failure, from RetryMin up to
// RetryMax.
type backoff struct {
	minWait, maxWait, cur time.Duration
}

func (l *Listener) newBackoff() *backoff {
	return &backoff{minWait: l.o.RetryMin, maxWait: l.o.RetryMax}
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		return b.minWait
	}
	return min(b.cur*2, b.maxWait)
}

// wait sleeps for the next wait, or until ctx ends; it tells whether ctx is
// still alive.
func (b *backoff) wait(ctx context.Context) bool {
	b.cur = b.next()
	t := time.NewTimer(b.cur)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (b *backoff) reset() { b.cur = 0 }
