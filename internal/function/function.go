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

// Package function is the composition function of an AutoscalingRunnerSet:
// it renders a team's runner group, runner scale set, runner set and
// listener from the composite resource, passing ids from one to the next.
package function

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/response"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	actionsv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

const (
	errGetComposite     = "cannot read the observed composite resource"
	errGetObserved      = "cannot read the observed composed resources"
	errGetDesired       = "cannot read the desired composed resources"
	errGetDesiredXR     = "cannot read the desired composite resource"
	errReadSpec         = "cannot read the spec of the composite resource"
	errReadObserved     = "cannot read the observed composed resource"
	errInvalidSpec      = "the spec of the composite resource is not valid"
	errConvert          = "cannot convert the composed resource"
	errSetDesired       = "cannot set the desired composed resources"
	errSetDesiredXR     = "cannot set the desired composite resource"
	errSetStatus        = "cannot set the status of the composite resource"
	errNoNamespace      = "cannot tell which namespace the runners go to"
	errWrongComposite   = "this function composes AutoscalingRunnerSets"
	reasonWaiting       = "Waiting"
	claimRefNamespace   = "spec.claimRef.namespace"
	compositeSpecField  = "spec"
	compositeStatusPath = "status"
)

// Function renders AutoscalingRunnerSets.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log logging.Logger
}

// New returns the function, logging to log.
func New(log logging.Logger) *Function {
	return &Function{log: log}
}

// RunFunction renders the composed resources of one composite resource.
// Problems with the composite's spec end in a fatal result whose message says
// what to change; the composite keeps its composed resources meanwhile,
// because Crossplane applies nothing from a fatal run.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, response.DefaultTTL)

	oxr, err := request.GetObservedCompositeResource(req)
	if err != nil {
		response.Fatal(rsp, fmt.Errorf("%s: %w", errGetComposite, err))
		return rsp, nil
	}
	log := f.log.WithValues("kind", oxr.Resource.GetKind(), "namespace", oxr.Resource.GetNamespace(), "name", oxr.Resource.GetName())

	xr, err := ReadComposite(&oxr.Resource.Unstructured)
	if err != nil {
		log.Info("Cannot render the composite resource", "error", err)
		response.Fatal(rsp, err)
		return rsp, nil
	}

	observedComposed, err := request.GetObservedComposedResources(req)
	if err != nil {
		response.Fatal(rsp, fmt.Errorf("%s: %w", errGetObserved, err))
		return rsp, nil
	}
	observed, err := ReadObserved(observedComposed)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}

	rendered, err := Render(xr, observed)
	if err != nil {
		log.Info("Cannot render the composite resource", "error", err)
		response.Fatal(rsp, fmt.Errorf("%s: %w", errInvalidSpec, err))
		return rsp, nil
	}

	desired, err := request.GetDesiredComposedResources(req)
	if err != nil {
		response.Fatal(rsp, fmt.Errorf("%s: %w", errGetDesired, err))
		return rsp, nil
	}
	for _, c := range append(rendered.Resources, rendered.Usages...) {
		u, err := ToComposed(c.Object)
		if err != nil {
			response.Fatal(rsp, fmt.Errorf("%s %s: %w", errConvert, c.Name, err))
			return rsp, nil
		}
		desired[c.Name] = &resource.DesiredComposed{Resource: u, Ready: c.Ready}
	}
	if err := response.SetDesiredComposedResources(rsp, desired); err != nil {
		response.Fatal(rsp, fmt.Errorf("%s: %w", errSetDesired, err))
		return rsp, nil
	}

	dxr, err := request.GetDesiredCompositeResource(req)
	if err != nil {
		response.Fatal(rsp, fmt.Errorf("%s: %w", errGetDesiredXR, err))
		return rsp, nil
	}
	status, err := toMap(rendered.Status)
	if err != nil {
		response.Fatal(rsp, fmt.Errorf("%s: %w", errSetStatus, err))
		return rsp, nil
	}
	for k, v := range status {
		if err := dxr.Resource.SetValue(compositeStatusPath+"."+k, v); err != nil {
			response.Fatal(rsp, fmt.Errorf("%s: %w", errSetStatus, err))
			return rsp, nil
		}
	}
	if err := response.SetDesiredCompositeResource(rsp, dxr); err != nil {
		response.Fatal(rsp, fmt.Errorf("%s: %w", errSetDesiredXR, err))
		return rsp, nil
	}

	if why := unsynced(observed); why != "" {
		response.ConditionFalse(rsp, TypeResourcesSynced, ReasonResourceNotSynced).WithMessage(why).TargetCompositeAndClaim()
	} else {
		response.ConditionTrue(rsp, TypeResourcesSynced, ReasonAllSynced).TargetCompositeAndClaim()
	}
	for _, w := range rendered.Waiting {
		response.Normal(rsp, w).TargetCompositeAndClaim().WithReason(reasonWaiting)
	}
	log.Debug("Rendered the composite resource", "resources", len(rendered.Resources), "waiting", len(rendered.Waiting))
	return rsp, nil
}

// ReadComposite reads the composite resource the function renders, applying
// the defaults the XRDs declare.
func ReadComposite(u *unstructured.Unstructured) (Composite, error) {
	gvk := u.GroupVersionKind()
	if gvk.Group != CompositeGroup || (gvk.Kind != CompositeKind && gvk.Kind != LegacyCompositeKind) {
		return Composite{}, fmt.Errorf("%s (group %s) or XAutoscalingRunnerSets, not a %s: check the Composition's compositeTypeRef", errWrongComposite, CompositeGroup, gvk.GroupKind())
	}
	xr := Composite{Name: u.GetName(), Namespace: u.GetNamespace()}
	nameInRunsOn := u.GetName()

	// A legacy composite is cluster-scoped: its runners go to its claim's
	// namespace, and its name is the claim's plus a random suffix, so the
	// scale set is named after the claim.
	if xr.Namespace == "" {
		ns, _, _ := unstructured.NestedString(u.Object, "spec", "claimRef", "namespace")
		if ns == "" {
			return Composite{}, fmt.Errorf("%s: the cluster-scoped %s %q has no %s; create it through an AutoscalingRunnerSetClaim in the team's namespace", errNoNamespace, gvk.Kind, u.GetName(), claimRefNamespace)
		}
		xr.Namespace = ns
		if n, _, _ := unstructured.NestedString(u.Object, "spec", "claimRef", "name"); n != "" {
			nameInRunsOn = n
		}
	}

	spec, _, err := unstructured.NestedFieldNoCopy(u.Object, compositeSpecField)
	if err != nil {
		return Composite{}, fmt.Errorf("%s: %w", errReadSpec, err)
	}
	if spec != nil {
		b, err := json.Marshal(spec)
		if err != nil {
			return Composite{}, fmt.Errorf("%s: %w", errReadSpec, err)
		}
		if err := json.Unmarshal(b, &xr.Parameters); err != nil {
			return Composite{}, fmt.Errorf("%s (does it match the XRD's schema?): %w", errReadSpec, err)
		}
	}
	applyDefaults(&xr.Parameters, nameInRunsOn)
	return xr, nil
}

func applyDefaults(p *Parameters, name string) {
	if p.ScaleSetName == "" {
		p.ScaleSetName = name
	}
	if p.ProviderConfigRef == nil {
		p.ProviderConfigRef = &ProviderConfigRef{}
	}
	if p.ProviderConfigRef.Kind == "" {
		p.ProviderConfigRef.Kind = "ClusterProviderConfig"
	}
	if p.ProviderConfigRef.Name == "" {
		p.ProviderConfigRef.Name = DefaultProviderConfig
	}
	if p.ContainerMode != nil && p.ContainerMode.Type == "" {
		p.ContainerMode.Type = ContainerModeDefault
	}
}

// ReadObserved reads the observed composed resources into their types.
func ReadObserved(in map[resource.Name]resource.ObservedComposed) (Observed, error) {
	var o Observed
	var err error
	if o.RunnerGroup, err = readObserved[actionsv1alpha1.RunnerGroup](in, RunnerGroupResource); err != nil {
		return Observed{}, err
	}
	if o.RunnerScaleSet, err = readObserved[actionsv1alpha1.RunnerScaleSet](in, RunnerScaleSetResource); err != nil {
		return Observed{}, err
	}
	if o.EphemeralRunnerSet, err = readObserved[runnersv1alpha1.EphemeralRunnerSet](in, EphemeralRunnerSetResource); err != nil {
		return Observed{}, err
	}
	if o.AutoscalingListener, err = readObserved[runnersv1alpha1.AutoscalingListener](in, AutoscalingListenerResource); err != nil {
		return Observed{}, err
	}
	return o, nil
}

// readObserved returns the observed composed resource name as a T, or nil
// when it does not exist yet.
func readObserved[T any](in map[resource.Name]resource.ObservedComposed, name resource.Name) (*T, error) {
	oc, ok := in[name]
	if !ok || oc.Resource == nil {
		return nil, nil
	}
	out := new(T)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(oc.Resource.UnstructuredContent(), out); err != nil {
		return nil, fmt.Errorf("%s %s: %w", errReadObserved, name, err)
	}
	return out, nil
}

// ToComposed converts a typed object into a composed resource, leaving out
// what its Go type always writes but the function has no opinion about
// (status, an unset creationTimestamp): a composed resource is applied with
// server-side apply, and every field in it is a field the function owns.
func ToComposed(obj runtime.Object) (*composed.Unstructured, error) {
	m, err := toMap(obj)
	if err != nil {
		return nil, err
	}
	delete(m, "status")
	pruneUnset(m)
	u := composed.New()
	u.SetUnstructuredContent(m)
	return u, nil
}

func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// pruneUnset removes what encoding/json writes for unset Kubernetes struct
// fields: "creationTimestamp": null of every zero ObjectMeta (also the one of
// a volume claim template), and the empty "resources" of a container and
// "metadata" of a pod template. Other empty objects mean something (an
// emptyDir: {} volume) and stay.
func pruneUnset(v any) {
	switch t := v.(type) {
	case map[string]any:
		if ts, ok := t["creationTimestamp"]; ok && ts == nil {
			delete(t, "creationTimestamp")
		}
		for _, k := range []string{"resources", "metadata"} {
			if e, ok := t[k].(map[string]any); ok && len(e) == 0 {
				delete(t, k)
			}
		}
		for _, e := range t {
			pruneUnset(e)
		}
	case []any:
		for _, e := range t {
			pruneUnset(e)
		}
	}
}
