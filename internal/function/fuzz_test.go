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
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

// FuzzRender feeds arbitrary specs through what the function does with a
// composite: read it, render it, convert the result. Whatever a team writes
// (or an older XRD lets through) must end in an error, never in a panic, and
// a rendering that succeeds must respect the rules the XRD states.
func FuzzRender(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"scaleSetName":"team-a","minRunners":1,"maxRunners":10,"runnerGroup":{"name":"team-a","create":true}}`,
		`{"containerMode":{"type":"dind","dind":{"image":"docker:27-dind"}},"runner":{"env":[{"name":"A","value":"b"}]}}`,
		`{"containerMode":{"type":"kubernetes","kubernetes":{"workVolumeClaim":{"storage":"5Gi","accessModes":["ReadWriteOnce"]}}}}`,
		`{"template":{"spec":{"containers":[{"name":"runner","image":"x"}]}}}`,
		`{"labels":["a","A"],"maxRunners":-1}`,
		`{"runnerGroup":{"name":"Default","create":true,"visibility":"nope"}}`,
		`{"providerConfigRef":{"kind":"ProviderConfig","name":"github"},"maxPodFailures":21}`,
	} {
		f.Add(seed, int64(0), int64(0))
		f.Add(seed, int64(42), int64(7))
	}
	f.Fuzz(func(t *testing.T, spec string, groupID, scaleSetID int64) {
		var specMap any
		if err := json.Unmarshal([]byte(spec), &specMap); err != nil {
			return
		}
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": CompositeGroup + "/v1alpha1",
			"kind":       CompositeKind,
			"metadata":   map[string]any{"name": "fuzz", "namespace": "fuzz"},
			"spec":       specMap,
		}}
		xr, err := ReadComposite(u)
		if err != nil {
			return
		}
		o := Observed{}
		if groupID != 0 {
			o.RunnerGroup = observedGroup(groupID, "")
		}
		if scaleSetID != 0 {
			o.RunnerScaleSet = observedScaleSet(scaleSetID, groupID)
		}
		got, err := Render(xr, o)
		if err != nil {
			return
		}
		p := xr.Parameters
		if p.MaxRunners != nil && p.MinRunners != nil && *p.MaxRunners < *p.MinRunners {
			t.Errorf("rendered a pool with maxRunners %d < minRunners %d", *p.MaxRunners, *p.MinRunners)
		}
		if n := len(p.ScaleSetName); n == 0 || n > maxScaleSetNameLength {
			t.Errorf("rendered a scale set name of %d characters", n)
		}
		for _, c := range append(got.Resources, got.Usages...) {
			if ers, ok := c.Object.(*runnersv1alpha1.EphemeralRunnerSet); ok {
				if !hasContainer(ers.Spec.Template.Spec.Containers, runnerContainerName) {
					t.Errorf("rendered a runner pod template without a runner container")
				}
				if ers.Spec.ScaleSet.ID <= 0 {
					t.Errorf("rendered a runner set for scale set id %d", ers.Spec.ScaleSet.ID)
				}
			}
			if _, err := ToComposed(c.Object); err != nil {
				t.Errorf("cannot convert %s: %v", c.Name, err)
			}
		}
	})
}
