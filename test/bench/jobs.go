package main

import (
	"encoding/csv"
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/arc-crossplane/provider-github-arc/cluster/demo"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// writeJobsCSV writes one line per job of the scenario, with its times in
// seconds from the first job's queueing, so a tail in the percentiles can be
// traced to the jobs and runners that make it. Empty fields did not happen.
func writeJobsCSV(path string, jobs []simclient.Job, stream *demo.Stream, pods *demo.PodRecorder) error {
	f, err := os.Create(path) //nolint:gosec // the path is the bench's own work folder.
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	var first time.Time
	for _, j := range jobs {
		if stream.TeamOf(j.ID) != "" && (first.IsZero() || j.QueuedAt.Before(first)) {
			first = j.QueuedAt
		}
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return strconv.FormatFloat(t.Sub(first).Seconds(), 'f', 3, 64)
	}
	atPtr := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return at(*t)
	}
	_ = w.Write([]string{"job", "team", "runner", "runs", "queued", "started", "completed", "pod_created", "pod_ended", "pod_gone"})
	for _, j := range jobs {
		team := stream.TeamOf(j.ID)
		if team == "" {
			continue
		}
		var life demo.PodLife
		if j.RunnerName != "" {
			life, _ = pods.Life(team, j.RunnerName)
		}
		_ = w.Write([]string{strconv.FormatInt(j.ID, 10), team, j.RunnerName, strconv.Itoa(j.Runs),
			at(j.QueuedAt), atPtr(j.StartedAt), atPtr(j.CompletedAt), at(life.Created), at(life.Ended), at(life.Gone)})
	}
	w.Flush()
	return errors.Join(w.Error(), f.Close())
}
