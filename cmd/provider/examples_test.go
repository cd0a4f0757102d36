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

package main

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestExamplesAreValid sends every example of the provider configurations
// and managed resources to the API server (as a dry run, in the test's
// namespace) so that an example that no longer matches the CRDs fails here
// rather than in a user's hands.
func TestExamplesAreValid(t *testing.T) {
	env := testenv.Get(t)
	ns := env.Namespace(t)
	var files []string
	for _, dir := range []string{"providerconfig", "managed"} {
		f, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "examples", dir, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f...)
	}
	if len(files) < 5 {
		t.Fatalf("want the examples of examples/providerconfig and examples/managed, found %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f) //nolint:gosec // the repository's own files
			if err != nil {
				t.Fatal(err)
			}
			u := &unstructured.Unstructured{}
			if err := yaml.Unmarshal(b, &u.Object); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if u.GetNamespace() != "" {
				u.SetNamespace(ns)
			}
			if err := env.Client.Create(t.Context(), u, client.DryRunAll); err != nil {
				t.Errorf("%s is refused by the API server: %v", f, err)
			}
		})
	}
}
