package main

import (
	"context"
	"fmt"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
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
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		return apiServerUsage{}, fmt.Errorf("%s: %w", errAPIServerMetrics, err)
	}
	u := apiServerUsage{writes: map[string]float64{}}
	for _, m := range families["process_cpu_seconds_total"].GetMetric() {
		u.cpuSeconds += counterValue(m)
	}
	for _, m := range families["apiserver_request_total"].GetMetric() {
		l := map[string]string{}
		for _, p := range m.GetLabel() {
			l[p.GetName()] = p.GetValue()
		}
		if !writeVerbs[l["verb"]] || l["resource"] == "" {
			continue
		}
		key := l["resource"]
		if l["subresource"] != "" {
			key += "/" + l["subresource"]
		}
		u.writes[key+" "+l["verb"]] += counterValue(m)
	}
	return u, nil
}

// counterValue is a counter's value, also when its family has no TYPE line
// (untyped).
func counterValue(m *dto.Metric) float64 {
	return m.GetCounter().GetValue() + m.GetUntyped().GetValue()
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
