package actions

import (
	"net/http"
	"slices"
)

// StateView is GET /_sim/actions/state: everything the service holds, for
// assertions and for watching a demo.
type StateView struct {
	ScaleSets []ScaleSetState  `json:"scaleSets"`
	Runners   []RunnerView     `json:"runners"`
	Jobs      map[JobState]int `json:"jobs"`
}

// ScaleSetState is one scale set in StateView.
type ScaleSetState struct {
	ID            int           `json:"id"`
	Tenant        string        `json:"tenant"`
	Name          string        `json:"name"`
	RunnerGroupID int64         `json:"runnerGroupId"`
	Labels        []string      `json:"labels"`
	Capacity      int           `json:"capacity"`
	Session       *SessionState `json:"session,omitempty"`
	Statistics    Statistics    `json:"statistics"`
}

// SessionState is a scale set's active message session.
type SessionState struct {
	ID              string `json:"id"`
	Owner           string `json:"owner"`
	PendingMessages int    `json:"pendingMessages"`
	QueuedEvents    int    `json:"queuedEvents"`
	Polling         bool   `json:"polling"`
}

func (s *Service) handleState(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.sweepLocked()
	view := StateView{ScaleSets: []ScaleSetState{}, Runners: []RunnerView{}, Jobs: map[JobState]int{}}
	for _, ss := range s.scaleSetsLocked("") {
		st := ScaleSetState{
			ID: ss.id, Tenant: ss.tenant, Name: ss.name, RunnerGroupID: ss.groupID,
			Capacity: ss.capacity, Statistics: s.statisticsLocked(ss),
		}
		for _, l := range ss.labels {
			st.Labels = append(st.Labels, l.Name)
		}
		if sess := ss.session; sess != nil {
			st.Session = &SessionState{ID: sess.id, Owner: sess.owner, PendingMessages: len(sess.pending), QueuedEvents: len(sess.events), Polling: sess.polls > 0}
		}
		view.ScaleSets = append(view.ScaleSets, st)
	}
	for _, rn := range s.st.runners {
		view.Runners = append(view.Runners, viewRunner(rn))
	}
	slices.SortFunc(view.Runners, func(a, b RunnerView) int { return a.ID - b.ID })
	for _, j := range s.st.jobs {
		view.Jobs[j.state]++
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, view)
}
