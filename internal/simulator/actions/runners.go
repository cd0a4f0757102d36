package actions

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// defaultWorkFolder is used when generatejitconfig names none.
const defaultWorkFolder = "_work"

func (s *Service) handleGenerateJITConfig(w http.ResponseWriter, r *http.Request, tenant string) {
	var req jitRequest
	if err := decodeBody(r, &req); err != nil {
		writeException(w, http.StatusBadRequest, exArgument, "%s", err)
		return
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		writeException(w, http.StatusBadRequest, exArgument, "the runner name must not be empty")
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.scaleSetFromPathLocked(w, r, tenant)
	if !ok {
		return
	}
	if other := s.runnerByNameLocked(tenant, name); other != nil {
		writeException(w, http.StatusConflict, exAgentExists,
			"A runner with the name %s already exists (id %d, runner scale set %d).", other.name, other.id, other.scaleSet.id)
		return
	}
	workDir := req.WorkFolder
	if workDir == "" {
		workDir = defaultWorkFolder
	}
	s.st.nextRunnerID++
	rn := &runner{
		id:       s.st.nextRunnerID,
		name:     name,
		tenant:   tenant,
		scaleSet: ss,
		secret:   randomHex(24),
		workDir:  workDir,
		gone:     make(chan struct{}),
	}
	s.st.runners[rn.id] = rn
	ss.runners[rn.id] = rn
	byName := s.st.runnersByName[tenant]
	if byName == nil {
		byName = map[string]*runner{}
		s.st.runnersByName[tenant] = byName
	}
	byName[strings.ToLower(name)] = rn
	s.settleLocked()
	writeJSON(w, http.StatusOK, wireJITConfig{Runner: runnerReference(rn), EncodedJITConfig: s.encodeJITConfigLocked(rn)})
}

func (s *Service) handleGetRunner(w http.ResponseWriter, r *http.Request, tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	rn := s.runnerFromPathLocked(r, tenant)
	if rn == nil {
		writeException(w, http.StatusNotFound, exAgentNotFound, "No runner with id %s was found.", r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, runnerReference(rn))
}

func (s *Service) handleGetRunnerByName(w http.ResponseWriter, r *http.Request, tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	found := []wireRunnerReference{}
	if name := r.URL.Query().Get("agentName"); name != "" {
		if rn := s.runnerByNameLocked(tenant, name); rn != nil {
			found = append(found, runnerReference(rn))
		}
	}
	writeJSON(w, http.StatusOK, listOf(found))
}

// handleDeleteRunner removes an idle, offline or never-connected runner; a runner
// that runs a job cannot be removed, and an unknown one is already gone
// (PROTOCOL.md §4.9).
func (s *Service) handleDeleteRunner(w http.ResponseWriter, r *http.Request, tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	rn := s.runnerFromPathLocked(r, tenant)
	if rn == nil {
		writeEmpty(w, http.StatusNoContent)
		return
	}
	if rn.job != nil {
		writeException(w, http.StatusBadRequest, exJobStillRunning,
			"The runner %s is running job %s and cannot be removed.", rn.name, rn.job.jobID)
		return
	}
	s.removeRunnerLocked(rn)
	s.settleLocked()
	writeEmpty(w, http.StatusNoContent)
}

func (s *Service) runnerFromPathLocked(r *http.Request, tenant string) *runner {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		return nil
	}
	rn, ok := s.st.runners[id]
	if !ok || rn.tenant != tenant {
		return nil
	}
	return rn
}

func (s *Service) runnerByNameLocked(tenant, name string) *runner {
	return s.st.runnersByName[tenant][strings.ToLower(name)]
}

func runnerReference(rn *runner) wireRunnerReference {
	return wireRunnerReference{ID: rn.id, Name: rn.name, RunnerScaleSetID: rn.scaleSet.id}
}

// removeRunnerLocked deletes the runner record and releases anyone waiting on it.
// The caller makes sure it runs no job.
func (s *Service) removeRunnerLocked(rn *runner) {
	if _, ok := s.st.runners[rn.id]; !ok {
		return
	}
	delete(s.st.runners, rn.id)
	delete(rn.scaleSet.runners, rn.id)
	if byName := s.st.runnersByName[rn.tenant]; byName[strings.ToLower(rn.name)] == rn {
		delete(byName, strings.ToLower(rn.name))
	}
	rn.goOffline()
}

// goOffline marks the runner not connected and wakes its waiters.
func (rn *runner) goOffline() {
	if rn.connected {
		rn.connected = false
		close(rn.gone)
	}
}

// Errors of the fake-runner hooks, answered by the admin routes.
var (
	errRunnerUnknown = errors.New("no runner is registered for this JIT config (never generated, or removed)")
	errRunnerSecret  = errors.New("the JIT config's credentials do not match the runner")
	errRunnerSpent   = errors.New("the runner already ran a job: ephemeral runners take one job")
	errRunnerOffline = errors.New("the runner is not connected")
	errRunnerGone    = errors.New("the runner was removed or disconnected")
	errClosed        = errors.New("the simulator is stopping")
)

// connectLocked is what a runner does at start with its JIT config: it goes
// online and idle. Connecting again before it ran a job is allowed (a restarted
// pod with the same config).
func (s *Service) connectLocked(encoded string) (*runner, error) {
	cfg, err := decodeJITConfig(encoded)
	if err != nil {
		return nil, err
	}
	rn, ok := s.st.runners[cfg.settings.AgentID]
	if !ok {
		return nil, errRunnerUnknown
	}
	if rn.secret != cfg.secret {
		return nil, errRunnerSecret
	}
	if rn.spent && rn.job == nil {
		return nil, errRunnerSpent
	}
	if !rn.connected {
		rn.connected = true
		rn.gone = make(chan struct{})
	}
	return rn, nil
}

// disconnectLocked is a runner that vanished: it goes offline, and the job it was
// running is taken back and queued again (PROTOCOL.md §5.2).
func (s *Service) disconnectLocked(rn *runner) {
	if j := rn.job; j != nil {
		s.requeueLocked(j)
	}
	rn.goOffline()
}
