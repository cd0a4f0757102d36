package actions

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestEnvelopeBatchingAndRedelivery(t *testing.T) {
	newSession := func(events int) *session {
		sess := &session{nextMessageID: firstMessageID}
		for i := range events {
			sess.events = append(sess.events, jobMessage{MessageType: msgJobAvailable, RunnerRequestID: int64(i + 1)})
		}
		return sess
	}
	// step is one GET (with lastMessageId) or, when del > 0, one DELETE.
	type step struct {
		get  int64
		del  int64
		want int64 // message id served; 0 for none
	}
	cases := map[string]struct {
		reason    string
		events    int
		steps     []step
		wantSizes map[int64]int
	}{
		"SplitsAtFifty": {
			reason:    "120 events become messages of 50, 50 and 20, in order.",
			events:    120,
			steps:     []step{{get: 0, want: 1}, {get: 1, want: 2}, {get: 2, want: 3}, {get: 3, want: 0}},
			wantSizes: map[int64]int{1: 50, 2: 50, 3: 20},
		},
		"RedeliversUntilDeleted": {
			reason:    "Without lastMessageId the oldest undeleted message comes back, same id, until it is deleted.",
			events:    3,
			steps:     []step{{get: 0, want: 1}, {get: 0, want: 1}, {del: 1}, {get: 0, want: 0}},
			wantSizes: map[int64]int{1: 3},
		},
		"HigherLastMessageIDSkipsWithoutAcknowledging": {
			reason:    "lastMessageId skips older messages; they stay pending and come back without it.",
			events:    60,
			steps:     []step{{get: 0, want: 1}, {get: 1, want: 2}, {get: 2, want: 0}, {get: 0, want: 1}, {del: 1}, {get: 0, want: 2}},
			wantSizes: map[int64]int{1: 50, 2: 10},
		},
		"NothingToSend": {
			reason: "No events, no message.",
			steps:  []step{{get: 0, want: 0}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			sess := newSession(tc.events)
			sizes := map[int64]int{}
			for i, st := range tc.steps {
				if st.del > 0 {
					deleteEnvelopeLocked(sess, st.del)
					continue
				}
				env, ok := nextEnvelopeLocked(sess, st.get)
				var got int64
				if ok {
					got = env.id
					var body []jobMessage
					if err := json.Unmarshal([]byte(env.body), &body); err != nil {
						t.Fatalf("step %d: body is not a JSON array: %v", i, err)
					}
					sizes[env.id] = len(body)
				}
				if got != st.want {
					t.Errorf("%s\nstep %d: GET lastMessageId=%d served message %d, want %d", tc.reason, i, st.get, got, st.want)
				}
			}
			if tc.wantSizes == nil {
				tc.wantSizes = map[int64]int{}
			}
			if diff := cmp.Diff(tc.wantSizes, sizes); diff != "" {
				t.Errorf("%s\nmessage sizes: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestParseCapacity(t *testing.T) {
	cases := map[string]struct {
		header string
		want   int
	}{
		"Absent":    {header: "", want: unlimitedCapacity},
		"Garbage":   {header: "lots", want: unlimitedCapacity},
		"Zero":      {header: "0", want: 0},
		"Some":      {header: " 7 ", want: 7},
		"MaxInt32":  {header: "2147483647", want: unlimitedCapacity},
		"Larger":    {header: "99999999999", want: unlimitedCapacity},
		"Negative":  {header: "-3", want: 0},
		"Fractions": {header: "1.5", want: unlimitedCapacity},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := parseCapacity(tc.header); got != tc.want {
				t.Errorf("parseCapacity(%q): got %d, want %d", tc.header, got, tc.want)
			}
		})
	}
}

// poll runs one message GET in the background; the answer arrives on the channel.
func (ts *testService) poll(sess *session, capacity string) <-chan *httptest.ResponseRecorder {
	out := make(chan *httptest.ResponseRecorder, 1)
	req := httptest.NewRequest(http.MethodGet, "/_actions/t-octo/_mq/"+sess.id, nil)
	ts.mu.Lock()
	req.Header.Set("Authorization", "Bearer "+sess.token)
	ts.mu.Unlock()
	if capacity != "" {
		req.Header.Set("X-ScaleSetMaxCapacity", capacity)
	}
	go func() {
		rec := httptest.NewRecorder()
		ts.mux.ServeHTTP(rec, req)
		out <- rec
	}()
	return out
}

// waitPolling waits until a poll of the session is parked.
func (ts *testService) waitPolling(t *testing.T, sess *session) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ts.mu.Lock()
		polls := sess.polls
		ts.mu.Unlock()
		if polls > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no poll parked before the deadline")
		}
		time.Sleep(time.Millisecond)
	}
}

func receive(t *testing.T, ch <-chan *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	t.Helper()
	select {
	case rec := <-ch:
		return rec
	case <-time.After(10 * time.Second):
		t.Fatalf("no answer before the deadline")
		return nil
	}
}

func TestLongPoll(t *testing.T) {
	t.Run("AnswersAtOnceWhenAnEventArrives", func(t *testing.T) {
		ts := newTestService(t)
		ts.SetLongPollTimeout(time.Hour)
		ss := ts.addScaleSet("t-octo", "linux", 1)
		sess := ts.openSession(ss)
		answer := ts.poll(sess, "")
		ts.waitPolling(t, sess)
		ts.submit("octo/app", "linux")
		rec := receive(t, answer)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET: got %d %s", rec.Code, rec.Body)
		}
		var env wireEnvelope
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			t.Fatalf("envelope: %v", err)
		}
		if env.MessageType != envelopeMessageType || env.MessageID != firstMessageID || env.Statistics.TotalAvailableJobs != 1 {
			t.Errorf("envelope: got %+v", env)
		}
	})
	t.Run("Answers202AfterTimeout", func(t *testing.T) {
		ts := newTestService(t)
		sess := ts.openSession(ts.addScaleSet("t-octo", "linux", 1))
		if rec := receive(t, ts.poll(sess, "")); rec.Code != http.StatusAccepted || rec.Body.Len() != 0 {
			t.Errorf("idle GET: got %d %q, want 202 with no body", rec.Code, rec.Body)
		}
	})
	t.Run("CloseEndsWaitingPolls", func(t *testing.T) {
		ts := newTestService(t)
		ts.SetLongPollTimeout(time.Hour)
		sess := ts.openSession(ts.addScaleSet("t-octo", "linux", 1))
		answer := ts.poll(sess, "")
		ts.waitPolling(t, sess)
		ts.Close()
		if rec := receive(t, answer); rec.Code != http.StatusAccepted {
			t.Errorf("GET during Close: got %d", rec.Code)
		}
	})
	t.Run("DeletedSessionEndsPollWith401", func(t *testing.T) {
		ts := newTestService(t)
		ts.SetLongPollTimeout(time.Hour)
		ss := ts.addScaleSet("t-octo", "linux", 1)
		sess := ts.openSession(ss)
		answer := ts.poll(sess, "")
		ts.waitPolling(t, sess)
		path := "/_actions/t-octo/_apis/runtime/runnerscalesets/" + strconv.Itoa(ss.id) + "/sessions/" + sess.id
		if rec := ts.call("DELETE", path, ts.adminToken("t-octo"), nil); rec.Code != http.StatusNoContent {
			t.Fatalf("DELETE session: got %d %s", rec.Code, rec.Body)
		}
		if rec := receive(t, answer); rec.Code != http.StatusUnauthorized {
			t.Errorf("GET of a deleted session: got %d", rec.Code)
		}
	})
	t.Run("CapacityHeaderIsHonoured", func(t *testing.T) {
		ts := newTestService(t, func(c *Config) { c.AutoAssign = true })
		ss := ts.addScaleSet("t-octo", "linux", 1)
		sess := ts.openSession(ss)
		if rec := receive(t, ts.poll(sess, "1")); rec.Code != http.StatusAccepted {
			t.Fatalf("first GET: got %d", rec.Code)
		}
		first, second := ts.submit("octo/app", "linux"), ts.submit("octo/app", "linux")
		if first.state != JobAssigned || second.state != JobQueued {
			t.Errorf("capacity 1: got states %s, %s; want assigned, queued", first.state, second.state)
		}
		rec := receive(t, ts.poll(sess, "2"))
		if rec.Code != http.StatusOK || second.state != JobAssigned {
			t.Errorf("capacity 2: got %d and state %s, want 200 and assigned", rec.Code, second.state)
		}
	})
}

func TestMessageQueueAuth(t *testing.T) {
	ts := newTestService(t)
	ss := ts.addScaleSet("t-octo", "linux", 1)
	sess := ts.openSession(ss)
	other := ts.openSession(ts.addScaleSet("t-octo", "other", 1))
	acquirePath := "/_actions/t-octo/_apis/runtime/runnerscalesets/" + strconv.Itoa(ss.id) + "/acquirejobs"
	mq := "/_actions/t-octo/_mq/" + sess.id

	cases := map[string]struct {
		reason string
		method string
		path   string
		token  func() string
		body   any
		want   int
	}{
		"OwnToken": {
			reason: "The session's token works on its acquirejobs.",
			method: "POST", path: acquirePath, token: func() string { return sess.token }, body: "[]", want: 200,
		},
		"OtherSessionsToken": {
			reason: "An MQ token works only for its own scale set.",
			method: "POST", path: acquirePath, token: func() string { return other.token }, body: "[]", want: 401,
		},
		"AdminToken": {
			reason: "acquirejobs wants the MQ token, not the admin token.",
			method: "POST", path: acquirePath, token: func() string { return ts.adminToken("t-octo") }, body: "[]", want: 401,
		},
		"DeleteMessageOwnToken": {
			reason: "Deleting an unknown message is fine.",
			method: "DELETE", path: mq + "/77", token: func() string { return sess.token }, want: 204,
		},
		"DeleteMessageNoToken": {
			reason: "No token, no access.",
			method: "DELETE", path: mq + "/77", token: func() string { return "" }, want: 401,
		},
		"GetWrongTenant": {
			reason: "The session must belong to the tenant of the path.",
			method: "GET", path: "/_actions/t-other/_mq/" + sess.id, token: func() string { return sess.token }, want: 401,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ts.mu.Lock()
			tok := tc.token()
			ts.mu.Unlock()
			if rec := ts.call(tc.method, tc.path, tok, tc.body); rec.Code != tc.want {
				t.Errorf("%s\n%s %s: got %d %s, want %d", tc.reason, tc.method, tc.path, rec.Code, rec.Body, tc.want)
			}
		})
	}

	t.Run("RefreshInvalidatesOldToken", func(t *testing.T) {
		ts.mu.Lock()
		old := sess.token
		ts.mu.Unlock()
		path := "/_actions/t-octo/_apis/runtime/runnerscalesets/" + strconv.Itoa(ss.id) + "/sessions/" + sess.id
		rec := ts.call("PATCH", path, ts.adminToken("t-octo"), nil)
		if rec.Code != 200 {
			t.Fatalf("PATCH session: got %d %s", rec.Code, rec.Body)
		}
		var refreshed wireSession
		if err := json.Unmarshal(rec.Body.Bytes(), &refreshed); err != nil {
			t.Fatalf("session: %v", err)
		}
		if refreshed.SessionID != sess.id || refreshed.MessageQueueAccessToken == old || refreshed.RunnerScaleSet == nil {
			t.Errorf("refreshed session: got %+v", refreshed)
		}
		if rec := ts.call("DELETE", mq+"/1", old, nil); rec.Code != 401 {
			t.Errorf("old token after refresh: got %d, want 401", rec.Code)
		}
		if rec := ts.call("DELETE", mq+"/1", refreshed.MessageQueueAccessToken, nil); rec.Code != 204 {
			t.Errorf("new token: got %d, want 204", rec.Code)
		}
		if rec := ts.call("PATCH", "/_actions/t-octo/_apis/runtime/runnerscalesets/"+strconv.Itoa(ss.id)+"/sessions/nope", ts.adminToken("t-octo"), nil); rec.Code != 404 {
			t.Errorf("refresh of an unknown session: got %d, want 404", rec.Code)
		}
	})
	t.Run("MQTokenExpires", func(t *testing.T) {
		ts.mu.Lock()
		tok := sess.token
		ts.mu.Unlock()
		ts.clock.Advance(defaultMQTokenTTL)
		if rec := ts.call("DELETE", mq+"/1", tok, nil); rec.Code != 401 {
			t.Errorf("MQ token after its lifetime: got %d, want 401", rec.Code)
		}
	})
}
