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
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"sigs.k8s.io/yaml"
)

// TestPackages reads the packages `make xpkg` built (hack/xpkg.sh; XPKG_DIR
// names their folder) and checks what Crossplane will find in them: the
// package's objects, and for the provider and the function the embedded
// runtime image. Without XPKG_DIR it is skipped: `make xpkg` runs it.
func TestPackages(t *testing.T) {
	dir := os.Getenv("XPKG_DIR")
	if dir == "" {
		t.Skip("XPKG_DIR is not set: `make xpkg` builds the packages and runs this test")
	}
	crds, err := filepath.Glob(filepath.Join("crds", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	providerKinds := []string{"Provider"}
	for range crds {
		providerKinds = append(providerKinds, "CustomResourceDefinition")
	}
	cases := map[string]struct {
		reason     string
		kinds      []string
		entrypoint string
	}{
		"provider-github-arc.xpkg": {
			reason:     "The provider package holds its metadata, every CRD of package/crds and its controller image.",
			kinds:      providerKinds,
			entrypoint: "/provider",
		},
		"function-github-arc.xpkg": {
			reason:     "The function package holds its metadata and its image.",
			kinds:      []string{"Function"},
			entrypoint: "/function",
		},
		"configuration-github-arc.xpkg": {
			reason: "The configuration holds its metadata, both XRDs and both Compositions.",
			kinds:  []string{"CompositeResourceDefinition", "CompositeResourceDefinition", "Composition", "Composition", "Configuration"},
		},
	}
	for file, tc := range cases {
		t.Run(file, func(t *testing.T) {
			img, err := tarball.ImageFromPath(filepath.Join(dir, file), nil)
			if err != nil {
				t.Fatalf("%s\ncannot read %s: %v", tc.reason, file, err)
			}
			files := imageFiles(t, img)
			pkg, ok := files["package.yaml"]
			if !ok {
				t.Fatalf("%s\n%s has no package.yaml", tc.reason, file)
			}
			var kinds []string
			for _, doc := range strings.Split(pkg, "\n---\n") {
				var o struct {
					Kind string `json:"kind"`
				}
				if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
					t.Fatalf("package.yaml of %s: %v", file, err)
				}
				if o.Kind != "" {
					kinds = append(kinds, o.Kind)
				}
			}
			sort.Strings(kinds)
			sort.Strings(tc.kinds)
			if diff := cmp.Diff(tc.kinds, kinds); diff != "" {
				t.Errorf("%s\nkinds in %s: -want, +got:\n%s", tc.reason, file, diff)
			}
			if tc.entrypoint == "" {
				return
			}
			cfg, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Config.Entrypoint; len(got) != 1 || got[0] != tc.entrypoint {
				t.Errorf("%s\nentrypoint of %s: got %v, want [%s]", tc.reason, file, got, tc.entrypoint)
			}
			bin := strings.TrimPrefix(tc.entrypoint, "/")
			if b := files[bin]; !strings.HasPrefix(b, "\x7fELF") {
				t.Errorf("%s\n%s has no binary at %s", tc.reason, file, tc.entrypoint)
			}
			if files["etc/ssl/certs/ca-certificates.crt"] == "" {
				t.Errorf("%s\n%s has no CA certificates", tc.reason, file)
			}
		})
	}
}

// TestPackageMetadata reads the metadata of the packages `make xpkg` built: the
// configuration depends on the provider and the function by the range stamped from
// the version it was built as (XPKG_DEPENDENCY_RANGE, from hack/xpkg.sh), and the
// provider declares safe start and asks for no permissions Crossplane v2 would
// silently drop.
func TestPackageMetadata(t *testing.T) {
	dir, want := os.Getenv("XPKG_DIR"), os.Getenv("XPKG_DEPENDENCY_RANGE")
	if dir == "" || want == "" {
		t.Skip("XPKG_DIR and XPKG_DEPENDENCY_RANGE are not set: `make xpkg` builds the packages and runs this test")
	}
	meta := func(file, kind string) map[string]any {
		t.Helper()
		img, err := tarball.ImageFromPath(filepath.Join(dir, file), nil)
		if err != nil {
			t.Fatalf("cannot read %s: %v", file, err)
		}
		for _, doc := range strings.Split(imageFiles(t, img)["package.yaml"], "\n---\n") {
			var o map[string]any
			if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
				t.Fatalf("package.yaml of %s: %v", file, err)
			}
			if o["kind"] == kind {
				return o
			}
		}
		t.Fatalf("%s has no %s", file, kind)
		return nil
	}

	spec, _ := meta("configuration-github-arc.xpkg", "Configuration")["spec"].(map[string]any)
	deps, _ := spec["dependsOn"].([]any)
	if len(deps) != 2 {
		t.Fatalf("the configuration depends on %d packages, want the provider and the function: %v", len(deps), deps)
	}
	for _, d := range deps {
		dep, _ := d.(map[string]any)
		if got := dep["version"]; got != want {
			t.Errorf("dependency %v: version %q, want the stamped range %q", dep, got, want)
		}
	}
	if !strings.Contains(want, "<") {
		t.Errorf("the stamped range %q has no upper bound", want)
	}

	pspec, _ := meta("provider-github-arc.xpkg", "Provider")["spec"].(map[string]any)
	if _, ok := pspec["controller"]; ok {
		t.Errorf("the provider package has spec.controller, which Crossplane v2 ignores: %v", pspec["controller"])
	}
	if caps, _ := pspec["capabilities"].([]any); len(caps) != 1 || caps[0] != "safe-start" {
		t.Errorf("the provider's capabilities are %v, want [safe-start]", pspec["capabilities"])
	}
}

// imageFiles returns the regular files of every layer of img, by path.
func imageFiles(t *testing.T, img v1.Image) map[string]string {
	t.Helper()
	// mutate.Extract flattens the layers into the image's filesystem.
	rc := mutate.Extract(img)
	defer func() { _ = rc.Close() }()
	files := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimPrefix(h.Name, "/")] = string(b)
	}
}
