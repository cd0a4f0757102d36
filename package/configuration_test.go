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

package packaging_test

import (
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/function"
)

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path) //nolint:gosec // Files of this repository.
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

func firstVersion(t *testing.T, xrd map[string]any) map[string]any {
	t.Helper()
	versions, _ := get(xrd, "spec", "versions").([]any)
	if len(versions) != 1 {
		t.Fatalf("%s: want exactly one version, got %d", get(xrd, "metadata", "name"), len(versions))
	}
	v, _ := versions[0].(map[string]any)
	return v
}

// TestLegacyXRDMatchesNamespacedXRD: the claim offers exactly what the
// namespaced composite offers; the two XRDs differ only in scope and names.
func TestLegacyXRDMatchesNamespacedXRD(t *testing.T) {
	ns, legacy := readYAML(t, namespacedXRD), readYAML(t, legacyXRD)
	if diff := cmp.Diff(firstVersion(t, ns), firstVersion(t, legacy)); diff != "" {
		t.Errorf("the versions (schema, printer columns) of %s and %s differ: -namespaced, +legacy:\n%s", namespacedXRD, legacyXRD, diff)
	}
	if got := get(ns, "spec", "scope"); got != "Namespaced" {
		t.Errorf("%s: scope %v, want Namespaced", namespacedXRD, got)
	}
	// Claims exist only in apiextensions.crossplane.io/v1, whose composites
	// are cluster-scoped (LegacyCluster in Crossplane v2).
	if got := get(legacy, "apiVersion"); got != "apiextensions.crossplane.io/v1" {
		t.Errorf("%s: apiVersion %v, want apiextensions.crossplane.io/v1", legacyXRD, got)
	}
	if got := get(legacy, "spec", "claimNames", "kind"); got != "AutoscalingRunnerSetClaim" {
		t.Errorf("%s: claimNames.kind %v, want AutoscalingRunnerSetClaim", legacyXRD, got)
	}
}

// TestEveryFieldIsDescribed: a self-service catalog shows each field's
// description as its help text.
func TestEveryFieldIsDescribed(t *testing.T) {
	schema, _ := get(firstVersion(t, readYAML(t, namespacedXRD)), "schema", "openAPIV3Schema").(map[string]any)
	var missing []string
	var walk func(path string, s map[string]any)
	walk = func(path string, s map[string]any) {
		if _, ok := s["description"].(string); !ok {
			missing = append(missing, path)
		}
		if props, ok := s["properties"].(map[string]any); ok {
			for name, p := range props {
				if ps, ok := p.(map[string]any); ok {
					walk(path+"."+name, ps)
				}
			}
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(path+"[]", items)
		}
	}
	walk("", schema)
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("fields without a description in %s:\n%s", namespacedXRD, strings.Join(missing, "\n"))
	}
}

// TestCompositionsUseTheFunctionTheConfigurationInstalls: Crossplane names a
// function installed as a dependency after its package path without the
// registry; the Compositions and examples/teams/functions.yaml must use that
// name, or nothing renders.
func TestCompositionsUseTheFunctionTheConfigurationInstalls(t *testing.T) {
	meta := readYAML(t, "configuration/crossplane.yaml")
	var functionPackage, providerPackage string
	deps, _ := get(meta, "spec", "dependsOn").([]any)
	for _, d := range deps {
		dm, _ := d.(map[string]any)
		if f, ok := dm["function"].(string); ok {
			functionPackage = f
		}
		if p, ok := dm["provider"].(string); ok {
			providerPackage = p
		}
	}
	if functionPackage == "" || providerPackage == "" {
		t.Fatalf("configuration/crossplane.yaml must depend on the provider and the function, got %v", deps)
	}
	_, repository, _ := strings.Cut(functionPackage, "/")
	want := strings.ReplaceAll(repository, "/", "-")

	for _, comp := range []string{namespacedComp, legacyComp} {
		c := readYAML(t, comp)
		if get(c, "spec", "mode") != "Pipeline" {
			t.Errorf("%s: mode %v, want Pipeline", comp, get(c, "spec", "mode"))
		}
		steps, _ := get(c, "spec", "pipeline").([]any)
		if len(steps) != 1 {
			t.Fatalf("%s: want one pipeline step, got %d", comp, len(steps))
		}
		step, _ := steps[0].(map[string]any)
		if got := get(step, "functionRef", "name"); got != want {
			t.Errorf("%s: functionRef.name %v, want %s (the dependency %s)", comp, got, want, functionPackage)
		}
	}
	if got := get(readYAML(t, functionsFile), "metadata", "name"); got != want {
		t.Errorf("%s: name %v, want %s", functionsFile, got, want)
	}
	for xrd, comp := range map[string]string{namespacedXRD: namespacedComp, legacyXRD: legacyComp} {
		if got, want := get(readYAML(t, xrd), "spec", "defaultCompositionRef", "name"), get(readYAML(t, comp), "metadata", "name"); got != want {
			t.Errorf("%s: defaultCompositionRef %v, want the Composition %v", xrd, got, want)
		}
	}
}

// TestXRDDefaultsMatchTheFunction: the function applies the XRD's defaults
// itself (for composites that reached it without them), so the two must say
// the same.
func TestXRDDefaultsMatchTheFunction(t *testing.T) {
	spec, _ := get(firstVersion(t, readYAML(t, namespacedXRD)), "schema", "openAPIV3Schema", "properties", "spec", "properties").(map[string]any)
	field := func(path ...string) any {
		var v any = spec
		for i, p := range path {
			m, _ := v.(map[string]any)
			v = m[p]
			if i < len(path)-1 {
				v = get(v.(map[string]any), "properties")
			}
		}
		d, _ := v.(map[string]any)
		return d["default"]
	}
	cases := map[string]struct {
		got  any
		want any
	}{
		"maxPodFailures":               {field("maxPodFailures"), float64(runnersv1alpha1.DefaultMaxPodFailures)},
		"minRunners":                   {field("minRunners"), float64(0)},
		"providerConfigRef.kind":       {field("providerConfigRef", "kind"), "ClusterProviderConfig"},
		"providerConfigRef.name":       {field("providerConfigRef", "name"), function.DefaultProviderConfig},
		"containerMode.type":           {field("containerMode", "type"), string(function.ContainerModeDefault)},
		"runnerGroup.create":           {field("runnerGroup", "create"), false},
		"runnerSettings.disableUpdate": {field("runnerSettings", "disableUpdate"), false},
	}
	for name, tc := range cases {
		if diff := cmp.Diff(tc.want, tc.got); diff != "" {
			t.Errorf("default of spec.%s in %s: -function, +XRD:\n%s", name, namespacedXRD, diff)
		}
	}
}
