//go:build !generate

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

// The build constraint hides this file from angryjet, which loads this
// package with -tags=generate (see apis/generate.go): the code below uses the
// resource.Managed method set that angryjet generates, so the package would
// not type-check for angryjet before its first run.

package v1alpha1

import (
	"context"
	"fmt"
	"strconv"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reference"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const errResolveRunnerGroup = "cannot resolve spec.forProvider.runnerGroupRef or runnerGroupSelector to a runner group id"

// RunnerGroupID extracts the GitHub id of a RunnerGroup: its external name,
// once that is a positive integer. Before the RunnerGroup is created at GitHub
// its external name is empty (or, with a controller that names new resources
// after their Kubernetes name, not a number); the extractor then returns "",
// which crossplane-runtime reports as a reference that is not ready yet and
// retries, instead of writing a wrong id.
func RunnerGroupID() reference.ExtractValueFn {
	return func(mg resource.Managed) string {
		id, err := strconv.ParseInt(meta.GetExternalName(mg), 10, 64)
		if err != nil || id < 1 {
			return ""
		}
		return strconv.FormatInt(id, 10)
	}
}

// ResolveReferences sets spec.forProvider.runnerGroupID from the RunnerGroup
// that runnerGroupRef names or runnerGroupSelector selects. A runnerGroupID
// that is already set is kept unless the reference's resolve policy is Always,
// as for every Crossplane reference.
//
// It is written by hand because angryjet generates resolvers for string and
// float fields only, and a runner group id is an int64.
func (mg *RunnerScaleSet) ResolveReferences(ctx context.Context, c client.Reader) error {
	r := reference.NewAPINamespacedResolver(c, mg)

	rsp, err := r.Resolve(ctx, reference.NamespacedResolutionRequest{
		CurrentValue: reference.FromIntPtrValue(mg.Spec.ForProvider.RunnerGroupID),
		Reference:    mg.Spec.ForProvider.RunnerGroupRef,
		Selector:     mg.Spec.ForProvider.RunnerGroupSelector,
		To:           reference.To{Managed: &RunnerGroup{}, List: &RunnerGroupList{}},
		Extract:      RunnerGroupID(),
		Namespace:    mg.GetNamespace(),
	})
	if err != nil {
		return fmt.Errorf("%s: %w", errResolveRunnerGroup, err)
	}

	mg.Spec.ForProvider.RunnerGroupID = reference.ToIntPtrValue(rsp.ResolvedValue)
	mg.Spec.ForProvider.RunnerGroupRef = rsp.ResolvedReference

	return nil
}
