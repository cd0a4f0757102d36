package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseAPIServerUsage(t *testing.T) {
	cases := map[string]struct {
		reason  string
		text    string
		want    apiServerUsage
		wantErr bool
	}{
		"WritesByResourceAndVerb": {
			reason: "writes are summed over response codes, by resource, subresource and verb; reads and non-resource paths are left out",
			text: `# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 852.18
apiserver_request_total{code="200",component="apiserver",dry_run="",group="runners.arc.crossplane.io",resource="ephemeralrunners",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 12260
apiserver_request_total{code="404",component="apiserver",dry_run="",group="runners.arc.crossplane.io",resource="ephemeralrunners",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 1813
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="",verb="POST",version="v1"} 8058
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="",verb="GET",version="v1"} 99
apiserver_request_total{code="200",component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version=""} 2
`,
			want: apiServerUsage{cpuSeconds: 852.18, writes: map[string]float64{
				"ephemeralrunners/status PATCH": 14073,
				"pods POST":                     8058,
			}},
		},
		"BadCPUValue": {
			reason:  "a value that is no number is an error, not a zero",
			text:    "process_cpu_seconds_total lots\n",
			wantErr: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := parseAPIServerUsage(tc.text)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s\nerror: %v, want error %t", tc.reason, err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(apiServerUsage{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestAPIServerUsageSince(t *testing.T) {
	before := apiServerUsage{cpuSeconds: 10, writes: map[string]float64{"pods POST": 5, "secrets DELETE": 3}}
	after := apiServerUsage{cpuSeconds: 25.5, writes: map[string]float64{"pods POST": 9, "secrets DELETE": 3, "ephemeralrunners POST": 4}}
	want := apiServerUsage{cpuSeconds: 15.5, writes: map[string]float64{"pods POST": 4, "ephemeralrunners POST": 4}}
	if diff := cmp.Diff(want, after.since(before), cmp.AllowUnexported(apiServerUsage{})); diff != "" {
		t.Errorf("the usage between two readings, without writes that did not happen: -want +got:\n%s", diff)
	}
}
