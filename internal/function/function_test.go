/*
Copyright 2026 The provider-github-arc Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package function

import (
	"context"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
)

func newRequest(xr string, observed map[string]string) *fnv1.RunFunctionRequest {
	req := &fnv1.RunFunctionRequest{
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(xr)}},
	}
	if len(observed) > 0 {
		req.Observed.Resources = map[string]*fnv1.Resource{}
		for name, r := range observed {
			req.Observed.Resources[name] = &fnv1.Resource{Resource: resource.MustStructJSON(r)}
		}
	}
	return req
}

// outcome is what a test compares of a response.
type outcome struct {
	Fatal     string
	Resources map[string]fnv1.Ready
	// Namespaces of the composed resources, by name.
	Namespaces map[string]string
	Status     map[string]any
	Normal     []string
	// Conditions set on the composite and its claim: type -> "status reason: message".
	Conditions map[string]string
}

func outcomeOf(rsp *fnv1.RunFunctionResponse) outcome {
	o := outcome{}
	for _, r := range rsp.GetResults() {
		switch r.GetSeverity() {
		case fnv1.Severity_SEVERITY_FATAL:
			o.Fatal = r.GetMessage()
		case fnv1.Severity_SEVERITY_NORMAL:
			o.Normal = append(o.Normal, r.GetMessage())
		default:
		}
	}
	for name, r := range rsp.GetDesired().GetResources() {
		if o.Resources == nil {
			o.Resources, o.Namespaces = map[string]fnv1.Ready{}, map[string]string{}
		}
		o.Resources[name] = r.GetReady()
		m := r.GetResource().AsMap()
		meta, _ := m["metadata"].(map[string]any)
		o.Namespaces[name], _ = meta["namespace"].(string)
	}
	if s, ok := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any); ok {
		o.Status = s
	}
	for _, c := range rsp.GetConditions() {
		if o.Conditions == nil {
			o.Conditions = map[string]string{}
		}
		if c.GetTarget() != fnv1.Target_TARGET_COMPOSITE_AND_CLAIM {
			o.Conditions[c.GetType()] = "not on the claim"
			continue
		}
		o.Conditions[c.GetType()] = c.GetStatus().String() + " " + c.GetReason() + ": " + c.GetMessage()
	}
	return o
}

func TestRunFunction(t *testing.T) {
	type args struct {
		xr       string
		observed map[string]string
	}
	cases := map[string]struct {
		reason string
		args   args
		want   outcome
	}{
		"NewPoolInExistingGroup": {
			reason: "A new pool in an existing group renders its scale set and says what it waits for.",
			args: args{xr: `{"apiVersion":"platform.arc.crossplane.io/v1alpha1","kind":"AutoscalingRunnerSet",
				"metadata":{"name":"team-b","namespace":"team-b"},
				"spec":{"scaleSetName":"team-b-docker","runnerGroup":{"name":"builders"},"containerMode":{"type":"dind"}}}`},
			want: outcome{
				Resources:  map[string]fnv1.Ready{"runner-scale-set": fnv1.Ready_READY_FALSE},
				Namespaces: map[string]string{"runner-scale-set": "team-b"},
				Status:     map[string]any{"scaleSetName": "team-b-docker", "runnerGroupName": "builders"},
				Normal:     []string{`waiting for the runner scale set "team-b-docker" to get its id from the Actions service before starting its listener and runners`},
				Conditions: map[string]string{TypeResourcesSynced: "STATUS_CONDITION_TRUE AllSynced: "},
			},
		},
		"ScaleSetNameDefaultsToTheCompositeName": {
			reason: "Without scaleSetName, workflows use the composite's name.",
			args: args{xr: `{"apiVersion":"platform.arc.crossplane.io/v1alpha1","kind":"AutoscalingRunnerSet",
				"metadata":{"name":"team-b","namespace":"team-b"},"spec":{}}`},
			want: outcome{
				Resources:  map[string]fnv1.Ready{"runner-scale-set": fnv1.Ready_READY_FALSE},
				Namespaces: map[string]string{"runner-scale-set": "team-b"},
				Status:     map[string]any{"scaleSetName": "team-b", "runnerGroupName": "Default"},
				Normal:     []string{`waiting for the runner scale set "team-b" to get its id from the Actions service before starting its listener and runners`},
				Conditions: map[string]string{TypeResourcesSynced: "STATUS_CONDITION_TRUE AllSynced: "},
			},
		},
		"IDsFlowFromObservedResources": {
			reason: "With the scale set's id observed, the runner set and the listener are rendered and the status shows the ids.",
			args: args{
				xr: `{"apiVersion":"platform.arc.crossplane.io/v1alpha1","kind":"AutoscalingRunnerSet",
					"metadata":{"name":"team-b","namespace":"team-b"},"spec":{"runnerGroup":{"name":"builders"}}}`,
				observed: map[string]string{
					"runner-scale-set": `{"apiVersion":"actions.arc.crossplane.io/v1alpha1","kind":"RunnerScaleSet",
						"metadata":{"name":"team-b","namespace":"team-b","annotations":{"crossplane.io/external-name":"17"}},
						"status":{"atProvider":{"id":17,"runnerGroupID":3,"runnerGroupName":"builders"},
						"conditions":[{"type":"Ready","status":"True","reason":"Available","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}`,
					"autoscaling-listener": `{"apiVersion":"runners.arc.crossplane.io/v1alpha1","kind":"AutoscalingListener",
						"metadata":{"name":"team-b","namespace":"team-b"},"status":{"phase":"Running","podName":"team-b-listener"}}`,
				},
			},
			want: outcome{
				Resources: map[string]fnv1.Ready{
					"runner-scale-set":                   fnv1.Ready_READY_TRUE,
					"ephemeral-runner-set":               fnv1.Ready_READY_FALSE,
					"autoscaling-listener":               fnv1.Ready_READY_TRUE,
					"runner-scale-set-usage-by-listener": fnv1.Ready_READY_TRUE,
					"runner-scale-set-usage-by-runners":  fnv1.Ready_READY_TRUE,
				},
				Namespaces: map[string]string{
					"runner-scale-set": "team-b", "ephemeral-runner-set": "team-b", "autoscaling-listener": "team-b",
					"runner-scale-set-usage-by-listener": "team-b", "runner-scale-set-usage-by-runners": "team-b",
				},
				Status: map[string]any{
					"scaleSetName": "team-b", "scaleSetID": float64(17), "runnerGroupName": "builders", "runnerGroupID": float64(3),
					"listener": map[string]any{"phase": "Running", "podName": "team-b-listener"},
				},
				Conditions: map[string]string{TypeResourcesSynced: "STATUS_CONDITION_TRUE AllSynced: "},
			},
		},
		"LegacyCompositeGoesToTheClaimsNamespace": {
			reason: "A cluster-scoped legacy composite composes into its claim's namespace and names the scale set after the claim.",
			args: args{xr: `{"apiVersion":"platform.arc.crossplane.io/v1alpha1","kind":"XAutoscalingRunnerSet",
				"metadata":{"name":"team-c-x7k2p"},
				"spec":{"claimRef":{"apiVersion":"platform.arc.crossplane.io/v1alpha1","kind":"AutoscalingRunnerSetClaim","name":"team-c","namespace":"team-c"}}}`},
			want: outcome{
				Resources:  map[string]fnv1.Ready{"runner-scale-set": fnv1.Ready_READY_FALSE},
				Namespaces: map[string]string{"runner-scale-set": "team-c"},
				Status:     map[string]any{"scaleSetName": "team-c", "runnerGroupName": "Default"},
				Normal:     []string{`waiting for the runner scale set "team-c" to get its id from the Actions service before starting its listener and runners`},
				Conditions: map[string]string{TypeResourcesSynced: "STATUS_CONDITION_TRUE AllSynced: "},
			},
		},
		"FailingManagedResourceShowsOnTheComposite": {
			reason: "A scale set that cannot sync (its ProviderConfig is missing) says why on the composite and its claim, not only on itself.",
			args: args{
				xr: `{"apiVersion":"platform.arc.crossplane.io/v1alpha1","kind":"AutoscalingRunnerSet",
					"metadata":{"name":"team-b","namespace":"team-b"},"spec":{"runnerGroup":{"name":"builders"}}}`,
				observed: map[string]string{
					"runner-scale-set": `{"apiVersion":"actions.arc.crossplane.io/v1alpha1","kind":"RunnerScaleSet",
						"metadata":{"name":"team-b","namespace":"team-b"},
						"status":{"conditions":[{"type":"Synced","status":"False","reason":"ReconcileError","message":"connect failed: cannot get ClusterProviderConfig \"missing\"","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}`,
				},
			},
			want: outcome{
				Resources:  map[string]fnv1.Ready{"runner-scale-set": fnv1.Ready_READY_FALSE},
				Namespaces: map[string]string{"runner-scale-set": "team-b"},
				Status:     map[string]any{"scaleSetName": "team-b", "runnerGroupName": "builders"},
				Normal:     []string{`waiting for the runner scale set "team-b" to get its id from the Actions service before starting its listener and runners`},
				Conditions: map[string]string{TypeResourcesSynced: `STATUS_CONDITION_FALSE ResourceNotSynced: RunnerScaleSet team-b: connect failed: cannot get ClusterProviderConfig "missing"`},
			},
		},
		"LegacyCompositeWithoutClaim": {
			reason: "A legacy composite created directly has no namespace for its runners: say how to fix it.",
			args: args{xr: `{"apiVersion":"platform.arc.crossplane.io/v1alpha1","kind":"XAutoscalingRunnerSet",
				"metadata":{"name":"team-c"},"spec":{}}`},
			want: outcome{Fatal: `cannot tell which namespace the runners go to: the cluster-scoped XAutoscalingRunnerSet "team-c" has no spec.claimRef.namespace; create it through an AutoscalingRunnerSetClaim in the team's namespace`},
		},
		"WrongComposite": {
			reason: "A Composition that points the function at another kind gets a message that names the mistake.",
			args:   args{xr: `{"apiVersion":"example.org/v1","kind":"XBucket","metadata":{"name":"b"}}`},
			want:   outcome{Fatal: "this function composes AutoscalingRunnerSets (group platform.arc.crossplane.io) or XAutoscalingRunnerSets, not a XBucket.example.org: check the Composition's compositeTypeRef"},
		},
		"SpecOfTheWrongShape": {
			reason: "A spec that does not match the schema (here a string for a number) is reported, not rendered.",
			args: args{xr: `{"apiVersion":"platform.arc.crossplane.io/v1alpha1","kind":"AutoscalingRunnerSet",
				"metadata":{"name":"t","namespace":"t"},"spec":{"maxRunners":"ten"}}`},
			want: outcome{Fatal: "cannot read the spec of the composite resource (does it match the XRD's schema?): json: cannot unmarshal string into Go struct field Parameters.maxRunners of type int32"},
		},
		"InvalidSpec": {
			reason: "Every problem of the spec is reported at once, each with the field and what to do.",
			args: args{xr: `{"apiVersion":"platform.arc.crossplane.io/v1alpha1","kind":"AutoscalingRunnerSet",
				"metadata":{"name":"t","namespace":"t"},"spec":{"minRunners":3,"maxRunners":1,"scaleSetName":"this-scale-set-name-is-much-longer-than-github-allows"}}`},
			want: outcome{Fatal: "the spec of the composite resource is not valid: " +
				`spec.scaleSetName "this-scale-set-name-is-much-longer-than-github-allows" is 53 characters long; GitHub allows at most 45; ` +
				"spec.maxRunners (1) must be greater than or equal to spec.minRunners (3)"},
		},
		"MalformedObservedResource": {
			reason: "An observed resource that does not match its type is reported with its name.",
			args: args{
				xr: `{"apiVersion":"platform.arc.crossplane.io/v1alpha1","kind":"AutoscalingRunnerSet","metadata":{"name":"t","namespace":"t"},"spec":{}}`,
				observed: map[string]string{
					"runner-scale-set": `{"apiVersion":"actions.arc.crossplane.io/v1alpha1","kind":"RunnerScaleSet","metadata":{"name":"t"},"status":{"atProvider":{"id":"seven"}}}`,
				},
			},
			want: outcome{Fatal: "cannot read the observed composed resource runner-scale-set"},
		},
	}
	f := New(logging.NewNopLogger())
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp, err := f.RunFunction(context.Background(), newRequest(tc.args.xr, tc.args.observed))
			if err != nil {
				t.Fatalf("%s\nRunFunction: unexpected error: %v", tc.reason, err)
			}
			got := outcomeOf(rsp)
			// A fatal message that wraps a library error is compared by its
			// prefix, the part this function writes.
			if tc.want.Fatal != "" && strings.HasPrefix(got.Fatal, tc.want.Fatal) {
				got.Fatal = tc.want.Fatal
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nRunFunction: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
