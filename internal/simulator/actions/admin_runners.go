package actions

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// The fake-runner hooks: what a runner pod does, callable by the pod stand-in.

// defaultRunWait is how long POST /_sim/runners/run waits for a job by default.
const defaultRunWait = maxAdminWait

type connectRunnerRequest struct {
	EncodedJITConfig string `json:"encodedJITConfig"`
	// Wait bounds how long POST /_sim/runners/run waits for a job.
	Wait string `json:"wait,omitempty"`
}

// RunnerView is a runner as the admin API reports it.
type RunnerView struct {
	ID         int    `json:"id"`
	Name       string `json:"name"`
	Tenant     string `json:"tenant"`
	ScaleSetID int    `json:"scaleSetId"`
	// Status is offline, idle or busy.
	Status string `json:"status"`
	JobID  int64  `json:"jobId,omitempty"`
	// Spent tells that the runner started a job: an ephemeral runner takes one.
	Spent bool `json:"spent"`
}

func viewRunner(rn *runner) RunnerView {
	v := RunnerView{ID: rn.id, Name: rn.name, Tenant: rn.tenant, ScaleSetID: rn.scaleSet.id, Status: rn.status(), Spent: rn.spent}
	if rn.job != nil {
		v.JobID = rn.job.id
	}
	return v
}

// runnerErrorStatus maps the fake-runner errors to admin statuses.
func runnerErrorStatus(err error) int {
	switch {
	case errors.Is(err, errRunnerUnknown), errors.Is(err, errRunnerGone):
		return http.StatusNotFound
	case errors.Is(err, errRunnerSecret):
		return http.StatusForbidden
	case errors.Is(err, errRunnerSpent), errors.Is(err, errRunnerOffline):
		return http.StatusConflict
	case errors.Is(err, errClosed):
		return http.StatusServiceUnavailable
	default:
		return http.StatusBadRequest
	}
}

func (s *Service) handleConnectRunner(w http.ResponseWriter, r *http.Request) {
	var req connectRunnerRequest
	if err := decodeBody(r, &req); err != nil {
		writeAdminError(w, http.StatusBadRequest, "%s", err)
		return
	}
	s.mu.Lock()
	s.sweepLocked()
	rn, err := s.connectLocked(req.EncodedJITConfig)
	if err != nil {
		s.mu.Unlock()
		writeAdminError(w, runnerErrorStatus(err), "%s", err)
		return
	}
	s.settleLocked()
	view := viewRunner(rn)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, view)
}

// waitForJobLocked waits up to d for the connected runner to take a job, which
// starts it. It returns with the lock held; a nil job and nil error mean none
// came in time.
func (s *Service) waitForJobLocked(ctx context.Context, rn *runner, d time.Duration) (*job, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		if !rn.connected {
			return nil, errRunnerGone
		}
		if j := s.takeJobLocked(rn); j != nil {
			s.settleLocked()
			return j, nil
		}
		if rn.spent {
			return nil, errRunnerSpent
		}
		assigned, gone := rn.scaleSet.jobsAssigned, rn.gone
		s.mu.Unlock()
		select {
		case <-assigned:
			s.mu.Lock()
		case <-gone:
			s.mu.Lock()
		case <-timer.C:
			s.mu.Lock()
			return nil, nil
		case <-ctx.Done():
			s.mu.Lock()
			return nil, ctx.Err()
		case <-s.closed:
			s.mu.Lock()
			return nil, errClosed
		}
		s.sweepLocked()
	}
}

// handleRunnerJob is a connected runner asking for its job: the job assigned to
// it, or the oldest assigned to its scale set, which then starts. 204 when none
// arrives within wait.
func (s *Service) handleRunnerJob(w http.ResponseWriter, r *http.Request) {
	wait, err := parseWait(r)
	if err != nil {
		writeAdminError(w, http.StatusBadRequest, "%s", err)
		return
	}
	s.mu.Lock()
	s.sweepLocked()
	rn, ok := s.runnerFromAdminPathLocked(r)
	if !ok {
		s.mu.Unlock()
		writeAdminError(w, http.StatusNotFound, "runner %s not found", r.PathValue("id"))
		return
	}
	if !rn.connected {
		s.mu.Unlock()
		writeAdminError(w, http.StatusConflict, "%s", errRunnerOffline)
		return
	}
	j, err := s.waitForJobLocked(r.Context(), rn, wait)
	var view JobView
	if j != nil {
		view = s.viewJobLocked(j)
	}
	s.mu.Unlock()
	switch {
	case err != nil:
		writeAdminError(w, runnerErrorStatus(err), "%s", err)
	case j == nil:
		writeEmpty(w, http.StatusNoContent)
	default:
		writeJSON(w, http.StatusOK, view)
	}
}

func (s *Service) handleDisconnectRunner(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.sweepLocked()
	rn, ok := s.runnerFromAdminPathLocked(r)
	if !ok {
		s.mu.Unlock()
		writeAdminError(w, http.StatusNotFound, "runner %s not found", r.PathValue("id"))
		return
	}
	s.disconnectLocked(rn)
	s.settleLocked()
	view := viewRunner(rn)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, view)
}

func (s *Service) runnerFromAdminPathLocked(r *http.Request) (*runner, bool) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		return nil, false
	}
	rn, ok := s.st.runners[id]
	return rn, ok
}

// RunResult is what POST /_sim/runners/run answers: what a runner process would
// report when it exits.
type RunResult struct {
	RunnerID   int    `json:"runnerId"`
	RunnerName string `json:"runnerName"`
	ScaleSetID int    `json:"scaleSetId"`
	// Job is the job the runner ran; nil (and JobID 0) when none came in time.
	Job      *JobView `json:"job,omitempty"`
	JobID    int64    `json:"jobId"`
	Result   string   `json:"result,omitempty"`
	ExitCode int      `json:"exitCode"`
}

// handleRunRunner plays a whole runner in one call: connect with the JIT config,
// wait for a job, run it for its scripted duration on the service clock, complete
// it with its scripted result, and answer as the runner process would exit. A
// caller that goes away mid-run is a vanished runner: its job is queued again.
func (s *Service) handleRunRunner(w http.ResponseWriter, r *http.Request) {
	var req connectRunnerRequest
	if err := decodeBody(r, &req); err != nil {
		writeAdminError(w, http.StatusBadRequest, "%s", err)
		return
	}
	wait := defaultRunWait
	if req.Wait != "" {
		d, err := time.ParseDuration(req.Wait)
		if err != nil || d < 0 {
			writeAdminError(w, http.StatusBadRequest, "wait %q is not a non-negative Go duration", req.Wait)
			return
		}
		wait = min(d, maxAdminWait)
	}

	s.mu.Lock()
	s.sweepLocked()
	rn, err := s.connectLocked(req.EncodedJITConfig)
	if err != nil {
		s.mu.Unlock()
		writeAdminError(w, runnerErrorStatus(err), "%s", err)
		return
	}
	s.settleLocked()
	res, status, err := s.runLocked(r.Context(), rn, wait)
	s.mu.Unlock()
	if err != nil {
		writeAdminError(w, status, "%s", err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// runLocked is the body of handleRunRunner after connecting; it returns with the
// lock held.
func (s *Service) runLocked(ctx context.Context, rn *runner, wait time.Duration) (RunResult, int, error) {
	res := RunResult{RunnerID: rn.id, RunnerName: rn.name, ScaleSetID: rn.scaleSet.id}
	j, err := s.waitForJobLocked(ctx, rn, wait)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		s.disconnectLocked(rn)
		s.settleLocked()
		return res, http.StatusRequestTimeout, err
	case err != nil:
		return res, runnerErrorStatus(err), err
	case j == nil:
		// No job within wait: the runner exits cleanly without one.
		return res, 0, nil
	}

	done, stop := s.after(j.duration)
	defer stop()
	for j.state == JobStarted && j.runner == rn {
		changed := s.st.jobsChanged
		s.mu.Unlock()
		select {
		case <-done:
			s.mu.Lock()
			if j.state == JobStarted && j.runner == rn {
				s.completeLocked(j, j.result)
				s.settleLocked()
			}
		case <-changed:
			s.mu.Lock()
		case <-ctx.Done():
			s.mu.Lock()
			s.disconnectLocked(rn)
			s.settleLocked()
			return res, http.StatusRequestTimeout, ctx.Err()
		case <-s.closed:
			s.mu.Lock()
			return res, http.StatusServiceUnavailable, errClosed
		}
	}
	v := s.viewJobLocked(j)
	res.Job, res.JobID = &v, j.id
	// The job may have been completed by someone else (cancel) or taken away
	// (disconnect); either way this runner's part ended without a result of
	// its own.
	res.Result = ResultCanceled
	if j.state == JobCompleted && j.runnerID == rn.id {
		res.Result = j.finalResult
	}
	return res, 0, nil
}
