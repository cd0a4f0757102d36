package actions

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Job results the admin API accepts (PROTOCOL.md §4.6).
const (
	ResultSucceeded = "succeeded"
	ResultFailed    = "failed"
	ResultCanceled  = "canceled"
)

func validResult(r string) bool {
	return r == ResultSucceeded || r == ResultFailed || r == ResultCanceled
}

// jobSpec is a validated job submission.
type jobSpec struct {
	repository  string
	labels      []string
	duration    time.Duration
	result      string
	workflowRef string
	displayName string
	eventName   string
}

// matchesLocked tells whether a scale set may serve a job (PROTOCOL.md §5.4):
// every runs-on label is one of its labels (case-insensitively), its tenant covers
// the repository, and its runner group admits the repository.
func (s *Service) matchesLocked(j *job, ss *scaleSet) bool {
	if !labelsMatch(j.labels, ss) {
		return false
	}
	if !slices.Contains(s.cfg.Directory.TenantsForRepository(j.repository), ss.tenant) {
		return false
	}
	if !s.cfg.Directory.RepositoryAllowed(ss.tenant, ss.groupID, j.repository) {
		return false
	}
	if wp, ok := s.cfg.Directory.(WorkflowPolicy); ok {
		return wp.WorkflowAllowed(ss.tenant, ss.groupID, j.workflowRef)
	}
	return true
}

// labelsMatch applies the label rule alone. A job without labels matches nothing,
// and there is no implicit self-hosted label.
func labelsMatch(jobLabels []string, ss *scaleSet) bool {
	if len(jobLabels) == 0 {
		return false
	}
	for _, l := range jobLabels {
		if !ss.hasLabel(l) {
			return false
		}
	}
	return true
}

// submitLocked queues a new job with its first runner request.
func (s *Service) submitLocked(spec jobSpec) *job {
	owner, repo, _ := strings.Cut(spec.repository, "/")
	s.st.nextJobID++
	s.st.nextRunID++
	j := &job{
		id:            s.st.nextJobID,
		jobID:         uuid.NewString(),
		repository:    spec.repository,
		owner:         owner,
		repo:          repo,
		labels:        spec.labels,
		duration:      spec.duration,
		result:        spec.result,
		workflowRef:   spec.workflowRef,
		displayName:   spec.displayName,
		eventName:     spec.eventName,
		workflowRunID: s.st.nextRunID,
		state:         JobQueued,
		queuedAt:      s.now(),
	}
	s.newRequestLocked(j)
	s.st.jobs[j.id] = j
	s.st.open = append(s.st.open, j)
	return j
}

// newRequestLocked starts a new assignment attempt with a fresh runnerRequestId.
func (s *Service) newRequestLocked(j *job) {
	s.forgetRequestLocked(j.requestID)
	s.st.nextRequestID++
	j.requestID = s.st.nextRequestID
	j.attempts++
	j.wantedBy = nil
	s.st.requests[j.requestID] = j
}

// scheduleLocked brings queues in line with the state: every session hears of
// the requests available to it (acquire mode), and requests go to scale sets with
// free capacity, lowest scale set id first.
func (s *Service) scheduleLocked() {
	for _, ss := range s.scaleSetsLocked("") {
		sess := ss.session
		if sess == nil {
			continue
		}
		if !s.cfg.AutoAssign {
			for _, j := range s.st.open {
				if j.state == JobQueued && !sess.announced[j.requestID] && s.matchesLocked(j, ss) {
					sess.announced[j.requestID] = true
					msg := s.jobMessageLocked(msgJobAvailable, j)
					msg.AcquireJobURL = s.cfg.BaseURL(ss.tenant) + "_apis/runtime/runnerscalesets/" + strconv.Itoa(ss.id) + "/acquirejobs"
					s.emitLocked(ss, msg)
				}
			}
		}
		s.assignWaitingLocked(ss)
	}
}

// assignWaitingLocked assigns queued requests to ss while it has room: in auto
// mode any matching request, in acquire mode those ss asked for when it was full.
func (s *Service) assignWaitingLocked(ss *scaleSet) {
	free := ss.capacity - s.assignedCountLocked(ss)
	for _, j := range s.st.open {
		if free <= 0 {
			return
		}
		if j.state != JobQueued || !(s.cfg.AutoAssign || j.wantedBy[ss.id]) || !s.matchesLocked(j, ss) {
			continue
		}
		s.assignLocked(j, ss)
		free--
	}
}

// acquireLocked is acquirejobs: requests that fit the capacity are assigned at
// once; those that do not are remembered and assigned when room frees up. It
// returns the ids ss now holds.
func (s *Service) acquireLocked(ss *scaleSet, ids []int64) []int64 {
	held := []int64{}
	seen := map[int64]bool{}
	free := ss.capacity - s.assignedCountLocked(ss)
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		j, ok := s.st.requests[id]
		if !ok {
			continue
		}
		if j.scaleSet == ss {
			held = append(held, id)
			continue
		}
		if j.state != JobQueued || !s.matchesLocked(j, ss) {
			continue
		}
		if free <= 0 {
			if j.wantedBy == nil {
				j.wantedBy = map[int]bool{}
			}
			j.wantedBy[ss.id] = true
			continue
		}
		s.assignLocked(j, ss)
		free--
		held = append(held, id)
	}
	return held
}

// assignedCountLocked counts the requests assigned to ss, running ones included.
func (s *Service) assignedCountLocked(ss *scaleSet) int {
	n := 0
	for _, j := range s.st.open {
		if j.scaleSet == ss {
			n++
		}
	}
	return n
}

func (s *Service) assignLocked(j *job, ss *scaleSet) {
	j.state = JobAssigned
	j.scaleSet = ss
	j.scaleSetID = ss.id
	j.assignedAt = s.now()
	j.wantedBy = nil
	s.emitLocked(ss, s.jobMessageLocked(msgJobAssigned, j))
	ss.jobsAssigned = broadcast(ss.jobsAssigned)
}

// takeJobLocked gives a connected runner the oldest request assigned to its scale
// set, which starts it; a runner that already runs a job gets that job again.
func (s *Service) takeJobLocked(rn *runner) *job {
	if rn.job != nil {
		return rn.job
	}
	if !rn.connected || rn.spent {
		return nil
	}
	for _, j := range s.st.open {
		if j.state == JobAssigned && j.scaleSet == rn.scaleSet {
			s.startLocked(j, rn)
			return j
		}
	}
	return nil
}

func (s *Service) startLocked(j *job, rn *runner) {
	j.state = JobStarted
	j.runner = rn
	j.runnerID, j.runnerName = rn.id, rn.name
	j.startedAt = s.now()
	j.runs++
	rn.job = j
	rn.spent = true
	s.emitLocked(j.scaleSet, s.jobMessageLocked(msgJobStarted, j))
}

// completeLocked finishes a job in any open state. The ephemeral runner that ran
// it is removed (PROTOCOL.md §5.6).
func (s *Service) completeLocked(j *job, result string) {
	if j.state == JobCompleted {
		return
	}
	j.completedAt = s.now()
	j.finalResult = result
	if ss := j.scaleSet; ss != nil {
		s.emitLocked(ss, s.jobMessageLocked(msgJobCompleted, j))
	}
	if rn := j.runner; rn != nil {
		rn.job = nil
		s.removeRunnerLocked(rn)
	}
	j.state = JobCompleted
	j.scaleSet, j.runner = nil, nil
	s.forgetRequestLocked(j.requestID)
}

// forgetRequestLocked drops a runner request id that ended.
func (s *Service) forgetRequestLocked(id int64) {
	delete(s.st.requests, id)
	for _, sess := range s.st.sessions {
		delete(sess.announced, id)
	}
}

// requeueLocked takes an assigned or running request back: its scale set hears
// JobCompleted (canceled) for it, and the job re-enters the queue as a new
// request with the same jobId (PROTOCOL.md §5.2).
func (s *Service) requeueLocked(j *job) {
	if j.state != JobAssigned && j.state != JobStarted {
		return
	}
	if ss := j.scaleSet; ss != nil {
		msg := s.jobMessageLocked(msgJobCompleted, j)
		msg.Result = ResultCanceled
		msg.FinishTime = s.now()
		s.emitLocked(ss, msg)
	}
	if rn := j.runner; rn != nil {
		rn.job = nil
	}
	j.state = JobQueued
	j.scaleSet, j.runner = nil, nil
	j.scaleSetID, j.runnerID, j.runnerName = 0, 0, ""
	j.assignedAt, j.startedAt = time.Time{}, time.Time{}
	s.newRequestLocked(j)
}

// jobMessageLocked renders the job's current request as a message of type typ.
func (s *Service) jobMessageLocked(typ string, j *job) jobMessage {
	msg := jobMessage{
		MessageType:     typ,
		RunnerRequestID: j.requestID,
		RepositoryName:  j.repo,
		OwnerName:       j.owner,
		JobID:           j.jobID,
		JobWorkflowRef:  j.workflowRef,
		JobDisplayName:  j.displayName,
		WorkflowRunID:   j.workflowRunID,
		EventName:       j.eventName,
		RequestLabels:   slices.Clone(j.labels),
		QueueTime:       j.queuedAt,
	}
	if j.state == JobAssigned || j.state == JobStarted {
		msg.ScaleSetAssignTime = j.assignedAt
	}
	if j.state == JobStarted {
		msg.RunnerAssignTime = j.startedAt
	}
	if j.runner != nil {
		msg.RunnerID, msg.RunnerName = j.runner.id, j.runner.name
	}
	if typ == msgJobCompleted {
		msg.Result = j.finalResult
		msg.FinishTime = j.completedAt
	}
	return msg
}

// sweepLocked applies what became due on Clock: requests still without a runner
// QueueExpiry after their job was first queued are dropped (JobCompleted,
// canceled), assignments no runner took within AssignTimeout are taken back,
// and sessions idle for SessionIdleTimeout end.
func (s *Service) sweepLocked() {
	now := s.now()
	s.st.open = slices.DeleteFunc(s.st.open, func(j *job) bool { return j.state == JobCompleted })
	changed := false
	for _, j := range s.st.open {
		switch {
		case (j.state == JobQueued || j.state == JobAssigned) && !now.Before(j.queuedAt.Add(s.cfg.QueueExpiry)):
			j.expired = true
			s.completeLocked(j, ResultCanceled)
			changed = true
		case j.state == JobAssigned && s.assignmentTimedOut(j, now):
			j.unassigned++
			s.requeueLocked(j)
			changed = true
		}
	}
	if idle := s.cfg.SessionIdleTimeout; idle > 0 {
		for _, sess := range s.st.sessions {
			if sess.polls == 0 && !now.Before(sess.lastPoll.Add(idle)) {
				s.endSessionLocked(sess)
				changed = true
			}
		}
	}
	if changed {
		s.settleLocked()
	}
}

// assignmentTimedOut tells whether AssignTimeout takes the assigned request back.
func (s *Service) assignmentTimedOut(j *job, now time.Time) bool {
	if s.cfg.AssignTimeout <= 0 || j.unassigned >= maxReassign {
		return false
	}
	return !now.Before(j.assignedAt.Add(s.cfg.AssignTimeout << j.unassigned))
}

// settleLocked runs after every change: it schedules what the change made
// possible and wakes the admin waiters.
func (s *Service) settleLocked() {
	s.scheduleLocked()
	s.st.jobsChanged = broadcast(s.st.jobsChanged)
}
