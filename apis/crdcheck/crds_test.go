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

package crdcheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"
)

// crdDir holds the CRDs that go generate writes.
const crdDir = "../../package/crds"

// A loadedCRD is a CRD with the validators the API server builds for it.
type loadedCRD struct {
	file       string
	crd        *apiextensions.CustomResourceDefinition
	structural *structuralschema.Structural
	schema     apiservervalidation.SchemaValidator
	cel        *cel.Validator
}

// loadCRDs reads every CRD in crdDir, keyed by kind.group.
func loadCRDs(t *testing.T) map[string]loadedCRD {
	t.Helper()

	files, err := filepath.Glob(filepath.Join(crdDir, "*.yaml"))
	if err != nil {
		t.Fatalf("cannot list CRDs: %v", err)
	}
	if len(files) == 0 {
		t.Fatalf("no CRDs in %s: run go generate ./apis/... from the module root", crdDir)
	}

	crds := make(map[string]loadedCRD, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("cannot read %s: %v", f, err)
		}
		v1 := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(b, v1); err != nil {
			t.Fatalf("cannot decode %s: %v", f, err)
		}
		apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(v1)
		crd := &apiextensions.CustomResourceDefinition{}
		if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(v1, crd, nil); err != nil {
			t.Fatalf("cannot convert %s: %v", f, err)
		}

		// With one version the schema is moved to spec.validation.
		props := crd.Spec.Versions[0].Schema
		if crd.Spec.Validation != nil {
			props = crd.Spec.Validation
		}
		structural, err := structuralschema.NewStructural(props.OpenAPIV3Schema)
		if err != nil {
			t.Fatalf("%s: schema is not structural: %v", f, err)
		}
		sv, _, err := apiservervalidation.NewSchemaValidator(props.OpenAPIV3Schema)
		if err != nil {
			t.Fatalf("%s: cannot build the schema validator: %v", f, err)
		}

		crds[v1.Spec.Names.Kind+"."+v1.Spec.Group] = loadedCRD{
			file:       filepath.Base(f),
			crd:        crd,
			structural: structural,
			schema:     sv,
			cel:        cel.NewValidator(structural, true, celconfig.PerCallLimit),
		}
	}
	return crds
}

// TestCRDsAreValid runs the validation kube-apiserver runs when a CRD is
// created: among others, every CEL rule must compile and its estimated cost
// must stay within the limits, or the API server refuses the CRD.
func TestCRDsAreValid(t *testing.T) {
	for _, c := range loadCRDs(t) {
		t.Run(c.file, func(t *testing.T) {
			for _, err := range crdvalidation.ValidateCustomResourceDefinition(context.Background(), c.crd) {
				t.Errorf("kube-apiserver would refuse this CRD: %v", err)
			}
		})
	}
}

// TestEveryRuleHasAMessage makes sure no CEL rule falls back to the API
// server's generic "failed rule: ..." message.
func TestEveryRuleHasAMessage(t *testing.T) {
	for _, c := range loadCRDs(t) {
		t.Run(c.file, func(t *testing.T) {
			var walk func(path string, s *structuralschema.Structural)
			walk = func(path string, s *structuralschema.Structural) {
				if s == nil {
					return
				}
				for _, r := range s.XValidations {
					if r.Message == "" && r.MessageExpression == "" {
						t.Errorf("%s: rule %q has no message", path, r.Rule)
					}
				}
				for name, p := range s.Properties {
					walk(path+"."+name, &p)
				}
				walk(path+"[]", s.Items)
				if s.AdditionalProperties != nil {
					walk(path+"{}", s.AdditionalProperties.Structural)
				}
			}
			walk("", c.structural)
		})
	}
}

// A validationCase is an object the API server must accept, or reject with
// messages that contain each of Errors.
type validationCase struct {
	Name   string         `json:"name"`
	Reason string         `json:"reason"`
	Object map[string]any `json:"object"`
	// Old is the stored object, for an update.
	Old    map[string]any `json:"old,omitempty"`
	Errors []string       `json:"errors,omitempty"`
}

func TestValidation(t *testing.T) {
	crds := loadCRDs(t)

	b, err := os.ReadFile(filepath.Join("testdata", "cases.yaml"))
	if err != nil {
		t.Fatalf("cannot read cases: %v", err)
	}
	var cases []validationCase
	if err := yaml.UnmarshalStrict(b, &cases); err != nil {
		t.Fatalf("cannot decode cases: %v", err)
	}

	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.Name] {
			t.Fatalf("two cases are named %q", tc.Name)
		}
		seen[tc.Name] = true

		t.Run(tc.Name, func(t *testing.T) {
			obj := normalize(t, tc.Object)
			c, ok := crds[kindGroup(obj)]
			if !ok {
				t.Fatalf("no CRD for %s", kindGroup(obj))
			}

			got := validate(c, obj, normalize(t, tc.Old))

			if len(tc.Errors) == 0 && got != "" {
				t.Errorf("\n%s\nwant the object accepted, got: %s", tc.Reason, got)
			}
			if len(tc.Errors) > 0 && got == "" {
				t.Errorf("\n%s\nwant the object rejected with %q, got it accepted", tc.Reason, tc.Errors)
			}
			for _, want := range tc.Errors {
				if got != "" && !strings.Contains(got, want) {
					t.Errorf("\n%s\nwant an error containing %q, got: %s", tc.Reason, want, got)
				}
			}
		})
	}
}

// validate runs what the API server runs on a create (old is nil) or an
// update: defaulting, then OpenAPI schema, list-type and CEL validation. It
// returns the errors as the API server would list them, or "".
func validate(c loadedCRD, obj, old map[string]any) string {
	structuraldefaulting.Default(obj, c.structural)

	var errs field.ErrorList
	var oldObj any
	if old != nil {
		structuraldefaulting.Default(old, c.structural)
		oldObj = old
		errs = apiservervalidation.ValidateCustomResourceUpdate(nil, obj, old, c.schema)
	} else {
		errs = apiservervalidation.ValidateCustomResource(nil, obj, c.schema)
	}
	errs = append(errs, listtype.ValidateListSetsAndMaps(nil, c.structural, obj)...)
	celErrs, _ := c.cel.Validate(context.Background(), nil, c.structural, obj, oldObj, celconfig.RuntimeCELCostBudget)
	errs = append(errs, celErrs...)

	if agg := errs.ToAggregate(); agg != nil {
		return agg.Error()
	}
	return ""
}

// normalize gives numbers the Go types the API server's JSON decoder gives
// them (int64 for integers), as the CEL and schema validators expect.
func normalize(t *testing.T, in map[string]any) map[string]any {
	t.Helper()
	if in == nil {
		return nil
	}
	b, err := utiljson.Marshal(in)
	if err != nil {
		t.Fatalf("cannot encode object: %v", err)
	}
	out := map[string]any{}
	if err := utiljson.Unmarshal(b, &out); err != nil {
		t.Fatalf("cannot decode object: %v", err)
	}
	return runtime.DeepCopyJSON(out)
}

func kindGroup(obj map[string]any) string {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	group, _, _ := strings.Cut(apiVersion, "/")
	return fmt.Sprintf("%s.%s", kind, group)
}
