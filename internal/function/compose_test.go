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
	"strings"
	"testing"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	protectionv1beta1 "github.com/crossplane/crossplane/apis/v2/protection/v1beta1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	actionsv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

// composite is team-a's pool with the defaults ReadComposite applies.
func composite(mod func(p *Parameters)) Composite {
	p := Parameters{
		ScaleSetName:      "team-a-linux",
		MinRunners:        ptr.To[int32](1),
		MaxRunners:        ptr.To[int32](10),
		RunnerGroup:       &RunnerGroup{Name: "team-a", Create: true},
		ProviderConfigRef: &ProviderConfigRef{Kind: "ProviderConfig", Name: "github"},
	}
	if mod != nil {
		mod(&p)
	}
	return Composite{Name: "team-a", Namespace: "team-a", Parameters: p}
}

func readyCondition(s corev1.ConditionStatus) xpv2.ConditionedStatus {
	return xpv2.ConditionedStatus{Conditions: []xpv2.Condition{{Type: xpv2.TypeReady, Status: s}}}
}

func observedGroup(id int64, externalName string) *actionsv1alpha1.RunnerGroup {
	g := &actionsv1alpha1.RunnerGroup{}
	if externalName != "" {
		g.SetAnnotations(map[string]string{externalNameAnnotation: externalName})
	}
	g.Status.AtProvider.ID = id
	g.Status.ConditionedStatus = readyCondition(corev1.ConditionTrue)
	return g
}

func observedScaleSet(id, groupID int64) *actionsv1alpha1.RunnerScaleSet {
	s := &actionsv1alpha1.RunnerScaleSet{}
	s.Spec.ForProvider.RunnerGroupID = ptr.To[int64](42)
	s.Status.AtProvider = actionsv1alpha1.RunnerScaleSetObservation{ID: id, RunnerGroupID: groupID, RunnerGroupName: "team-a"}
	if id > 0 {
		s.Status.ConditionedStatus = readyCondition(corev1.ConditionTrue)
	}
	return s
}

// summary is what a test compares of a rendering: which resources, how ready,
// and the ids that flow between them.
type summary struct {
	Resources      map[resource.Name]resource.Ready
	ScaleSetGroup  *int64
	ScaleSetGroupN *string
	RunnerSetID    int64
	ListenerID     int64
	ListenerSet    string
	Status         Status
	Waiting        int
	Usages         []resource.Name
}

func summarize(r Rendered) summary {
	s := summary{Resources: map[resource.Name]resource.Ready{}, Status: r.Status, Waiting: len(r.Waiting)}
	for _, c := range r.Usages {
		s.Usages = append(s.Usages, c.Name)
	}
	for _, c := range r.Resources {
		s.Resources[c.Name] = c.Ready
		switch o := c.Object.(type) {
		case *actionsv1alpha1.RunnerScaleSet:
			s.ScaleSetGroup = o.Spec.ForProvider.RunnerGroupID
			if n := o.Spec.ForProvider.RunnerGroupName; n != nil {
				s.ScaleSetGroupN = ptr.To(string(*n))
			}
		case *runnersv1alpha1.EphemeralRunnerSet:
			s.RunnerSetID = o.Spec.ScaleSet.ID
		case *runnersv1alpha1.AutoscalingListener:
			s.ListenerID = o.Spec.ScaleSet.ID
			s.ListenerSet = o.Spec.EphemeralRunnerSetName
		}
	}
	return s
}

// wholePool is every resource of team-a's pool rendered, its group 42 ready
// and its scale set's id 7 known, with the readiness of the scale set, the
// runner set and the listener.
func wholePool(scaleSet, runnerSet, listener resource.Ready, status Status) summary {
	return summary{
		Usages: []resource.Name{RunnerGroupUsageResource, ScaleSetListenerUsageResource, ScaleSetRunnersUsageResource},
		Resources: map[resource.Name]resource.Ready{
			RunnerGroupResource:         resource.ReadyTrue,
			RunnerScaleSetResource:      scaleSet,
			EphemeralRunnerSetResource:  runnerSet,
			AutoscalingListenerResource: listener,
		},
		ScaleSetGroup: ptr.To[int64](42),
		RunnerSetID:   7,
		ListenerID:    7,
		ListenerSet:   "team-a",
		Status:        status,
	}
}

func TestRenderObservedStateSteps(t *testing.T) {
	// What team-a's pool renders while its group has no id yet, and once it
	// has one but its scale set has none; several observations lead there.
	groupWithoutID := summary{
		Resources: map[resource.Name]resource.Ready{RunnerGroupResource: resource.ReadyFalse},
		Status:    Status{ScaleSetName: "team-a-linux", RunnerGroupName: "team-a"},
		Waiting:   1,
	}
	groupWithID := summary{
		Usages: []resource.Name{RunnerGroupUsageResource},
		Resources: map[resource.Name]resource.Ready{
			RunnerGroupResource:    resource.ReadyTrue,
			RunnerScaleSetResource: resource.ReadyFalse,
		},
		ScaleSetGroup: ptr.To[int64](42),
		Status:        Status{ScaleSetName: "team-a-linux", RunnerGroupName: "team-a", RunnerGroupID: 42},
		Waiting:       1,
	}
	idsKnown := Status{ScaleSetName: "team-a-linux", RunnerGroupName: "team-a", RunnerGroupID: 42, ScaleSetID: 7}

	type args struct {
		xr Composite
		o  Observed
	}
	cases := map[string]struct {
		reason string
		args   args
		want   summary
	}{
		"OwnGroupNothingObserved": {
			reason: "A new pool with a group of its own renders only the group: the scale set must not be created in another group first.",
			args:   args{xr: composite(nil)},
			want:   groupWithoutID,
		},
		"GroupHasIDNoScaleSetIDYet": {
			reason: "The group's id flows into the scale set; without a scale set id there is no runner set and no listener.",
			args:   args{xr: composite(nil), o: Observed{RunnerGroup: observedGroup(42, "42")}},
			want:   groupWithID,
		},
		"GroupIDFromExternalName": {
			reason: "Before the provider wrote status.atProvider.id, a numeric external name is the group's id.",
			args:   args{xr: composite(nil), o: Observed{RunnerGroup: observedGroup(0, "42")}},
			want:   groupWithID,
		},
		"ExternalNameIsNotAnID": {
			reason: "An external name that is the object's Kubernetes name (set before creation) is not an id: keep waiting.",
			args:   args{xr: composite(nil), o: Observed{RunnerGroup: observedGroup(0, "team-a")}},
			want:   groupWithoutID,
		},
		"ScaleSetHasID": {
			reason: "The scale set's id flows into the runner set and the listener, which patches the runner set by name.",
			args: args{xr: composite(nil), o: Observed{
				RunnerGroup:    observedGroup(42, "42"),
				RunnerScaleSet: observedScaleSet(7, 42),
			}},
			want: wholePool(resource.ReadyTrue, resource.ReadyFalse, resource.ReadyFalse, idsKnown),
		},
		"ScaleSetIDFromExternalName": {
			reason: "A numeric external name is the scale set's id too.",
			args: args{xr: composite(nil), o: Observed{
				RunnerGroup: observedGroup(42, "42"),
				RunnerScaleSet: func() *actionsv1alpha1.RunnerScaleSet {
					s := observedScaleSet(0, 0)
					s.SetAnnotations(map[string]string{externalNameAnnotation: "7"})
					return s
				}(),
			}},
			want: wholePool(resource.ReadyFalse, resource.ReadyFalse, resource.ReadyFalse, idsKnown),
		},
		"ListenerRunsAndRunnersCounted": {
			reason: "Once the listener pod runs everything is ready, and the status shows the runner set's counts.",
			args: args{xr: composite(nil), o: Observed{
				RunnerGroup:    observedGroup(42, "42"),
				RunnerScaleSet: observedScaleSet(7, 42),
				EphemeralRunnerSet: &runnersv1alpha1.EphemeralRunnerSet{
					Spec:   runnersv1alpha1.EphemeralRunnerSetSpec{Replicas: 3, ScaleSet: runnersv1alpha1.ScaleSetReference{ID: 7}},
					Status: runnersv1alpha1.EphemeralRunnerSetStatus{CurrentReplicas: 3, PendingEphemeralRunners: 1, RunningEphemeralRunners: 2},
				},
				AutoscalingListener: &runnersv1alpha1.AutoscalingListener{
					Status: runnersv1alpha1.AutoscalingListenerStatus{Phase: corev1.PodRunning, PodName: "team-a-listener"},
				},
			}},
			want: wholePool(resource.ReadyTrue, resource.ReadyTrue, resource.ReadyTrue, Status{
				ScaleSetName: "team-a-linux", RunnerGroupName: "team-a", RunnerGroupID: 42, ScaleSetID: 7,
				Listener: &ListenerStatus{Phase: corev1.PodRunning, PodName: "team-a-listener"},
				Runners:  &RunnerCounts{Desired: 3, Current: 3, Pending: 1, Running: 2},
			}),
		},
		"ListenerPodPending": {
			reason: "A listener whose pod does not run yet is not ready.",
			args: args{xr: composite(nil), o: Observed{
				RunnerGroup:         observedGroup(42, "42"),
				RunnerScaleSet:      observedScaleSet(7, 42),
				AutoscalingListener: &runnersv1alpha1.AutoscalingListener{Status: runnersv1alpha1.AutoscalingListenerStatus{Phase: corev1.PodPending}},
			}},
			want: wholePool(resource.ReadyTrue, resource.ReadyFalse, resource.ReadyFalse, Status{
				ScaleSetName: "team-a-linux", RunnerGroupName: "team-a", RunnerGroupID: 42, ScaleSetID: 7,
				Listener: &ListenerStatus{Phase: corev1.PodPending},
			}),
		},
		"ExistingScaleSetKeptWhileGroupIDUnknown": {
			reason: "A scale set that exists keeps being rendered (an unrendered composed resource is deleted) with the group id it has.",
			args: args{xr: composite(nil), o: Observed{
				RunnerGroup:    observedGroup(0, ""),
				RunnerScaleSet: observedScaleSet(0, 0),
			}},
			want: summary{
				Usages: []resource.Name{RunnerGroupUsageResource},
				Resources: map[resource.Name]resource.Ready{
					RunnerGroupResource:    resource.ReadyFalse,
					RunnerScaleSetResource: resource.ReadyFalse,
				},
				ScaleSetGroup: ptr.To[int64](42),
				Status:        Status{ScaleSetName: "team-a-linux", RunnerGroupName: "team-a"},
				Waiting:       1,
			},
		},
		"ExistingRunnerSetKeptWhileScaleSetIDUnknown": {
			reason: "The runner set and the listener keep the scale set id they were created with when the scale set's status is lost.",
			args: args{xr: composite(nil), o: Observed{
				RunnerGroup:        observedGroup(42, "42"),
				RunnerScaleSet:     observedScaleSet(0, 0),
				EphemeralRunnerSet: &runnersv1alpha1.EphemeralRunnerSet{Spec: runnersv1alpha1.EphemeralRunnerSetSpec{ScaleSet: runnersv1alpha1.ScaleSetReference{ID: 7}}},
			}},
			want: wholePool(resource.ReadyFalse, resource.ReadyTrue, resource.ReadyFalse, Status{
				ScaleSetName: "team-a-linux", RunnerGroupName: "team-a", RunnerGroupID: 42, ScaleSetID: 7,
				Runners: &RunnerCounts{},
			}),
		},
		"ExistingGroupByName": {
			reason: "A pool in an existing group renders no group; the scale set names the group and reports its id.",
			args: args{
				xr: composite(func(p *Parameters) { p.RunnerGroup = &RunnerGroup{Name: "builders"} }),
				o:  Observed{RunnerScaleSet: observedScaleSet(9, 3)},
			},
			want: summary{
				Usages: []resource.Name{ScaleSetListenerUsageResource, ScaleSetRunnersUsageResource},
				Resources: map[resource.Name]resource.Ready{
					RunnerScaleSetResource:      resource.ReadyTrue,
					EphemeralRunnerSetResource:  resource.ReadyFalse,
					AutoscalingListenerResource: resource.ReadyFalse,
				},
				ScaleSetGroupN: ptr.To("builders"),
				RunnerSetID:    9,
				ListenerID:     9,
				ListenerSet:    "team-a",
				// The group's name as the service reports it wins.
				Status: Status{ScaleSetName: "team-a-linux", RunnerGroupName: "team-a", RunnerGroupID: 3, ScaleSetID: 9},
			},
		},
		"DefaultGroup": {
			reason: "Without a runner group the scale set goes to the Default group: no group name is sent.",
			args:   args{xr: composite(func(p *Parameters) { p.RunnerGroup = nil })},
			want: summary{
				Resources: map[resource.Name]resource.Ready{RunnerScaleSetResource: resource.ReadyFalse},
				Status:    Status{ScaleSetName: "team-a-linux", RunnerGroupName: "Default"},
				Waiting:   1,
			},
		},
		"DefaultGroupByName": {
			reason: "Naming the Default group (in any case) is the same as naming none.",
			args:   args{xr: composite(func(p *Parameters) { p.RunnerGroup = &RunnerGroup{Name: "default"} })},
			want: summary{
				Resources: map[resource.Name]resource.Ready{RunnerScaleSetResource: resource.ReadyFalse},
				Status:    Status{ScaleSetName: "team-a-linux", RunnerGroupName: "default"},
				Waiting:   1,
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Render(tc.args.xr, tc.args.o)
			if err != nil {
				t.Fatalf("%s\nRender(...): unexpected error: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, summarize(got)); diff != "" {
				t.Errorf("%s\nRender(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestRenderRunnerSetLeavesScalingToTheListener: the composed runner set has
// no replicas and no patchID, even when the observed one has them, so
// server-side apply never takes them from the listener.
func TestRenderRunnerSetLeavesScalingToTheListener(t *testing.T) {
	got, err := Render(composite(nil), Observed{
		RunnerGroup:        observedGroup(42, "42"),
		RunnerScaleSet:     observedScaleSet(7, 42),
		EphemeralRunnerSet: &runnersv1alpha1.EphemeralRunnerSet{Spec: runnersv1alpha1.EphemeralRunnerSetSpec{Replicas: 4, PatchID: 12, ScaleSet: runnersv1alpha1.ScaleSetReference{ID: 7}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range got.Resources {
		if c.Name != EphemeralRunnerSetResource {
			continue
		}
		u, err := ToComposed(c.Object)
		if err != nil {
			t.Fatal(err)
		}
		spec, _ := u.Object["spec"].(map[string]any)
		for _, f := range []string{"replicas", "patchID"} {
			if v, ok := spec[f]; ok {
				t.Errorf("the composed EphemeralRunnerSet sets spec.%s = %v; only the listener may", f, v)
			}
		}
		if _, ok := u.Object["status"]; ok {
			t.Errorf("the composed EphemeralRunnerSet has a status: %v", u.Object["status"])
		}
		want := runnersv1alpha1.ScaleSetReference{
			ID: 7, Name: "team-a-linux",
			ProviderConfigRef: runnersv1alpha1.ProviderConfigReference{Kind: runnersv1alpha1.ProviderConfigKindNamespaced, Name: "github"},
		}
		if diff := cmp.Diff(want, c.Object.(*runnersv1alpha1.EphemeralRunnerSet).Spec.ScaleSet); diff != "" {
			t.Errorf("scaleSet: -want, +got:\n%s", diff)
		}
		return
	}
	t.Fatal("no EphemeralRunnerSet rendered")
}

// TestRenderComposedObjects checks the objects themselves once: names,
// namespace, provider config and the settings taken from the spec.
func TestRenderComposedObjects(t *testing.T) {
	xr := composite(func(p *Parameters) {
		p.Labels = []string{"linux", "x64"}
		p.RunnerGroup = &RunnerGroup{Name: "team-a", Create: true, Visibility: "selected", SelectedRepositories: []string{"api"}}
		p.RunnerSettings = &RunnerSettings{DisableUpdate: true}
		p.MaxPodFailures = ptr.To[int32](3)
		p.GitHubConfigURL = "https://github.com/octo-org"
		p.Listener = &Listener{ImagePullPolicy: corev1.PullIfNotPresent, MessageBatchWindowMilliseconds: ptr.To[int32](0)}
	})
	got, err := Render(xr, Observed{RunnerGroup: observedGroup(42, "42"), RunnerScaleSet: observedScaleSet(7, 42)})
	if err != nil {
		t.Fatal(err)
	}
	pc := &xpv2.ProviderConfigReference{Kind: "ProviderConfig", Name: "github"}
	om := metav1.ObjectMeta{Name: "team-a", Namespace: "team-a"}
	want := []any{
		&actionsv1alpha1.RunnerGroup{
			TypeMeta:   metav1.TypeMeta{APIVersion: "actions.arc.crossplane.io/v1alpha1", Kind: "RunnerGroup"},
			ObjectMeta: om,
			Spec: actionsv1alpha1.RunnerGroupSpec{
				ManagedResourceSpec: xpv2.ManagedResourceSpec{ProviderConfigReference: pc},
				ForProvider: actionsv1alpha1.RunnerGroupParameters{
					Name: "team-a", Visibility: "selected", SelectedRepositories: []actionsv1alpha1.RepositoryName{"api"},
				},
			},
		},
		&actionsv1alpha1.RunnerScaleSet{
			TypeMeta:   metav1.TypeMeta{APIVersion: "actions.arc.crossplane.io/v1alpha1", Kind: "RunnerScaleSet"},
			ObjectMeta: om,
			Spec: actionsv1alpha1.RunnerScaleSetSpec{
				ManagedResourceSpec: xpv2.ManagedResourceSpec{ProviderConfigReference: pc},
				ForProvider: actionsv1alpha1.RunnerScaleSetParameters{
					Name: "team-a-linux", Labels: []actionsv1alpha1.RunnerLabel{"linux", "x64"},
					RunnerGroupID:  ptr.To[int64](42),
					RunnerSettings: &actionsv1alpha1.RunnerSettings{DisableUpdate: true},
				},
			},
		},
	}
	for i, w := range want {
		if diff := cmp.Diff(w, got.Resources[i].Object); diff != "" {
			t.Errorf("resource %d: -want, +got:\n%s", i, diff)
		}
	}
	byName := map[resource.Name]any{}
	for _, c := range got.Resources {
		byName[c.Name] = c.Object
	}
	ers := byName[EphemeralRunnerSetResource].(*runnersv1alpha1.EphemeralRunnerSet)
	if ers.Name != "team-a" || ers.Namespace != "team-a" || ers.Spec.MaxPodFailures != 3 ||
		ers.Spec.RunnerGroupName != "team-a" || ers.Spec.GitHubConfigURL != "https://github.com/octo-org" {
		t.Errorf("EphemeralRunnerSet: got %+v", ers.ObjectMeta)
	}
	wantListener := runnersv1alpha1.AutoscalingListenerSpec{
		ScaleSet: runnersv1alpha1.ScaleSetReference{
			ID: 7, Name: "team-a-linux",
			ProviderConfigRef: runnersv1alpha1.ProviderConfigReference{Kind: "ProviderConfig", Name: "github"},
		},
		EphemeralRunnerSetName: "team-a",
		MinRunners:             1,
		MaxRunners:             ptr.To[int32](10),
		ImagePullPolicy:        corev1.PullIfNotPresent,
		GitHubConfigURL:        "https://github.com/octo-org",

		MessageBatchWindowMilliseconds: ptr.To[int32](0),
	}
	if diff := cmp.Diff(wantListener, byName[AutoscalingListenerResource].(*runnersv1alpha1.AutoscalingListener).Spec); diff != "" {
		t.Errorf("AutoscalingListener spec: -want, +got:\n%s", diff)
	}
}

func TestRenderRejectsBadInput(t *testing.T) {
	cases := map[string]struct {
		reason string
		mod    func(p *Parameters)
		want   []string
	}{
		"MaxBelowMin": {
			reason: "maxRunners below minRunners could never be met.",
			mod:    func(p *Parameters) { p.MinRunners, p.MaxRunners = ptr.To[int32](5), ptr.To[int32](2) },
			want:   []string{"spec.maxRunners (2) must be greater than or equal to spec.minRunners (5)"},
		},
		"NegativeMin": {
			reason: "Runner counts are not negative.",
			mod:    func(p *Parameters) { p.MinRunners = ptr.To[int32](-1) },
			want:   []string{"spec.minRunners is -1"},
		},
		"ScaleSetNameTooLong": {
			reason: "GitHub refuses scale set names over 45 characters; say so before asking it.",
			mod:    func(p *Parameters) { p.ScaleSetName = strings.Repeat("a", 46) },
			want:   []string{"is 46 characters long; GitHub allows at most 45"},
		},
		"ScaleSetNameWithComma": {
			reason: "A comma would split the runs-on label.",
			mod:    func(p *Parameters) { p.ScaleSetName = "a,b" },
			want:   []string{"must not contain a comma"},
		},
		"ScaleSetNameWithSpaceAround": {
			reason: "Leading or trailing whitespace makes a name no workflow can match.",
			mod:    func(p *Parameters) { p.ScaleSetName = " team " },
			want:   []string{"must not start or end with whitespace"},
		},
		"BadLabels": {
			reason: "Labels are checked one by one, and duplicates are found case-insensitively.",
			mod:    func(p *Parameters) { p.Labels = []string{"ok", "", "x,y", "OK"} },
			want: []string{
				`spec.labels[1] "" must not be empty`,
				`spec.labels[2] "x,y" must not contain a comma`,
				`spec.labels[3] "OK" is given twice`,
			},
		},
		"CreateDefaultGroup": {
			reason: "The Default group always exists.",
			mod:    func(p *Parameters) { p.RunnerGroup = &RunnerGroup{Name: "Default", Create: true} },
			want:   []string{"the Default group always exists and cannot be created"},
		},
		"GroupSettingsWithoutCreate": {
			reason: "Settings of an existing group are not the team's to change.",
			mod:    func(p *Parameters) { p.RunnerGroup = &RunnerGroup{Name: "builders", Visibility: "all"} },
			want:   []string{`set create: true, or leave them out to use the existing group "builders"`},
		},
		"SelectedRepositoriesWithoutSelectedVisibility": {
			reason: "GitHub ignores selected repositories unless visibility is selected.",
			mod: func(p *Parameters) {
				p.RunnerGroup = &RunnerGroup{Name: "g", Create: true, Visibility: "all", SelectedRepositories: []string{"api"}}
			},
			want: []string{"selectedRepositories needs visibility: selected"},
		},
		"TemplateWithoutRunner": {
			reason: "The runner container is the one that gets the JIT configuration.",
			mod: func(p *Parameters) {
				p.Template = &runnersv1alpha1.RunnerPodTemplate{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main"}}}}
			},
			want: []string{`needs a container named "runner"`},
		},
		"TemplateAndContainerMode": {
			reason: "A full template and a container mode contradict each other.",
			mod: func(p *Parameters) {
				p.ContainerMode = &ContainerMode{Type: ContainerModeDinD}
				p.Template = &runnersv1alpha1.RunnerPodTemplate{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "runner"}}}}
			},
			want: []string{"cannot be combined with spec.containerMode or spec.runner"},
		},
		"UnknownContainerMode": {
			reason: "Only ARC's three modes exist.",
			mod:    func(p *Parameters) { p.ContainerMode = &ContainerMode{Type: "podman"} },
			want:   []string{`spec.containerMode.type is "podman"; it must be default, dind or kubernetes`},
		},
		"KubernetesSettingsInDinDMode": {
			reason: "Settings of another mode are a mistake worth reporting.",
			mod: func(p *Parameters) {
				p.ContainerMode = &ContainerMode{Type: ContainerModeDinD, Kubernetes: &KubernetesMode{ServiceAccountName: "x"}}
			},
			want: []string{"spec.containerMode.kubernetes is only used with type: kubernetes"},
		},
		"BadProviderConfigKind": {
			reason: "Only the provider's two configuration kinds exist.",
			mod:    func(p *Parameters) { p.ProviderConfigRef = &ProviderConfigRef{Kind: "Secret", Name: "x"} },
			want:   []string{`spec.providerConfigRef.kind is "Secret"`},
		},
		"MaxPodFailuresOutOfBounds": {
			reason: "The runner set accepts 1 to 20.",
			mod:    func(p *Parameters) { p.MaxPodFailures = ptr.To[int32](0) },
			want:   []string{"spec.maxPodFailures is 0; it must be between 1 and 20"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Render(composite(tc.mod), Observed{})
			if err == nil {
				t.Fatalf("%s\nRender(...): got no error and %d resources, want an error", tc.reason, len(got.Resources))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s\nRender(...): error %q does not say %q", tc.reason, err, w)
				}
			}
		})
	}
}

// TestRenderOrdersDeletionWithUsages: the listener and the runner set hold
// back the deletion of the scale set, and the scale set the deletion of the
// group, so a composite is torn down in reverse.
func TestRenderOrdersDeletionWithUsages(t *testing.T) {
	got, err := Render(composite(nil), Observed{RunnerGroup: observedGroup(42, "42"), RunnerScaleSet: observedScaleSet(7, 42)})
	if err != nil {
		t.Fatal(err)
	}
	type edge struct{ Name, Of, By string }
	var edges []edge
	for _, c := range got.Usages {
		u, ok := c.Object.(*protectionv1beta1.Usage)
		if !ok {
			t.Fatalf("usage %s is a %T", c.Name, c.Object)
		}
		if c.Ready != resource.ReadyTrue || !ptr.Deref(u.Spec.ReplayDeletion, false) || u.Namespace != "team-a" {
			t.Errorf("usage %s: ready %s, replayDeletion %v, namespace %q; want True, true, team-a", c.Name, c.Ready, u.Spec.ReplayDeletion, u.Namespace)
		}
		edges = append(edges, edge{
			Name: u.Name,
			Of:   u.Spec.Of.Kind + "/" + u.Spec.Of.ResourceRef.Name,
			By:   u.Spec.By.Kind + "/" + u.Spec.By.ResourceRef.Name,
		})
	}
	want := []edge{
		{Name: "team-a-runner-group-in-use", Of: "RunnerGroup/team-a", By: "RunnerScaleSet/team-a"},
		{Name: "team-a-scale-set-in-use-by-listener", Of: "RunnerScaleSet/team-a", By: "AutoscalingListener/team-a"},
		{Name: "team-a-scale-set-in-use-by-runners", Of: "RunnerScaleSet/team-a", By: "EphemeralRunnerSet/team-a"},
	}
	if diff := cmp.Diff(want, edges); diff != "" {
		t.Errorf("usages: -want, +got:\n%s", diff)
	}
}
