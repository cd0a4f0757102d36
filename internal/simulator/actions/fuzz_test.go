package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fuzzTarget is one request-decoding endpoint the fuzzer feeds.
type fuzzTarget struct {
	method, path string
	// mq sends the session's message-queue token instead of the admin token.
	mq bool
}

var fuzzTargets = []fuzzTarget{
	{method: http.MethodPost, path: "/_actions/t-octo/_apis/runtime/runnerscalesets"},
	{method: http.MethodPatch, path: "/_actions/t-octo/_apis/runtime/runnerscalesets/1"},
	{method: http.MethodPost, path: "/_actions/t-octo/_apis/runtime/runnerscalesets/2/sessions"},
	{method: http.MethodPost, path: "/_actions/t-octo/_apis/runtime/runnerscalesets/1/acquirejobs", mq: true},
	{method: http.MethodPost, path: "/_actions/t-octo/_apis/runtime/runnerscalesets/1/generatejitconfig"},
	{method: http.MethodPost, path: "/_sim/jobs"},
	{method: http.MethodPost, path: "/_sim/jobs/1/complete"},
	{method: http.MethodPost, path: "/_sim/runners/connect"},
	{method: http.MethodPost, path: "/_sim/runners/run"},
}

// FuzzActionsRequestDecoding feeds arbitrary bodies to every endpoint that decodes
// one: the service must never panic or answer 5xx, and every error must be a JSON
// body with a message.
//
// Run it with: go test ./internal/simulator/actions/ -run '^$' -fuzz FuzzActionsRequestDecoding -fuzztime 10s -fuzzminimizetime 5s
// (see FuzzRESTRequestDecoding for why the minimization time).
func FuzzActionsRequestDecoding(f *testing.F) {
	seeds := map[int][]string{
		0: {`{"name":"s","runnerGroupId":1,"labels":[{"type":"System","name":"s"}],"RunnerSetting":{"disableUpdate":true},"createdOn":"0001-01-01T00:00:00Z"}`, `{"name":""}`, `{"labels":[{}]}`},
		1: {`{"runnerGroupId":2,"RunnerSetting":{},"createdOn":"0001-01-01T00:00:00Z"}`, `{"name":"new"}`, `{"runnerGroupId":-1}`},
		2: {`{"sessionId":"00000000-0000-0000-0000-000000000000","ownerName":"listener"}`, `null`},
		3: {`[1,2,3]`, `[]`, `[-1, 9223372036854775807]`, `{"a":1}`, `["1"]`},
		4: {`{"name":"runner","workFolder":""}`, `{"name":"runner"}`, `{"name":1}`},
		5: {`{"repository":"octo/app","labels":["linux"],"duration":"1s","result":"failed","workflowRef":"w","displayName":"d"}`, `{"repository":"x"}`, `{"repository":"octo/app","labels":["linux"],"duration":"-1s"}`},
		6: {`{"result":"succeeded"}`, `{"result":"weird"}`, ``},
		7: {`{"encodedJITConfig":"e30="}`, `{"encodedJITConfig":""}`},
		8: {`{"encodedJITConfig":"e30=","wait":"1ms"}`, `{"wait":"forever"}`},
	}
	for target, bodies := range seeds {
		for _, b := range bodies {
			f.Add(uint8(target), []byte(b))
		}
		f.Add(uint8(target), []byte(`{`))
		f.Add(uint8(target), []byte("\xef\xbb\xbf{}"))
		f.Add(uint8(target), []byte(`{} trailing`))
	}

	// One service for every input, emptied before each: a new service per input
	// registers every route again, which cost several times what serving the
	// input does, and minimizing an input runs it thousands of times.
	ts := newTestService(f)
	f.Fuzz(func(t *testing.T, target uint8, body []byte) {
		tc := fuzzTargets[int(target)%len(fuzzTargets)]
		ts.mu.Lock()
		ts.st = newState()
		ts.mu.Unlock()
		ss := ts.addScaleSet("t-octo", "linux", 1)
		ts.addScaleSet("t-octo", "free", 1)
		sess := ts.openSession(ss)
		ts.addRunner(ss, "r", true)
		ts.submit("octo/app", "linux")

		token := ts.adminToken("t-octo")
		if tc.mq {
			token = sess.token
		}
		// Runner calls may wait for a job; the deadline keeps each input short.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req := httptest.NewRequest(tc.method, tc.path, bytes.NewReader(body)).WithContext(ctx)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		ts.mux.ServeHTTP(rec, req)

		if rec.Code >= 500 {
			t.Fatalf("%s %s with %q: %d %s", tc.method, tc.path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var e struct {
				Message string `json:"message"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Message == "" {
				t.Fatalf("%s %s with %q: %d with a body that is not a JSON error: %q", tc.method, tc.path, body, rec.Code, rec.Body)
			}
			if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
				t.Fatalf("%s %s: error without a JSON content type", tc.method, tc.path)
			}
		}
		if rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s with %q: body is not JSON: %q", tc.method, tc.path, body, rec.Body)
		}
	})
}
