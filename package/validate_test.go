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
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Package references the validate cache is seeded with. The configuration
// depends on the provider and the function by constraint; validate resolves a
// constraint to the newest version in its cache, so a seeded entry at any
// version that matches means no download.
const (
	providerPackage  = "ghcr.io/arc-crossplane/provider-github-arc@v0.1.0"
	functionPackage  = "ghcr.io/arc-crossplane/function-github-arc@v0.1.0"
	crossplaneImage  = "xpkg.crossplane.io/crossplane/crossplane:v2.4.0"
	crossplaneCached = "xpkg.crossplane.io/crossplane/crossplane@v2.4.0"
	packageFile      = "package.yaml"
	configurationDir = "configuration"
)

// seedValidateCache writes a validate cache that holds every schema the
// configuration needs: the provider's CRDs (package/crds), the function's
// (none) and Crossplane's own, from the Crossplane core module that
// cluster/tools/crossplane-core pins. validate then needs no registry.
func seedValidateCache(t *testing.T) string {
	t.Helper()
	cache := t.TempDir()
	crds, err := filepath.Glob(filepath.Join("crds", "*.yaml"))
	if err != nil || len(crds) == 0 {
		t.Fatalf("no CRDs in package/crds (%v): run make generate", err)
	}
	writeBundle(t, filepath.Join(cache, providerPackage), crds)
	writeBundle(t, filepath.Join(cache, functionPackage), nil)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "github.com/crossplane/crossplane/v2")
	cmd.Dir = filepath.Join(repoRoot, "cluster", "tools", "crossplane-core")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cannot find the Crossplane core module for its CRDs (run cluster/build-binaries.sh crossplane): %v", err)
	}
	core, err := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "cluster", "crds", "*.yaml"))
	if err != nil || len(core) == 0 {
		t.Fatalf("no CRDs in the Crossplane core module at %s (%v)", out, err)
	}
	writeBundle(t, filepath.Join(cache, crossplaneCached), core)
	return cache
}

func writeBundle(t *testing.T, dir string, files []string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range files {
		content, err := os.ReadFile(f) //nolint:gosec // Files of this repository and of the module cache.
		if err != nil {
			t.Fatal(err)
		}
		b.Write(content)
		b.WriteString("\n---\n")
	}
	if err := os.WriteFile(filepath.Join(dir, packageFile), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

func validate(t *testing.T, cli, cache, resources string) (string, error) {
	t.Helper()
	return runCLI(t, cli, "resource", "validate", configurationDir, resources,
		"--cache-dir", cache,
		"--crossplane-image", crossplaneImage,
		"--error-on-missing-schemas")
}

// TestValidate validates the examples a team writes and everything the
// render test renders (the golden files) against the configuration's XRDs and
// the provider's CRDs, the runner pod templates against the full pod schema
// of the EphemeralRunnerSet CRD.
func TestValidate(t *testing.T) {
	cli, cache := crossplaneCLI(t), seedValidateCache(t)
	resources := t.TempDir()

	examples, err := filepath.Glob(filepath.Join(teams, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	goldens, err := filepath.Glob(filepath.Join(goldenDir, "*.yaml"))
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no golden files in %s (%v)", goldenDir, err)
	}
	// The XRDs and Compositions themselves, against Crossplane's CRDs.
	definitions, err := filepath.Glob(filepath.Join(configurationDir, "apis", "*", "*.yaml"))
	if err != nil || len(definitions) != 4 {
		t.Fatalf("want 2 XRDs and 2 Compositions in %s/apis, got %v (%v)", configurationDir, definitions, err)
	}
	n := 0
	for _, f := range append(append(examples, goldens...), definitions...) {
		if filepath.Base(f) == filepath.Base(functionsFile) {
			// A Function of pkg.crossplane.io for render, not a resource a
			// team or the composition writes.
			continue
		}
		b, err := os.ReadFile(f) //nolint:gosec // Files of this repository.
		if err != nil {
			t.Fatal(err)
		}
		// render's Result documents are messages, not resources.
		var docs []string
		for _, d := range strings.Split(string(b), "---\n") {
			if strings.TrimSpace(d) != "" && !strings.Contains(d, "\nkind: Result\n") {
				docs = append(docs, d)
				n++
			}
		}
		name := filepath.Base(filepath.Dir(f)) + "-" + filepath.Base(f)
		if err := os.WriteFile(filepath.Join(resources, name), []byte(strings.Join(docs, "---\n")), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	out, err := validate(t, cli, cache, resources)
	if err != nil {
		t.Fatalf("crossplane resource validate: %v", err)
	}
	if strings.Contains(out, "downloading") {
		t.Errorf("validate downloaded schemas although the cache was seeded:\n%s", out)
	}
	if !strings.Contains(out, " 0 missing schemas, ") || !strings.Contains(out, " 0 failure cases") {
		t.Errorf("validate did not validate every resource:\n%s", out)
	}
	// Every document was validated: a resource validate skipped would pass
	// silently.
	if got := strings.Count(out, "validated successfully"); got != n {
		t.Errorf("validate reported %d resources valid, want %d:\n%s", got, n, out)
	}
}

// TestValidateRejects shows that the XRD catches what a team gets wrong,
// with the message it shows the team.
func TestValidateRejects(t *testing.T) {
	cli, cache := crossplaneCLI(t), seedValidateCache(t)
	cases := map[string]struct {
		reason string
		spec   string
		want   []string
	}{
		"MaxRunnersBelowMinRunners": {
			reason: "maxRunners must be at least minRunners.",
			spec:   "minRunners: 5\n  maxRunners: 2",
			want:   []string{"maxRunners must be greater than or equal to minRunners"},
		},
		"ScaleSetNameTooLong": {
			reason: "GitHub allows 45 characters.",
			spec:   "scaleSetName: this-scale-set-name-is-much-longer-than-github-allows",
			want:   []string{"scaleSetName must be at most 45 characters"},
		},
		"MalformedLabels": {
			reason: "Labels are non-empty, without surrounding whitespace or commas.",
			spec:   `labels: ["a,b", " x"]`,
			want: []string{
				`spec.labels[0]: Invalid value: "a,b": a label must not contain a comma`,
				`spec.labels[1]: Invalid value: " x": a label must not be empty nor start or end with whitespace`,
			},
		},
		"LabelsThatDifferOnlyInCase": {
			reason: "runs-on matches labels case-insensitively, so Linux and linux are the same label.",
			spec:   `labels: [linux, Linux]`,
			want:   []string{"labels must be unique; runs-on matches them case-insensitively"},
		},
		"CreateTheDefaultGroup": {
			reason: "The Default group cannot be created.",
			spec:   "runnerGroup:\n    name: Default\n    create: true",
			want:   []string{"the Default group always exists and cannot be created"},
		},
		"GroupSettingsOfAnExistingGroup": {
			reason: "An existing group is used as it is.",
			spec:   "runnerGroup:\n    name: builders\n    visibility: all",
			want:   []string{"configure a group this object creates; set create to true"},
		},
		"UnknownContainerMode": {
			reason: "Only default, dind and kubernetes exist.",
			spec:   "containerMode:\n    type: podman",
			want:   []string{`spec.containerMode.type: Unsupported value: "podman"`},
		},
		"SettingsOfAnotherMode": {
			reason: "kubernetes settings in dind mode are a mistake.",
			spec:   "containerMode:\n    type: dind\n    kubernetes:\n      serviceAccountName: x",
			want:   []string{"containerMode.kubernetes is only used with type kubernetes"},
		},
		"TemplateWithContainerMode": {
			reason: "A full template and a container mode contradict each other.",
			spec:   "containerMode:\n    type: dind\n  template:\n    spec:\n      containers:\n      - name: runner",
			want:   []string{"template is a full runner pod template; leave out containerMode and runner"},
		},
		"TemplateWithoutRunner": {
			reason: "The template needs the runner container.",
			spec:   "template:\n    spec:\n      containers:\n      - name: main",
			want:   []string{"the runner pod template needs a container named runner"},
		},
		"UnknownField": {
			reason: "A misspelt field is reported rather than ignored.",
			spec:   "maxRunner: 3",
			want:   []string{`spec.maxRunner: Invalid value: "maxRunner": unknown field`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			xr := "apiVersion: platform.arc.crossplane.io/v1alpha1\nkind: AutoscalingRunnerSet\nmetadata:\n  name: bad\n  namespace: team-a\nspec:\n  " + tc.spec + "\n"
			if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(xr), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := validate(t, cli, cache, dir)
			if err == nil {
				t.Fatalf("%s\nvalidate accepted:\n%s\noutput:\n%s", tc.reason, xr, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s\nvalidate did not say %q:\n%v", tc.reason, w, err)
				}
			}
		})
	}
}
