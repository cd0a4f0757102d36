package main

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/client-go/kubernetes"
)

const errAPIServerMetrics = "cannot read the API server's metrics"

// apiServerUsage is what the API server's own metrics say it did so far: its
// CPU seconds, and its write requests by "resource[/subresource] VERB" (every
// response code counted).
type apiServerUsage struct {
	cpuSeconds float64
	writes     map[string]float64
}

// writeVerbs are the verbs of apiserver_request_total that change something.
var writeVerbs = map[string]bool{"POST": true, "PUT": true, "PATCH": true, "DELETE": true, "APPLY": true, "DELETECOLLECTION": true}

// readAPIServerUsage reads the API server's /metrics through the bench's client.
func readAPIServerUsage(ctx context.Context, kube kubernetes.Interface) (apiServerUsage, error) {
	raw, err := kube.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return apiServerUsage{}, fmt.Errorf("%s: %w", errAPIServerMetrics, err)
	}
	return parseAPIServerUsage(string(raw))
}

// parseAPIServerUsage reads process_cpu_seconds_total and the write requests
// of apiserver_request_total from the Prometheus text format.
func parseAPIServerUsage(text string) (apiServerUsage, error) {
	u := apiServerUsage{writes: map[string]float64{}}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "process_cpu_seconds_total "):
			v, err := strconv.ParseFloat(strings.TrimPrefix(line, "process_cpu_seconds_total "), 64)
			if err != nil {
				return apiServerUsage{}, fmt.Errorf("%s: %q: %w", errAPIServerMetrics, line, err)
			}
			u.cpuSeconds = v
		case strings.HasPrefix(line, "apiserver_request_total{"):
			labels, value, ok := strings.Cut(strings.TrimPrefix(line, "apiserver_request_total{"), "} ")
			if !ok {
				continue
			}
			l := parseLabels(labels)
			if !writeVerbs[l["verb"]] || l["resource"] == "" {
				continue
			}
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				return apiServerUsage{}, fmt.Errorf("%s: %q: %w", errAPIServerMetrics, line, err)
			}
			key := l["resource"]
			if l["subresource"] != "" {
				key += "/" + l["subresource"]
			}
			u.writes[key+" "+l["verb"]] += v
		}
	}
	if err := sc.Err(); err != nil {
		return apiServerUsage{}, fmt.Errorf("%s: %w", errAPIServerMetrics, err)
	}
	return u, nil
}

// parseLabels splits name="value",... (the API server's label values hold no
// quotes or commas).
func parseLabels(s string) map[string]string {
	labels := map[string]string{}
	for pair := range strings.SplitSeq(s, ",") {
		name, value, ok := strings.Cut(pair, "=")
		if ok {
			labels[name] = strings.Trim(value, `"`)
		}
	}
	return labels
}

// since is what the API server did between before and u.
func (u apiServerUsage) since(before apiServerUsage) apiServerUsage {
	d := apiServerUsage{cpuSeconds: u.cpuSeconds - before.cpuSeconds, writes: map[string]float64{}}
	for k, v := range u.writes {
		if n := v - before.writes[k]; n > 0 {
			d.writes[k] = n
		}
	}
	return d
}
