package actions

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPatchScaleSet(t *testing.T) {
	type result struct {
		Status        int
		Name          string
		GroupID       int64
		Labels        []string
		DisableUpdate bool
	}
	cases := map[string]struct {
		reason string
		body   string
		want   result
	}{
		"EmptyObject": {
			reason: "Absent fields leave the scale set unchanged.",
			body:   `{"RunnerSetting":{},"createdOn":"0001-01-01T00:00:00Z"}`,
			want:   result{Status: 200, Name: "linux", GroupID: 1, Labels: []string{"linux", "x64"}},
		},
		"Rename": {
			reason: "A non-empty name renames; the labels stay.",
			body:   `{"name":"new","RunnerSetting":{},"createdOn":"0001-01-01T00:00:00Z"}`,
			want:   result{Status: 200, Name: "new", GroupID: 1, Labels: []string{"linux", "x64"}},
		},
		"MoveGroup": {
			reason: "A non-zero runnerGroupId moves the scale set.",
			body:   `{"runnerGroupId":2,"RunnerSetting":{},"createdOn":"0001-01-01T00:00:00Z"}`,
			want:   result{Status: 200, Name: "linux", GroupID: 2, Labels: []string{"linux", "x64"}},
		},
		"Relabel": {
			reason: "A non-empty label list replaces the labels.",
			body:   `{"labels":[{"name":"gpu"}],"RunnerSetting":{}}`,
			want:   result{Status: 200, Name: "linux", GroupID: 1, Labels: []string{"gpu"}},
		},
		"DisableUpdateTrue": {
			reason: "disableUpdate changes only when true.",
			body:   `{"RunnerSetting":{"disableUpdate":true}}`,
			want:   result{Status: 200, Name: "linux", GroupID: 1, Labels: []string{"linux", "x64"}, DisableUpdate: true},
		},
		"NameTakenInGroup": {
			reason: "Names are unique per group, case-insensitively.",
			body:   `{"name":"TAKEN"}`,
			want:   result{Status: 409, Name: "linux", GroupID: 1, Labels: []string{"linux", "x64"}},
		},
		"NameTakenElsewhere": {
			reason: "The same name in another group is fine.",
			body:   `{"name":"elsewhere"}`,
			want:   result{Status: 200, Name: "elsewhere", GroupID: 1, Labels: []string{"linux", "x64"}},
		},
		"UnknownGroup": {
			reason: "Moving to a group the tenant lacks is 404 and changes nothing.",
			body:   `{"name":"x","runnerGroupId":42}`,
			want:   result{Status: 404, Name: "linux", GroupID: 1, Labels: []string{"linux", "x64"}},
		},
		"EmptyLabelName": {
			reason: "A label without a name is a bad request.",
			body:   `{"labels":[{"type":"System","name":" "}]}`,
			want:   result{Status: 400, Name: "linux", GroupID: 1, Labels: []string{"linux", "x64"}},
		},
		"Malformed": {
			reason: "Malformed JSON is a bad request.",
			body:   `{"name":`,
			want:   result{Status: 400, Name: "linux", GroupID: 1, Labels: []string{"linux", "x64"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ts := newTestService(t)
			ss := ts.addScaleSet("t-octo", "linux", 1, "linux", "x64")
			ts.addScaleSet("t-octo", "taken", 1)
			ts.addScaleSet("t-octo", "elsewhere", 2)
			rec := ts.call(http.MethodPatch, "/_actions/t-octo/_apis/runtime/runnerscalesets/1", ts.adminToken("t-octo"), tc.body)
			got := result{Status: rec.Code, Name: ss.name, GroupID: ss.groupID, DisableUpdate: ss.disableUpdate}
			for _, l := range ss.labels {
				got.Labels = append(got.Labels, l.Name)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s\nbody: %s", tc.reason, diff, rec.Body)
			}
			if rec.Code == 200 {
				var view wireScaleSet
				if err := json.Unmarshal(rec.Body.Bytes(), &view); err != nil || view.ID != ss.id || view.Name != ss.name {
					t.Errorf("%s\nresponse: %s (%v)", tc.reason, rec.Body, err)
				}
			}
		})
	}
}

func TestCreateScaleSet(t *testing.T) {
	cases := map[string]struct {
		reason     string
		body       string
		wantStatus int
		wantLabels []label
	}{
		"DefaultLabel": {
			reason:     "Without labels the scale set carries its name.",
			body:       `{"name":"s","runnerGroupId":1}`,
			wantStatus: 200,
			wantLabels: []label{{Type: "System", Name: "s"}},
		},
		"LabelsStored": {
			reason:     "Labels are stored, an empty type becomes System.",
			body:       `{"name":"s","runnerGroupId":1,"labels":[{"type":"System","name":"s"},{"name":"linux"}],"RunnerSetting":{"disableUpdate":true},"createdOn":"0001-01-01T00:00:00Z"}`,
			wantStatus: 200,
			wantLabels: []label{{Type: "System", Name: "s"}, {Type: "System", Name: "linux"}},
		},
		"NoGroupMeansDefault": {
			reason:     "The client leaves runnerGroupId out when zero; that is the default group.",
			body:       `{"name":"s"}`,
			wantStatus: 200,
			wantLabels: []label{{Type: "System", Name: "s"}},
		},
		"Duplicate": {
			reason:     "A taken name in the group is a conflict.",
			body:       `{"name":"EXISTING","runnerGroupId":1}`,
			wantStatus: 409,
		},
		"NoName": {
			reason:     "A scale set needs a name.",
			body:       `{"runnerGroupId":1}`,
			wantStatus: 400,
		},
		"UnknownGroup": {
			reason:     "The group must exist in the tenant.",
			body:       `{"name":"s","runnerGroupId":9}`,
			wantStatus: 404,
		},
		"NoBody": {
			reason:     "Create needs a body.",
			body:       ``,
			wantStatus: 400,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ts := newTestService(t)
			ts.addScaleSet("t-octo", "existing", 1)
			rec := ts.call(http.MethodPost, "/_actions/t-octo/_apis/runtime/runnerscalesets", ts.adminToken("t-octo"), tc.body)
			if rec.Code != tc.wantStatus {
				t.Fatalf("%s\nstatus: got %d %s, want %d", tc.reason, rec.Code, rec.Body, tc.wantStatus)
			}
			if tc.wantStatus != 200 {
				return
			}
			var view wireScaleSet
			if err := json.Unmarshal(rec.Body.Bytes(), &view); err != nil {
				t.Fatalf("response: %v", err)
			}
			if diff := cmp.Diff(tc.wantLabels, view.Labels); diff != "" {
				t.Errorf("%s\nlabels: -want, +got:\n%s", tc.reason, diff)
			}
			if view.ID != 2 || view.RunnerGroupName != "Default" || !view.RunnerSetting.Ephemeral || view.Statistics == nil {
				t.Errorf("%s\nresponse: %s", tc.reason, rec.Body)
			}
		})
	}
}

func TestScaleSetLookupsAnswer200WithCountZero(t *testing.T) {
	ts := newTestService(t)
	tok := ts.adminToken("t-octo")
	for _, path := range []string{
		"/_actions/t-octo/_apis/runtime/runnergroups/?groupName=nope&api-version=6.0-preview",
		"/_actions/t-octo/_apis/runtime/runnerscalesets?api-version=6.0-preview&name=nope&runnerGroupId=1",
		"/_actions/t-octo/_apis/distributedtask/pools/0/agents?agentName=nope",
	} {
		rec := ts.call(http.MethodGet, path, tok, nil)
		if rec.Code != 200 || rec.Body.String() != "{\"count\":0,\"value\":[]}\n" {
			t.Errorf("GET %s: got %d %q, want 200 with count 0", path, rec.Code, rec.Body)
		}
	}
}
