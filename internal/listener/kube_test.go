package listener

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The patches are merge patches: what they hold is what they change. Zero
// replicas, patchID and runningJobs must be written; empty job fields must
// not (they would erase what the controller wrote).
func TestPatchBodies(t *testing.T) {
	replicas := func(n int, id int64) any {
		return replicasPatch{Spec: ScaleTarget{Replicas: n, PatchID: id}}
	}
	cases := map[string]struct {
		reason string
		patch  any
		want   string
	}{
		"Replicas": {
			reason: "replicas and patchID go under spec",
			patch:  replicas(5, 1795959310003),
			want:   `{"spec":{"replicas":5,"patchID":1795959310003,"runningJobs":0}}`,
		},
		"RunningJobs": {
			reason: "the running jobs of the statistics go with replicas",
			patch:  replicasPatch{Spec: ScaleTarget{Replicas: 5, PatchID: 7, RunningJobs: 3}},
			want:   `{"spec":{"replicas":5,"patchID":7,"runningJobs":3}}`,
		},
		"ZeroReplicas": {
			reason: "scaling to zero with the full-reconcile patchID writes the zeros",
			patch:  replicas(0, 0),
			want:   `{"spec":{"replicas":0,"patchID":0,"runningJobs":0}}`,
		},
		"RunnerJob": {
			reason: "the runner and every job field under status, with the API's json names, and the runner running since the job started",
			patch: runnerJobPatchFor(RunnerJob{
				RunnerID: 7, RunnerName: "runner-a", JobRequestID: 11, JobID: "job-11", JobRepositoryName: "octo/app",
				JobWorkflowRef: "octo/app/.github/workflows/ci.yml@refs/heads/main", JobDisplayName: "build",
				WorkflowRunID: 911, JobStartedAt: time.Date(2026, 11, 29, 12, 0, 3, 0, time.UTC),
			}, time.Date(2026, 11, 29, 12, 0, 5, 0, time.UTC)),
			want: `{"status":{"phase":"Running","reason":"JobStarted","message":"runs job build (request 11)","runnerId":7,"runnerName":"runner-a","ready":true,` +
				`"jobRequestId":11,"jobId":"job-11","jobRepositoryName":"octo/app",` +
				`"jobWorkflowRef":"octo/app/.github/workflows/ci.yml@refs/heads/main","jobDisplayName":"build",` +
				`"workflowRunId":911,"jobStartedAt":"2026-11-29T12:00:03Z",` +
				`"conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-11-29T12:00:03Z","reason":"JobStarted","message":"runs job build (request 11)"}]}}`,
		},
		"RunnerJobWithoutTimes": {
			reason: "an unknown start time is left out, not written as year 1; the runner is ready since now, and named by its job id without a display name",
			patch:  runnerJobPatchFor(RunnerJob{JobRequestID: 3, JobID: "j"}, time.Date(2026, 11, 29, 12, 0, 5, 0, time.UTC)),
			want: `{"status":{"phase":"Running","reason":"JobStarted","message":"runs job j (request 3)","ready":true,"jobRequestId":3,"jobId":"j",` +
				`"conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-11-29T12:00:05Z","reason":"JobStarted","message":"runs job j (request 3)"}]}}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := json.Marshal(tc.patch)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("%s\npatch: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
