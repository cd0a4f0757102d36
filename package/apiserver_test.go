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
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
)

// TestXRDSchemasPassTheAPIServer creates (as a server-side dry run) the CRD
// Crossplane derives from each XRD on the local cluster's kube-apiserver. The
// API server checks what `crossplane resource validate` does not: that the
// schema is structural and that every CEL rule stays within the cost budget.
// An XRD that failed here would never become Established.
func TestXRDSchemasPassTheAPIServer(t *testing.T) {
	kubeconfig := os.Getenv(testenv.EnvKubeconfig)
	if kubeconfig == "" {
		t.Skipf("%s is not set: `make test` runs this test on the local cluster", testenv.EnvKubeconfig)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatalf("cannot load %s: %v", kubeconfig, err)
	}
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{namespacedXRD, legacyXRD} {
		t.Run(path, func(t *testing.T) {
			xrd := readYAML(t, path)
			names, _ := get(xrd, "spec", "names").(map[string]any)
			scope := "Cluster"
			if get(xrd, "spec", "scope") == "Namespaced" {
				scope = "Namespaced"
			}
			version := firstVersion(t, xrd)
			crd := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "apiextensions.k8s.io/v1",
				"kind":       "CustomResourceDefinition",
				"metadata":   map[string]any{"name": get(xrd, "metadata", "name")},
				"spec": map[string]any{
					"group": get(xrd, "spec", "group"),
					"names": map[string]any{"kind": names["kind"], "plural": names["plural"], "singular": names["singular"], "listKind": names["kind"].(string) + "List"},
					"scope": scope,
					"versions": []any{map[string]any{
						"name": version["name"], "served": true, "storage": true,
						"schema":                   version["schema"],
						"additionalPrinterColumns": version["additionalPrinterColumns"],
						"subresources":             map[string]any{"status": map[string]any{}},
					}},
				},
			}}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := c.Create(ctx, crd, client.DryRunAll); err != nil {
				t.Errorf("kube-apiserver refuses the CRD of %s: %v", path, err)
			}
		})
	}
}
