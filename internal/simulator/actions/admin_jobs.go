package actions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The admin routes (/_sim/...) are the simulator's own, not GitHub's (PROTOCOL.md
// Appendix A): tests submit jobs through them, read job states, and play runners.

// maxAdminWait caps the wait parameter below the admin client's 5 minute timeout.
const maxAdminWait = 4 * time.Minute

// SubmitJobRequest is POST /_sim/jobs: a workflow job to queue.
type SubmitJobRequest struct {
	// Repository is "owner/name".
	Repository string `json:"repository"`
	// Labels are the job's runs-on labels; a scale set serves the job when it
	// carries every one of them.
	Labels []string `json:"labels"`
	// Duration is how long a runner "runs" the job (a Go duration string such as
	// "2s"); empty means at once.
	Duration string `json:"duration,omitempty"`
	// Result is the scripted result: succeeded (default), failed or canceled.
	Result      string `json:"result,omitempty"`
	WorkflowRef string `json:"workflowRef,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	EventName   string `json:"eventName,omitempty"`
}

// jobSpec validates a submission and fills its defaults.
func (req SubmitJobRequest) jobSpec() (jobSpec, error) {
	owner, name, ok := strings.Cut(req.Repository, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return jobSpec{}, fmt.Errorf("repository %q is not of the form owner/name", req.Repository)
	}
	if len(req.Labels) == 0 {
		return jobSpec{}, errors.New("labels (runs-on) must name at least one label")
	}
	labels := make([]string, 0, len(req.Labels))
	for _, l := range req.Labels {
		if l = strings.TrimSpace(l); l == "" {
			return jobSpec{}, errors.New("labels must not be empty")
		}
		labels = append(labels, l)
	}
	var d time.Duration
	if req.Duration != "" {
		var err error
		if d, err = time.ParseDuration(req.Duration); err != nil || d < 0 {
			return jobSpec{}, fmt.Errorf("duration %q is not a non-negative Go duration", req.Duration)
		}
	}
	spec := jobSpec{
		repository:  req.Repository,
		labels:      labels,
		duration:    d,
		result:      req.Result,
		workflowRef: req.WorkflowRef,
		displayName: req.DisplayName,
		eventName:   req.EventName,
	}
	if spec.result == "" {
		spec.result = ResultSucceeded
	}
	if !validResult(spec.result) {
		return jobSpec{}, fmt.Errorf("result %q is not one of succeeded, failed, canceled", req.Result)
	}
	if spec.workflowRef == "" {
		spec.workflowRef = req.Repository + "/.github/workflows/ci.yml@refs/heads/main"
	}
	if spec.displayName == "" {
		spec.displayName = "build"
	}
	if spec.eventName == "" {
		spec.eventName = "push"
	}
	return spec, nil
}

// JobView is a job's state as the admin API reports it.
type JobView struct {
	ID              int64    `json:"id"`
	JobID           string   `json:"jobId"`
	Repository      string   `json:"repository"`
	Labels          []string `json:"labels"`
	State           JobState `json:"state"`
	Result          string   `json:"result,omitempty"`
	ScriptedResult  string   `json:"scriptedResult"`
	Duration        string   `json:"duration"`
	WorkflowRef     string   `json:"workflowRef"`
	DisplayName     string   `json:"displayName"`
	EventName       string   `json:"eventName"`
	WorkflowRunID   int64    `json:"workflowRunId"`
	RunnerRequestID int64    `json:"runnerRequestId"`
	ScaleSetID      int      `json:"scaleSetId,omitempty"`
	RunnerID        int      `json:"runnerId,omitempty"`
	RunnerName      string   `json:"runnerName,omitempty"`
	// Runs counts how often a runner started the job; a job that ran exactly
	// once has Runs == 1.
	Runs int `json:"runs"`
	// Attempts counts runner requests: 1 plus every reassignment.
	Attempts int  `json:"attempts"`
	Expired  bool `json:"expired"`
	// MatchingScaleSets lists, for a queued job, the scale sets that may serve
	// it (null in other states): an empty list explains a job nobody picks up,
	// for example a public repository in a group that does not admit them.
	MatchingScaleSets []int      `json:"matchingScaleSets"`
	QueuedAt          time.Time  `json:"queuedAt"`
	AssignedAt        *time.Time `json:"assignedAt,omitempty"`
	StartedAt         *time.Time `json:"startedAt,omitempty"`
	CompletedAt       *time.Time `json:"completedAt,omitempty"`
}

// viewJobLocked is viewJob plus what needs the state.
func (s *Service) viewJobLocked(j *job) JobView {
	v := viewJob(j)
	if j.state == JobQueued {
		v.MatchingScaleSets = []int{}
		for _, ss := range s.scaleSetsLocked("") {
			if s.matchesLocked(j, ss) {
				v.MatchingScaleSets = append(v.MatchingScaleSets, ss.id)
			}
		}
	}
	return v
}

func viewJob(j *job) JobView {
	at := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return JobView{
		ID:              j.id,
		JobID:           j.jobID,
		Repository:      j.repository,
		Labels:          slices.Clone(j.labels),
		State:           j.state,
		Result:          j.finalResult,
		ScriptedResult:  j.result,
		Duration:        j.duration.String(),
		WorkflowRef:     j.workflowRef,
		DisplayName:     j.displayName,
		EventName:       j.eventName,
		WorkflowRunID:   j.workflowRunID,
		RunnerRequestID: j.requestID,
		ScaleSetID:      j.scaleSetID,
		RunnerID:        j.runnerID,
		RunnerName:      j.runnerName,
		Runs:            j.runs,
		Attempts:        j.attempts,
		Expired:         j.expired,
		QueuedAt:        j.queuedAt,
		AssignedAt:      at(j.assignedAt),
		StartedAt:       at(j.startedAt),
		CompletedAt:     at(j.completedAt),
	}
}

func (s *Service) handleSubmitJob(w http.ResponseWriter, r *http.Request) {
	var req SubmitJobRequest
	if err := decodeBody(r, &req); err != nil {
		writeAdminError(w, http.StatusBadRequest, "%s", err)
		return
	}
	spec, err := req.jobSpec()
	if err != nil {
		writeAdminError(w, http.StatusUnprocessableEntity, "%s", err)
		return
	}
	s.mu.Lock()
	s.sweepLocked()
	if len(s.cfg.Directory.TenantsForRepository(spec.repository)) == 0 {
		s.mu.Unlock()
		writeAdminError(w, http.StatusUnprocessableEntity, "no tenant serves repository %q", spec.repository)
		return
	}
	j := s.submitLocked(spec)
	s.settleLocked()
	view := s.viewJobLocked(j)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, view)
}

// parseWait reads the wait query parameter (a Go duration), capped.
func parseWait(r *http.Request) (time.Duration, error) {
	v := r.URL.Query().Get("wait")
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("wait %q is not a non-negative Go duration", v)
	}
	return min(d, maxAdminWait), nil
}

// waitJobsLocked waits, up to d, until cond holds. It returns with the lock held.
func (s *Service) waitJobsLocked(ctx context.Context, d time.Duration, cond func() bool) {
	if d <= 0 || cond() {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	for !cond() {
		changed := s.st.jobsChanged
		s.mu.Unlock()
		var stop bool
		select {
		case <-changed:
		case <-timer.C:
			stop = true
		case <-ctx.Done():
			stop = true
		case <-s.closed:
			stop = true
		}
		s.mu.Lock()
		s.sweepLocked()
		if stop {
			return
		}
	}
}

// handleListJobs lists jobs by id. With state and wait it first waits until
// every selected job (ids=1,2,3, or all) is in that state.
func (s *Service) handleListJobs(w http.ResponseWriter, r *http.Request) {
	wait, err := parseWait(r)
	if err != nil {
		writeAdminError(w, http.StatusBadRequest, "%s", err)
		return
	}
	var ids []int64
	if v := r.URL.Query().Get("ids"); v != "" {
		for _, f := range strings.Split(v, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
			if err != nil {
				writeAdminError(w, http.StatusBadRequest, "ids: %q is not a job id", f)
				return
			}
			ids = append(ids, id)
		}
	}
	want := JobState(r.URL.Query().Get("state"))

	s.mu.Lock()
	s.sweepLocked()
	selected := func() []*job {
		var out []*job
		if ids == nil {
			for _, j := range s.st.jobs {
				out = append(out, j)
			}
		} else {
			for _, id := range ids {
				if j, ok := s.st.jobs[id]; ok {
					out = append(out, j)
				}
			}
		}
		slices.SortFunc(out, func(a, b *job) int { return int(a.id - b.id) })
		return out
	}
	if want != "" {
		s.waitJobsLocked(r.Context(), wait, func() bool {
			for _, j := range selected() {
				if j.state != want {
					return false
				}
			}
			return true
		})
	}
	views := []JobView{}
	for _, j := range selected() {
		views = append(views, s.viewJobLocked(j))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, views)
}

// handleGetJob reports one job; with state and wait it first waits for that state.
func (s *Service) handleGetJob(w http.ResponseWriter, r *http.Request) {
	wait, err := parseWait(r)
	if err != nil {
		writeAdminError(w, http.StatusBadRequest, "%s", err)
		return
	}
	want := JobState(r.URL.Query().Get("state"))
	s.mu.Lock()
	s.sweepLocked()
	j, ok := s.jobFromPathLocked(r)
	if !ok {
		s.mu.Unlock()
		writeAdminError(w, http.StatusNotFound, "job %s not found", r.PathValue("id"))
		return
	}
	if want != "" {
		s.waitJobsLocked(r.Context(), wait, func() bool { return j.state == want })
	}
	view := s.viewJobLocked(j)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, view)
}

type completeJobRequest struct {
	Result string `json:"result"`
}

// handleCompleteJob finishes a job in any open state with the given result (the
// scripted one when none is given).
func (s *Service) handleCompleteJob(w http.ResponseWriter, r *http.Request) {
	var req completeJobRequest
	if err := decodeBody(r, &req); err != nil && !errors.Is(err, errEmptyBody) {
		writeAdminError(w, http.StatusBadRequest, "%s", err)
		return
	}
	if req.Result != "" && !validResult(req.Result) {
		writeAdminError(w, http.StatusUnprocessableEntity, "result %q is not one of succeeded, failed, canceled", req.Result)
		return
	}
	s.finishJob(w, r, req.Result)
}

func (s *Service) handleCancelJob(w http.ResponseWriter, r *http.Request) {
	s.finishJob(w, r, ResultCanceled)
}

func (s *Service) finishJob(w http.ResponseWriter, r *http.Request, result string) {
	s.mu.Lock()
	s.sweepLocked()
	j, ok := s.jobFromPathLocked(r)
	if !ok {
		s.mu.Unlock()
		writeAdminError(w, http.StatusNotFound, "job %s not found", r.PathValue("id"))
		return
	}
	if j.state == JobCompleted {
		s.mu.Unlock()
		writeAdminError(w, http.StatusConflict, "job %d is already completed (%s)", j.id, j.finalResult)
		return
	}
	if result == "" {
		result = j.result
	}
	s.completeLocked(j, result)
	s.settleLocked()
	view := s.viewJobLocked(j)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, view)
}

func (s *Service) jobFromPathLocked(r *http.Request) (*job, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, false
	}
	j, ok := s.st.jobs[id]
	return j, ok
}
