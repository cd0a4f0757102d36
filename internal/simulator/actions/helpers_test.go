package actions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fakes for the package's own tests. Tests that need HTTPS and the real client
// use package actionstest instead (it imports this package, so it cannot be used
// here).

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeDirectory knows tenants t-octo (org octo, groups 1 Default and 2 team)
// and t-other (org other, group 1). Repositories of an org belong to its tenant;
// denied lists tenant/group/repo triples a group does not admit.
type fakeDirectory struct {
	denied map[string]bool
}

func (d fakeDirectory) groups(tenant string) []Group {
	switch tenant {
	case "t-octo":
		return []Group{{ID: 1, Name: "Default", IsDefault: true}, {ID: 2, Name: "team"}}
	case "t-other":
		return []Group{{ID: 1, Name: "Default", IsDefault: true}}
	}
	return nil
}

func (d fakeDirectory) RunnerGroupByName(tenant, name string) (Group, bool) {
	for _, g := range d.groups(tenant) {
		if strings.EqualFold(g.Name, name) {
			return g, true
		}
	}
	return Group{}, false
}

func (d fakeDirectory) RunnerGroupByID(tenant string, id int64) (Group, bool) {
	for _, g := range d.groups(tenant) {
		if g.ID == id {
			return g, true
		}
	}
	return Group{}, false
}

func (d fakeDirectory) RepositoryAllowed(tenant string, groupID int64, repo string) bool {
	return !d.denied[fmt.Sprintf("%s/%d/%s", tenant, groupID, repo)]
}

func (d fakeDirectory) TenantsForRepository(repo string) []string {
	owner, _, _ := strings.Cut(repo, "/")
	switch owner {
	case "octo":
		return []string{"t-octo"}
	case "other":
		return []string{"t-other"}
	}
	return nil
}

// workflowDirectory restricts every group to one workflow.
type workflowDirectory struct {
	fakeDirectory
	only string
}

func (d workflowDirectory) WorkflowAllowed(_ string, _ int64, workflowRef string) bool {
	return workflowRef == d.only
}

type testService struct {
	*Service
	clock *fakeClock
	mux   *http.ServeMux
}

func newTestService(t testing.TB, configure ...func(*Config)) *testService {
	t.Helper()
	clock := newFakeClock()
	cfg := Config{
		Clock:           clock,
		TokenClock:      clock,
		Directory:       fakeDirectory{denied: map[string]bool{}},
		BaseURL:         func(tenant string) string { return "https://sim.test/_actions/" + tenant + "/" },
		LongPollTimeout: 50 * time.Millisecond,
	}
	for _, c := range configure {
		c(&cfg)
	}
	s := New(cfg)
	mux := http.NewServeMux()
	s.Register(mux)
	t.Cleanup(s.Close)
	return &testService{Service: s, clock: clock, mux: mux}
}

// call serves one request in process and returns the recorded answer.
func (ts *testService) call(method, path, token string, body any) *httptest.ResponseRecorder {
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	ts.mux.ServeHTTP(rec, req)
	return rec
}

func (ts *testService) adminToken(tenant string) string {
	tok, _ := ts.IssueAdminToken(tenant)
	return tok
}

// addScaleSet creates a scale set directly in the state.
func (ts *testService) addScaleSet(tenant, name string, groupID int64, labels ...string) *scaleSet {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.st.nextScaleSetID++
	ss := &scaleSet{
		id: ts.st.nextScaleSetID, tenant: tenant, name: name, groupID: groupID,
		capacity: unlimitedCapacity, runners: map[int]*runner{}, jobsAssigned: make(chan struct{}),
	}
	if len(labels) == 0 {
		labels = []string{name}
	}
	for _, l := range labels {
		ss.labels = append(ss.labels, label{Type: "System", Name: l})
	}
	ts.st.scaleSets[ss.id] = ss
	return ss
}

// openSession opens a session for ss directly in the state.
func (ts *testService) openSession(ss *scaleSet) *session {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	sess := &session{id: fmt.Sprintf("sess-%d", ss.id), scaleSet: ss, nextMessageID: firstMessageID, announced: map[int64]bool{}, wake: make(chan struct{}), lastPoll: ts.now()}
	ts.newMQTokenLocked(sess)
	ss.session = sess
	ts.st.sessions[sess.id] = sess
	ts.settleLocked()
	return sess
}

// addRunner registers a runner of ss directly in the state; connected runners
// are idle.
func (ts *testService) addRunner(ss *scaleSet, name string, connected bool) *runner {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.st.nextRunnerID++
	rn := &runner{id: ts.st.nextRunnerID, name: name, tenant: ss.tenant, scaleSet: ss, secret: "s", workDir: "_work", gone: make(chan struct{}), connected: connected}
	ts.st.runners[rn.id] = rn
	ss.runners[rn.id] = rn
	if ts.st.runnersByName[ss.tenant] == nil {
		ts.st.runnersByName[ss.tenant] = map[string]*runner{}
	}
	ts.st.runnersByName[ss.tenant][strings.ToLower(name)] = rn
	return rn
}

func (ts *testService) submit(repo string, labels ...string) *job {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	j := ts.submitLocked(jobSpec{repository: repo, labels: labels, result: ResultSucceeded, eventName: "push"})
	ts.settleLocked()
	return j
}

func (ts *testService) stats(ss *scaleSet) Statistics {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.statisticsLocked(ss)
}

// drain returns and forgets the session's events not yet packed into messages.
func (ts *testService) drain(sess *session) []jobMessage {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ev := sess.events
	sess.events = nil
	return ev
}

// types lists the message types of events.
func types(events []jobMessage) []string {
	out := []string{}
	for _, e := range events {
		out = append(out, e.MessageType)
	}
	return out
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
