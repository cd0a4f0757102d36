package listener

import (
	"strings"
	"testing"
)

// FuzzDecideScale checks the invariants of the scaling and patchID rules for
// any state and batch.
func FuzzDecideScale(f *testing.F) {
	f.Add(true, 3, int64(7), int64(9), 1, 5, 2, false)
	f.Add(false, 0, int64(0), int64(0), 0, 0, 4, true)
	f.Add(true, 2, int64(0), int64(1<<62), 2, 2, 0, false)
	f.Fuzz(func(t *testing.T, written bool, replicas int, patchID, lastSeq int64, minRunners, maxRunners, assigned int, eventful bool) {
		if minRunners < 0 || maxRunners < minRunners {
			t.Skip("New refuses such bounds")
		}
		st := scaleState{written: written, replicas: replicas, patchID: patchID, lastSeq: lastSeq}
		d := decideScale(st, scaleInput{minRunners: minRunners, maxRunners: maxRunners, assignedJobs: assigned, eventful: eventful})
		if d.Replicas < 0 || d.Replicas > maxRunners || d.Replicas != DesiredRunners(minRunners, maxRunners, assigned) {
			t.Fatalf("replicas %d outside the rule for min %d, max %d, assigned %d", d.Replicas, minRunners, maxRunners, assigned)
		}
		if !d.patch {
			if !written || d.Replicas != replicas {
				t.Fatalf("skipped a patch that changes replicas %d -> %d (written %v)", replicas, d.Replicas, written)
			}
			return
		}
		if d.PatchID < 0 {
			t.Fatalf("negative patchID %d", d.PatchID)
		}
		if d.PatchID == 0 && (eventful || d.Replicas != minRunners || !written) {
			t.Fatalf("patchID 0 outside an idle set at minRunners: %+v, eventful %v", d, eventful)
		}
		if d.PatchID != 0 && d.PatchID == lastSeq {
			t.Fatalf("patchID %d reused", d.PatchID)
		}
	})
}

// FuzzParseConfig checks that any document either parses into a valid
// config or fails without echoing the token it may hold.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"githubConfigURL":"https://x/o","scaleSetID":1,"ephemeralRunnerSetNamespace":"n","ephemeralRunnerSetName":"s","maxRunners":1,"token":"ghp_fuzzsecret"}`))
	f.Add([]byte(`{"token":"ghp_fuzzsecret","scaleSetID":"x"}`))
	f.Add([]byte(`{"token":"ghp_fuzzsecret"`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := ParseConfig(raw)
		if err != nil {
			if c != nil {
				t.Fatalf("a config came back with the error %v", err)
			}
			if strings.Contains(err.Error(), "ghp_fuzzsecret") {
				t.Fatalf("error echoes the token: %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseConfig returned an invalid config: %v", err)
		}
		if c.MetricsAddr == "" || c.HealthAddr == "" || c.LogLevel == "" {
			t.Fatalf("defaults not applied: %+v", c)
		}
	})
}
