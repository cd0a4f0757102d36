package demo

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestCondition(t *testing.T) {
	u := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{"conditions": []any{
		map[string]any{"type": "Healthy", "status": "False", "reason": "UnhealthyPackageRevision", "message": "missing dependencies", "lastTransitionTime": "2026-12-08T00:00:00Z"},
		map[string]any{"type": "Installed", "status": "True", "reason": "ActivePackageRevision", "lastTransitionTime": "2026-12-08T00:00:00Z"},
	}}}}
	type got struct{ Status, Reason, Message string }
	cases := map[string]struct {
		reason string
		obj    *unstructured.Unstructured
		typ    string
		want   got
	}{
		"Present":    {reason: "A condition of the status is found by its type.", obj: u, typ: "Healthy", want: got{"False", "UnhealthyPackageRevision", "missing dependencies"}},
		"Absent":     {reason: "A type the status does not hold is Unknown.", obj: u, typ: "Ready", want: got{Status: string(corev1.ConditionUnknown)}},
		"NoStatus":   {reason: "An object without a status has every condition Unknown.", obj: &unstructured.Unstructured{Object: map[string]any{}}, typ: "Installed", want: got{Status: string(corev1.ConditionUnknown)}},
		"OtherFound": {reason: "The second condition is found as well as the first.", obj: u, typ: "Installed", want: got{"True", "ActivePackageRevision", ""}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := Condition(tc.obj, tc.typ)
			if diff := cmp.Diff(tc.want, got{string(c.Status), string(c.Reason), c.Message}); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
