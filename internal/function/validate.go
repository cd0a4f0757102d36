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
	"errors"
	"fmt"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	actionsv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
)

// Bounds the XRD declares as well. The function checks them again because a
// composite can reach it without the XRD's validation (an older XRD revision,
// a render on a laptop), and a bad value must end in a message a person
// understands rather than in a composed resource the API server refuses.
const (
	maxScaleSetNameLength = 45
	maxLabelLength        = 256
	maxLabels             = 100
	maxRunnersLimit       = 100000
	maxRunnerGroupLength  = 100
	minPodFailures        = 1
	maxPodFailures        = 20
)

// wellFormed is a name or label without leading or trailing whitespace.
var wellFormed = regexp.MustCompile(`^\S(.*\S)?$`)

// validate reports, in one error, everything wrong with p that would make the
// composition fail later. Each line names the field and says what to do.
func validate(p Parameters) error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	switch name := p.ScaleSetName; {
	case name == "":
		add("spec.scaleSetName must not be empty: it is the name workflows use in runs-on")
	case len(name) > maxScaleSetNameLength:
		add("spec.scaleSetName %q is %d characters long; GitHub allows at most %d", name, len(name), maxScaleSetNameLength)
	case !wellFormed.MatchString(name):
		add("spec.scaleSetName %q must not start or end with whitespace", name)
	case strings.Contains(name, ","):
		add("spec.scaleSetName %q must not contain a comma: runs-on labels are separated by commas", name)
	}

	if len(p.Labels) > maxLabels {
		add("spec.labels has %d labels; at most %d are allowed", len(p.Labels), maxLabels)
	}
	seen := map[string]bool{}
	for i, l := range p.Labels {
		switch {
		case l == "" || !wellFormed.MatchString(l):
			add("spec.labels[%d] %q must not be empty nor start or end with whitespace", i, l)
		case len(l) > maxLabelLength:
			add("spec.labels[%d] is %d characters long; at most %d are allowed", i, len(l), maxLabelLength)
		case strings.Contains(l, ","):
			add("spec.labels[%d] %q must not contain a comma: runs-on labels are separated by commas", i, l)
		case seen[strings.ToLower(l)]:
			add("spec.labels[%d] %q is given twice (labels match case-insensitively)", i, l)
		}
		seen[strings.ToLower(l)] = true
	}

	minRunners := ptr.Deref(p.MinRunners, 0)
	if minRunners < 0 || minRunners > maxRunnersLimit {
		add("spec.minRunners is %d; it must be between 0 and %d", minRunners, maxRunnersLimit)
	}
	if p.MaxRunners != nil {
		switch max := *p.MaxRunners; {
		case max < 0 || max > maxRunnersLimit:
			add("spec.maxRunners is %d; it must be between 0 and %d", max, maxRunnersLimit)
		case max < minRunners:
			add("spec.maxRunners (%d) must be greater than or equal to spec.minRunners (%d)", max, minRunners)
		}
	}
	if n := ptr.Deref(p.MaxPodFailures, minPodFailures); n < minPodFailures || n > maxPodFailures {
		add("spec.maxPodFailures is %d; it must be between %d and %d", n, minPodFailures, maxPodFailures)
	}

	errs = append(errs, validateRunnerGroup(p.RunnerGroup)...)
	errs = append(errs, validatePod(p)...)

	if ref := p.ProviderConfigRef; ref != nil {
		if ref.Kind != "" && ref.Kind != "ProviderConfig" && ref.Kind != "ClusterProviderConfig" {
			add("spec.providerConfigRef.kind is %q; it must be ProviderConfig or ClusterProviderConfig", ref.Kind)
		}
	}
	return joinProblems(errs)
}

// joinProblems makes one error of several, on one line: the message ends up
// in an event and in the composite's Synced condition, where a line break
// reads badly.
func joinProblems(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return errors.New(strings.Join(msgs, "; "))
}

func validateRunnerGroup(g *RunnerGroup) []error {
	if g == nil {
		return nil
	}
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch {
	case g.Name == "":
		add("spec.runnerGroup.name must not be empty: name an existing group, or the group to create with create: true")
	case len(g.Name) > maxRunnerGroupLength:
		add("spec.runnerGroup.name is %d characters long; GitHub allows at most %d", len(g.Name), maxRunnerGroupLength)
	case !wellFormed.MatchString(g.Name):
		add("spec.runnerGroup.name %q must not start or end with whitespace", g.Name)
	}
	if g.Create && strings.EqualFold(g.Name, DefaultRunnerGroupName) {
		add("spec.runnerGroup.name is %q with create: true; the Default group always exists and cannot be created: choose another name, or drop create to use the Default group", g.Name)
	}
	settings := g.Visibility != "" || len(g.SelectedRepositories) > 0 || g.AllowsPublicRepositories ||
		g.RestrictedToWorkflows || len(g.SelectedWorkflows) > 0
	if settings && !g.Create {
		add("spec.runnerGroup: visibility, selectedRepositories, allowsPublicRepositories, restrictedToWorkflows and selectedWorkflows configure a group this composite creates; set create: true, or leave them out to use the existing group %q as it is", g.Name)
	}
	switch actionsv1alpha1.RunnerGroupVisibility(g.Visibility) {
	case "", actionsv1alpha1.RunnerGroupVisibilityAll, actionsv1alpha1.RunnerGroupVisibilitySelected, actionsv1alpha1.RunnerGroupVisibilityPrivate:
	default:
		add("spec.runnerGroup.visibility is %q; it must be all, selected or private", g.Visibility)
	}
	if len(g.SelectedRepositories) > 0 && g.Visibility != string(actionsv1alpha1.RunnerGroupVisibilitySelected) {
		add("spec.runnerGroup.selectedRepositories needs visibility: selected")
	}
	if len(g.SelectedWorkflows) > 0 && !g.RestrictedToWorkflows {
		add("spec.runnerGroup.selectedWorkflows needs restrictedToWorkflows: true")
	}
	return errs
}

func validatePod(p Parameters) []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if p.Template != nil {
		if p.ContainerMode != nil || p.Runner != nil {
			add("spec.template is a full runner pod template; it cannot be combined with spec.containerMode or spec.runner, which render a template of their own")
		}
		if !hasContainer(p.Template.Spec.Containers, runnerContainerName) {
			add("spec.template.spec.containers needs a container named %q: it runs the GitHub Actions runner and receives its JIT configuration", runnerContainerName)
		}
		return errs
	}
	mode := ptr.Deref(p.ContainerMode, ContainerMode{})
	switch mode.Type {
	case "", ContainerModeDefault, ContainerModeDinD, ContainerModeKubernetes:
	default:
		add("spec.containerMode.type is %q; it must be default, dind or kubernetes", mode.Type)
	}
	if mode.DinD != nil && mode.Type != ContainerModeDinD {
		add("spec.containerMode.dind is only used with type: dind")
	}
	if mode.Kubernetes != nil && mode.Type != ContainerModeKubernetes {
		add("spec.containerMode.kubernetes is only used with type: kubernetes")
	}
	if r := p.Runner; r != nil {
		for i, e := range r.Env {
			if e.Name == "" {
				add("spec.runner.env[%d] has no name", i)
			}
		}
		switch r.ImagePullPolicy {
		case "", corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
		default:
			add("spec.runner.imagePullPolicy is %q; it must be Always, IfNotPresent or Never", r.ImagePullPolicy)
		}
	}
	return errs
}

func hasContainer(cs []corev1.Container, name string) bool {
	for _, c := range cs {
		if c.Name == name {
			return true
		}
	}
	return false
}
