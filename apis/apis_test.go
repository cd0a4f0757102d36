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

package apis

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	actionsv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

func TestAddToScheme(t *testing.T) {
	s := runtime.NewScheme()
	if err := AddToScheme(s); err != nil {
		t.Fatalf("AddToScheme(...): %v", err)
	}

	kinds := []schema.GroupVersionKind{
		arcv1alpha1.ProviderConfigGroupVersionKind,
		arcv1alpha1.ClusterProviderConfigGroupVersionKind,
		arcv1alpha1.ProviderConfigUsageGroupVersionKind,
		arcv1alpha1.ClusterProviderConfigUsageGroupVersionKind,
		actionsv1alpha1.RunnerGroupGroupVersionKind,
		actionsv1alpha1.RunnerScaleSetGroupVersionKind,
		runnersv1alpha1.EphemeralRunnerSetGroupVersionKind,
		runnersv1alpha1.EphemeralRunnerGroupVersionKind,
		runnersv1alpha1.AutoscalingListenerGroupVersionKind,
	}
	for _, gvk := range kinds {
		if !s.Recognizes(gvk) {
			t.Errorf("AddToScheme(...): %s is not registered", gvk)
		}
		if list := gvk.GroupVersion().WithKind(gvk.Kind + "List"); !s.Recognizes(list) {
			t.Errorf("AddToScheme(...): %s is not registered", list)
		}
	}
}
