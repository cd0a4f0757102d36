package actions

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJITConfigRoundTrip(t *testing.T) {
	ts := newTestService(t)
	ss := ts.addScaleSet("t-octo", "linux", 1)
	rec := ts.call(http.MethodPost, "/_actions/t-octo/_apis/runtime/runnerscalesets/1/generatejitconfig", ts.adminToken("t-octo"), `{"name":"runner-a","workFolder":""}`)
	if rec.Code != 200 {
		t.Fatalf("generatejitconfig: %d %s", rec.Code, rec.Body)
	}
	var resp wireJITConfig
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("response: %v", err)
	}

	// The outer structure is what the runner decodes: padded standard base64 of
	// a map from file name to the base64 of the file.
	raw, err := base64.StdEncoding.DecodeString(resp.EncodedJITConfig)
	if err != nil {
		t.Fatalf("outer base64: %v", err)
	}
	var files map[string]string
	if err := json.Unmarshal(raw, &files); err != nil {
		t.Fatalf("outer JSON: %v", err)
	}
	for _, f := range []string{jitFileRunner, jitFileCredentials, jitFileRSAParams} {
		if _, err := base64.StdEncoding.DecodeString(files[f]); err != nil || files[f] == "" {
			t.Errorf("file %s: missing or not base64 (%v)", f, err)
		}
	}

	got, err := decodeJITConfig(resp.EncodedJITConfig)
	if err != nil {
		t.Fatalf("decodeJITConfig: %v", err)
	}
	want := jitRunnerSettings{
		AgentID: resp.Runner.ID, AgentName: "runner-a", ServerURL: "https://sim.test/_actions/t-octo/",
		WorkFolder: defaultWorkFolder, Ephemeral: true, RunnerScaleSetID: ss.id,
	}
	if diff := cmp.Diff(want, got.settings); diff != "" {
		t.Errorf(".runner: -want, +got:\n%s", diff)
	}
	if got.secret != ts.st.runners[resp.Runner.ID].secret {
		t.Errorf(".credentials: the runner secret does not match the record")
	}
}

func TestDecodeJITConfigRejects(t *testing.T) {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.StdEncoding.EncodeToString(b)
	}
	cases := map[string]string{
		"NotBase64":       "%%%",
		"NotJSON":         base64.StdEncoding.EncodeToString([]byte("hello")),
		"NoRunnerFile":    enc(map[string]string{}),
		"RunnerNotJSON":   enc(map[string]string{jitFileRunner: base64.StdEncoding.EncodeToString([]byte("x"))}),
		"NoSecret":        enc(map[string]string{jitFileRunner: enc(jitRunnerSettings{AgentID: 1}), jitFileCredentials: enc(jitCredentials{})}),
		"NoRunnerID":      enc(map[string]string{jitFileRunner: enc(jitRunnerSettings{}), jitFileCredentials: enc(jitCredentials{Data: map[string]string{credentialSecretKey: "s"}})}),
		"Empty":           "",
		"TrailingGarbage": base64.StdEncoding.EncodeToString([]byte(`{} {}`)),
	}
	for name, encoded := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := decodeJITConfig(encoded); !errors.Is(err, errJITConfig) {
				t.Errorf("decodeJITConfig: got %v, want errJITConfig", err)
			}
		})
	}
}

func TestRunnerEndpoints(t *testing.T) {
	agents := "/_actions/t-octo/_apis/distributedtask/pools/0/agents"
	cases := map[string]struct {
		reason      string
		method      string
		path        string
		body        string
		want        int
		wantType    string
		wantRunners []string
	}{
		"GenerateDuplicateName": {
			reason: "Runner names are unique per tenant, case-insensitively.",
			method: "POST", path: "/_actions/t-octo/_apis/runtime/runnerscalesets/1/generatejitconfig", body: `{"name":"BUSY"}`,
			want: 409, wantType: exAgentExists, wantRunners: []string{"busy", "offline"},
		},
		"GenerateUnknownScaleSet": {
			reason: "generatejitconfig on an unknown scale set is 404.",
			method: "POST", path: "/_actions/t-octo/_apis/runtime/runnerscalesets/9/generatejitconfig", body: `{"name":"x"}`,
			want: 404, wantType: exScaleSetNotFound, wantRunners: []string{"busy", "offline"},
		},
		"GenerateNoName": {
			reason: "A runner needs a name.",
			method: "POST", path: "/_actions/t-octo/_apis/runtime/runnerscalesets/1/generatejitconfig", body: `{}`,
			want: 400, wantType: exArgument, wantRunners: []string{"busy", "offline"},
		},
		"Generate": {
			reason: "A new name registers a runner.",
			method: "POST", path: "/_actions/t-octo/_apis/runtime/runnerscalesets/1/generatejitconfig", body: `{"name":"new"}`,
			want: 200, wantRunners: []string{"busy", "new", "offline"},
		},
		"GetUnknown": {
			reason: "An unknown runner id is AgentNotFoundException.",
			method: "GET", path: agents + "/99",
			want: 404, wantType: exAgentNotFound, wantRunners: []string{"busy", "offline"},
		},
		"GetOtherTenant": {
			reason: "Runners are visible to their own tenant only.",
			method: "GET", path: "/_actions/t-other/_apis/distributedtask/pools/0/agents/1",
			want: 404, wantType: exAgentNotFound, wantRunners: []string{"busy", "offline"},
		},
		"DeleteBusy": {
			reason: "A busy runner cannot be removed.",
			method: "DELETE", path: agents + "/1",
			want: 400, wantType: exJobStillRunning, wantRunners: []string{"busy", "offline"},
		},
		"DeleteUnknown": {
			reason: "Removing a runner that does not exist is fine.",
			method: "DELETE", path: agents + "/99",
			want: 204, wantRunners: []string{"busy", "offline"},
		},
		"DeleteOffline": {
			reason: "An offline runner is removed.",
			method: "DELETE", path: agents + "/2",
			want: 204, wantRunners: []string{"busy"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ts := newTestService(t)
			ss := ts.addScaleSet("t-octo", "linux", 1)
			ts.openSession(ss)
			busy := ts.addRunner(ss, "busy", true)
			ts.addRunner(ss, "offline", false)
			j := ts.submit("octo/app", "linux")
			ts.mu.Lock()
			ts.acquireLocked(ss, []int64{j.requestID})
			ts.takeJobLocked(busy)
			ts.mu.Unlock()

			tenant := strings.Split(tc.path, "/")[2]
			rec := ts.call(tc.method, tc.path, ts.adminToken(tenant), tc.body)
			if rec.Code != tc.want {
				t.Fatalf("%s\ngot %d %s, want %d", tc.reason, rec.Code, rec.Body, tc.want)
			}
			if tc.wantType != "" {
				var ex wireException
				if err := json.Unmarshal(rec.Body.Bytes(), &ex); err != nil || ex.TypeKey != tc.wantType || ex.Message == "" {
					t.Errorf("%s\nexception: got %s (%v), want %s", tc.reason, rec.Body, err, tc.wantType)
				}
			}
			var names []string
			for _, rn := range ts.st.runners {
				names = append(names, rn.name)
			}
			slices.Sort(names)
			if diff := cmp.Diff(tc.wantRunners, names); diff != "" {
				t.Errorf("%s\nrunners: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
