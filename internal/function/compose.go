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
	"fmt"
	"strconv"
	"strings"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	protectionv1beta1 "github.com/crossplane/crossplane/apis/v2/protection/v1beta1"
	"github.com/crossplane/function-sdk-go/resource"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	actionsv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

// The names of the composed resources within a composite (the
// crossplane.io/composition-resource-name annotation). They are part of the
// contract with running composites: renaming one makes Crossplane delete the
// old resource and create a new one.
const (
	RunnerGroupResource         resource.Name = "runner-group"
	RunnerScaleSetResource      resource.Name = "runner-scale-set"
	EphemeralRunnerSetResource  resource.Name = "ephemeral-runner-set"
	AutoscalingListenerResource resource.Name = "autoscaling-listener"

	// Usages order the deletion of a composite: Crossplane deletes all its
	// composed resources at once, and a Usage holds back the deletion of
	// what is still in use (replaying it once the user is gone). The
	// listener and the runner set go first, then the scale set, then the
	// group.
	RunnerGroupUsageResource      resource.Name = "runner-group-usage"
	ScaleSetListenerUsageResource resource.Name = "runner-scale-set-usage-by-listener"
	ScaleSetRunnersUsageResource  resource.Name = "runner-scale-set-usage-by-runners"
)

// externalNameAnnotation holds a managed resource's id at GitHub.
const externalNameAnnotation = "crossplane.io/external-name"

// Composite is what the function reads from the observed composite resource.
type Composite struct {
	// Name of the composite; the composed resources are named after it.
	Name string

	// Namespace the composed resources go to: the composite's own, or its
	// claim's for a legacy cluster-scoped composite.
	Namespace string

	// Parameters are the composite's spec, with defaults applied.
	Parameters Parameters
}

// Observed are the composed resources as they are in the cluster, each nil
// while it does not exist yet.
type Observed struct {
	RunnerGroup         *actionsv1alpha1.RunnerGroup
	RunnerScaleSet      *actionsv1alpha1.RunnerScaleSet
	EphemeralRunnerSet  *runnersv1alpha1.EphemeralRunnerSet
	AutoscalingListener *runnersv1alpha1.AutoscalingListener
}

// Composed is one desired composed resource.
type Composed struct {
	Name   resource.Name
	Object runtime.Object
	Ready  resource.Ready
}

// Status is the status the function writes to the composite. The XRDs
// declare the same fields.
type Status struct {
	// ScaleSetID is the id of the runner scale set in the Actions service.
	ScaleSetID int64 `json:"scaleSetID,omitempty"`
	// ScaleSetName is the name of the scale set, as workflows use it.
	ScaleSetName string `json:"scaleSetName,omitempty"`
	// RunnerGroupID is the id of the scale set's runner group.
	RunnerGroupID int64 `json:"runnerGroupID,omitempty"`
	// RunnerGroupName is the name of the scale set's runner group.
	RunnerGroupName string `json:"runnerGroupName,omitempty"`
	// Listener is the state of the listener pod.
	Listener *ListenerStatus `json:"listener,omitempty"`
	// Runners are the runner counts of the EphemeralRunnerSet.
	Runners *RunnerCounts `json:"runners,omitempty"`
}

// ListenerStatus is the state of the listener pod.
type ListenerStatus struct {
	Phase   corev1.PodPhase `json:"phase,omitempty"`
	PodName string          `json:"podName,omitempty"`
}

// RunnerCounts are the runner counts of the EphemeralRunnerSet.
type RunnerCounts struct {
	Desired int32 `json:"desired"`
	Current int32 `json:"current"`
	Pending int32 `json:"pending"`
	Running int32 `json:"running"`
	Failed  int32 `json:"failed"`
}

// Rendered is the outcome of one composition.
type Rendered struct {
	// Resources are the desired composed resources of the runner pool, in
	// dependency order.
	Resources []Composed
	// Usages are the desired Usages (protection.crossplane.io) that order
	// the deletion of Resources. They are composed too, but only mean
	// something to Crossplane: a caller that applies Resources without
	// Crossplane leaves them out.
	Usages []Composed
	// Status is the composite's status.
	Status Status
	// Waiting says, for people, what the composition waits for before it
	// renders the next resources. Empty once everything is rendered.
	Waiting []string
}

// Render computes the desired composed resources of a composite from its
// spec and what is observed so far. Ids flow from one resource to the next:
// the runner group's id into the scale set, the scale set's id into the runner
// set and the listener. A resource that needs an id that is not known yet is
// not rendered; one that was rendered before keeps being rendered with the id
// it was given, because a composed resource the function stops rendering is
// deleted.
//
// It returns an error, meant for people, when the spec cannot be rendered.
func Render(xr Composite, o Observed) (Rendered, error) {
	p := xr.Parameters
	if err := validate(p); err != nil {
		return Rendered{}, err
	}
	var out Rendered
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: xr.Namespace}
	}
	pcRef := ptr.Deref(p.ProviderConfigRef, ProviderConfigRef{})

	group := ptr.Deref(p.RunnerGroup, RunnerGroup{Name: DefaultRunnerGroupName})
	out.Status.ScaleSetName = p.ScaleSetName
	out.Status.RunnerGroupName = group.Name

	// The runner group: rendered when the team asked for a group of its own.
	// Its id is its external name, which the provider sets once GitHub
	// created (or the provider found) the group.
	var groupID int64
	if group.Create {
		rg := &actionsv1alpha1.RunnerGroup{
			TypeMeta:   metav1.TypeMeta{APIVersion: actionsv1alpha1.SchemeGroupVersion.String(), Kind: actionsv1alpha1.RunnerGroupKind},
			ObjectMeta: meta(xr.Name),
			Spec: actionsv1alpha1.RunnerGroupSpec{
				ManagedResourceSpec: xpv2.ManagedResourceSpec{
					ProviderConfigReference: &xpv2.ProviderConfigReference{Kind: pcRef.Kind, Name: pcRef.Name},
				},
				ForProvider: actionsv1alpha1.RunnerGroupParameters{
					Name:                     actionsv1alpha1.RunnerGroupName(group.Name),
					Visibility:               actionsv1alpha1.RunnerGroupVisibility(group.Visibility),
					SelectedRepositories:     toNames[actionsv1alpha1.RepositoryName](group.SelectedRepositories),
					AllowsPublicRepositories: group.AllowsPublicRepositories,
					RestrictedToWorkflows:    group.RestrictedToWorkflows,
					SelectedWorkflows:        toNames[actionsv1alpha1.WorkflowRef](group.SelectedWorkflows),
				},
			},
		}
		ready := resource.ReadyFalse
		if g := o.RunnerGroup; g != nil {
			groupID = idOf(g.Status.AtProvider.ID, g.GetAnnotations())
			if groupID > 0 && g.Status.GetCondition(xpv2.TypeReady).Status == corev1.ConditionTrue {
				ready = resource.ReadyTrue
			}
		}
		out.Resources = append(out.Resources, Composed{Name: RunnerGroupResource, Object: rg, Ready: ready})
		out.Status.RunnerGroupID = groupID
	}

	// The scale set: in the group of its own once that group has an id, or
	// in the named existing group, which the provider looks up by name.
	scaleSetParams := actionsv1alpha1.RunnerScaleSetParameters{
		Name:   actionsv1alpha1.ScaleSetName(p.ScaleSetName),
		Labels: toNames[actionsv1alpha1.RunnerLabel](p.Labels),
	}
	if p.RunnerSettings != nil {
		scaleSetParams.RunnerSettings = &actionsv1alpha1.RunnerSettings{DisableUpdate: p.RunnerSettings.DisableUpdate}
	}
	renderScaleSet := true
	switch {
	case group.Create && groupID > 0:
		scaleSetParams.RunnerGroupID = ptr.To(groupID)
	case group.Create && o.RunnerScaleSet != nil && o.RunnerScaleSet.Spec.ForProvider.RunnerGroupID != nil:
		// The group's id is unknown for now (its status was lost, or it is
		// being recreated) but the scale set exists: keep it where it is.
		scaleSetParams.RunnerGroupID = ptr.To(*o.RunnerScaleSet.Spec.ForProvider.RunnerGroupID)
	case group.Create:
		renderScaleSet = false
		out.Waiting = append(out.Waiting, fmt.Sprintf("waiting for the runner group %q to get its id from GitHub before creating the runner scale set", group.Name))
	case !strings.EqualFold(group.Name, DefaultRunnerGroupName):
		scaleSetParams.RunnerGroupName = ptr.To(actionsv1alpha1.RunnerGroupName(group.Name))
	}
	if !renderScaleSet {
		return out, nil
	}
	rss := &actionsv1alpha1.RunnerScaleSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: actionsv1alpha1.SchemeGroupVersion.String(), Kind: actionsv1alpha1.RunnerScaleSetKind},
		ObjectMeta: meta(xr.Name),
		Spec: actionsv1alpha1.RunnerScaleSetSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{
				ProviderConfigReference: &xpv2.ProviderConfigReference{Kind: pcRef.Kind, Name: pcRef.Name},
			},
			ForProvider: scaleSetParams,
		},
	}
	var scaleSetID int64
	ready := resource.ReadyFalse
	if s := o.RunnerScaleSet; s != nil {
		scaleSetID = idOf(s.Status.AtProvider.ID, s.GetAnnotations())
		if scaleSetID > 0 && s.Status.GetCondition(xpv2.TypeReady).Status == corev1.ConditionTrue {
			ready = resource.ReadyTrue
		}
		if !group.Create && s.Status.AtProvider.RunnerGroupID > 0 {
			out.Status.RunnerGroupID = s.Status.AtProvider.RunnerGroupID
		}
		if n := s.Status.AtProvider.RunnerGroupName; n != "" {
			out.Status.RunnerGroupName = n
		}
	}
	out.Resources = append(out.Resources, Composed{Name: RunnerScaleSetResource, Object: rss, Ready: ready})
	if group.Create {
		out.Usages = append(out.Usages, usage(RunnerGroupUsageResource, meta(xr.Name+"-runner-group-in-use"),
			actionsv1alpha1.SchemeGroupVersion.String(), actionsv1alpha1.RunnerGroupKind, xr.Name,
			actionsv1alpha1.SchemeGroupVersion.String(), actionsv1alpha1.RunnerScaleSetKind, xr.Name,
			"the runner scale set is in this runner group"))
	}

	// The runner set and the listener need the scale set's id. As above, a
	// runner set that exists keeps the id it was created with.
	if scaleSetID == 0 && o.EphemeralRunnerSet != nil {
		scaleSetID = o.EphemeralRunnerSet.Spec.ScaleSet.ID
	}
	if scaleSetID == 0 {
		out.Waiting = append(out.Waiting, fmt.Sprintf("waiting for the runner scale set %q to get its id from the Actions service before starting its listener and runners", p.ScaleSetName))
		return out, nil
	}
	out.Status.ScaleSetID = scaleSetID
	scaleSetRef := runnersv1alpha1.ScaleSetReference{
		ID:   scaleSetID,
		Name: p.ScaleSetName,
		ProviderConfigRef: runnersv1alpha1.ProviderConfigReference{
			Kind: runnersv1alpha1.ProviderConfigKind(pcRef.Kind),
			Name: pcRef.Name,
		},
	}

	// replicas and patchID are left out: the listener owns them, and a
	// composed resource that set them would fight the listener on every
	// reconcile (server-side apply would take the fields back).
	ers := &runnersv1alpha1.EphemeralRunnerSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: runnersv1alpha1.SchemeGroupVersion.String(), Kind: runnersv1alpha1.EphemeralRunnerSetKind},
		ObjectMeta: meta(xr.Name),
		Spec: runnersv1alpha1.EphemeralRunnerSetSpec{
			ScaleSet:        scaleSetRef,
			Template:        runnerPodTemplate(p),
			MaxPodFailures:  ptr.Deref(p.MaxPodFailures, runnersv1alpha1.DefaultMaxPodFailures),
			RunnerGroupName: out.Status.RunnerGroupName,
			GitHubConfigURL: p.GitHubConfigURL,
		},
	}
	// The runner set is ready once it exists: runners come and go with the
	// jobs, and a burst of pending runners must not make the team's
	// composite unready.
	ready = resource.ReadyFalse
	if s := o.EphemeralRunnerSet; s != nil {
		ready = resource.ReadyTrue
		out.Status.Runners = &RunnerCounts{
			Desired: s.Spec.Replicas,
			Current: s.Status.CurrentReplicas,
			Pending: s.Status.PendingEphemeralRunners,
			Running: s.Status.RunningEphemeralRunners,
			Failed:  s.Status.FailedEphemeralRunners,
		}
	}
	out.Resources = append(out.Resources, Composed{Name: EphemeralRunnerSetResource, Object: ers, Ready: ready})

	listener := ptr.Deref(p.Listener, Listener{})
	al := &runnersv1alpha1.AutoscalingListener{
		TypeMeta:   metav1.TypeMeta{APIVersion: runnersv1alpha1.SchemeGroupVersion.String(), Kind: runnersv1alpha1.AutoscalingListenerKind},
		ObjectMeta: meta(xr.Name),
		Spec: runnersv1alpha1.AutoscalingListenerSpec{
			ScaleSet:               scaleSetRef,
			EphemeralRunnerSetName: xr.Name,
			MinRunners:             ptr.Deref(p.MinRunners, 0),
			MaxRunners:             p.MaxRunners,
			ImagePullPolicy:        listener.ImagePullPolicy,
			Resources:              listener.Resources,

			MessageBatchWindowMilliseconds: listener.MessageBatchWindowMilliseconds,
			GitHubConfigURL:                p.GitHubConfigURL,
		},
	}
	ready = resource.ReadyFalse
	if l := o.AutoscalingListener; l != nil {
		if l.Status.Phase == corev1.PodRunning {
			ready = resource.ReadyTrue
		}
		if l.Status.Phase != "" || l.Status.PodName != "" {
			out.Status.Listener = &ListenerStatus{Phase: l.Status.Phase, PodName: l.Status.PodName}
		}
	}
	out.Resources = append(out.Resources, Composed{Name: AutoscalingListenerResource, Object: al, Ready: ready})

	out.Usages = append(out.Usages,
		usage(ScaleSetListenerUsageResource, meta(xr.Name+"-scale-set-in-use-by-listener"),
			actionsv1alpha1.SchemeGroupVersion.String(), actionsv1alpha1.RunnerScaleSetKind, xr.Name,
			runnersv1alpha1.SchemeGroupVersion.String(), runnersv1alpha1.AutoscalingListenerKind, xr.Name,
			"the listener holds the runner scale set's message session"),
		usage(ScaleSetRunnersUsageResource, meta(xr.Name+"-scale-set-in-use-by-runners"),
			actionsv1alpha1.SchemeGroupVersion.String(), actionsv1alpha1.RunnerScaleSetKind, xr.Name,
			runnersv1alpha1.SchemeGroupVersion.String(), runnersv1alpha1.EphemeralRunnerSetKind, xr.Name,
			"the runners are registered with the runner scale set and must be removed from it first"),
	)
	return out, nil
}

// usage says that the object "by" uses the object "of", so Crossplane
// deletes "of" only after "by" is gone. A Usage has no state a team waits
// for, so it is always ready.
func usage(name resource.Name, om metav1.ObjectMeta, ofAPIVersion, ofKind, ofName, byAPIVersion, byKind, byName, reason string) Composed {
	return Composed{Name: name, Ready: resource.ReadyTrue, Object: &protectionv1beta1.Usage{
		TypeMeta:   metav1.TypeMeta{APIVersion: protectionv1beta1.SchemeGroupVersion.String(), Kind: protectionv1beta1.UsageKind},
		ObjectMeta: om,
		Spec: protectionv1beta1.UsageSpec{
			Of: protectionv1beta1.NamespacedResource{
				APIVersion: ofAPIVersion, Kind: ofKind,
				ResourceRef: &protectionv1beta1.NamespacedResourceRef{Name: ofName},
			},
			By: &protectionv1beta1.Resource{
				APIVersion: byAPIVersion, Kind: byKind,
				ResourceRef: &protectionv1beta1.ResourceRef{Name: byName},
			},
			Reason:         ptr.To(reason),
			ReplayDeletion: ptr.To(true),
		},
	}}
}

// idOf returns a managed resource's id at GitHub: its observed id, else its
// external name when that is a number. Before the provider created or found
// the object the external name is its Kubernetes name (or unset), which is
// not an id.
func idOf(observed int64, annotations map[string]string) int64 {
	if observed > 0 {
		return observed
	}
	id, err := strconv.ParseInt(annotations[externalNameAnnotation], 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

func toNames[T ~string](in []string) []T {
	if len(in) == 0 {
		return nil
	}
	out := make([]T, len(in))
	for i, s := range in {
		out[i] = T(s)
	}
	return out
}
