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
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

var testDefinition = Definition{
	Name:       "listener",
	Package:    "./cmd/listener",
	Repository: "ghcr.io/arc-crossplane/provider-github-arc-listener",
	Entrypoint: []string{"/listener"},
	Ports:      []int{8080, 8081},
}

// TestBuildWritesARunnableImage builds an image tarball the way `make images`
// does and reads it back the way `crossplane xpkg build
// --embed-runtime-image-tarball` does.
func TestBuildWritesARunnableImage(t *testing.T) {
	in := Inputs{
		Definition: testDefinition,
		Binary:     []byte("\x7fELF pretend binary"),
		CABundle:   []byte("-----BEGIN CERTIFICATE-----\npretend\n-----END CERTIFICATE-----\n"),
		Version:    "v1.2.3",
		Arch:       "arm64",
		Created:    time.Unix(1700000000, 0).UTC(),
	}
	img, err := Build(in)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	ref, err := Reference(in.Definition, in.Version)
	if err != nil {
		t.Fatalf("Reference: %v", err)
	}
	out := filepath.Join(t.TempDir(), "listener.tar")
	if err := tarball.WriteToFile(out, ref, img); err != nil {
		t.Fatalf("WriteToFile: %v", err)
	}

	tag := ref
	read, err := tarball.ImageFromPath(out, &tag)
	if err != nil {
		t.Fatalf("ImageFromPath: %v", err)
	}
	cfg, err := read.ConfigFile()
	if err != nil {
		t.Fatalf("ConfigFile: %v", err)
	}
	wantConfig := v1.Config{
		Entrypoint:   []string{"/listener"},
		User:         "65532:65532",
		WorkingDir:   "/",
		Env:          []string{"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"},
		ExposedPorts: map[string]struct{}{"8080/tcp": {}, "8081/tcp": {}},
		Labels: map[string]string{
			"org.opencontainers.image.title":   "listener",
			"org.opencontainers.image.source":  "https://github.com/arc-crossplane/provider-github-arc",
			"org.opencontainers.image.version": "v1.2.3",
		},
	}
	if diff := cmp.Diff(wantConfig, cfg.Config); diff != "" {
		t.Errorf("config: -want, +got:\n%s", diff)
	}
	if cfg.OS != "linux" || cfg.Architecture != "arm64" {
		t.Errorf("platform: got %s/%s, want linux/arm64", cfg.OS, cfg.Architecture)
	}
	mt, err := img.MediaType()
	if err != nil || mt != types.OCIManifestSchema1 {
		t.Errorf("media type: got %q (%v), want %q", mt, err, types.OCIManifestSchema1)
	}

	files := filesOf(t, read)
	want := map[string]string{
		"etc/ssl/certs/ca-certificates.crt": string(in.CABundle),
		"listener":                          string(in.Binary),
	}
	for p, content := range want {
		if got, ok := files[p]; !ok || got.content != content {
			t.Errorf("file %s: got %q (present %t), want %q", p, got.content, ok, content)
		}
	}
	if got := files["listener"].mode; got != 0o755 {
		t.Errorf("mode of /listener: got %o, want 755", got)
	}
	if got := files["tmp/"].mode; got != 0o1777 {
		t.Errorf("mode of /tmp: got %o, want 1777", got)
	}
}

// TestBuildIsReproducible: the same inputs give the same digest, so an
// unchanged binary does not change the provider package.
func TestBuildIsReproducible(t *testing.T) {
	in := Inputs{Definition: testDefinition, Binary: []byte("bin"), CABundle: []byte("ca"), Version: "v1", Arch: "amd64", Created: time.Unix(0, 0)}
	a, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Errorf("two builds of the same inputs: %s != %s", da, db)
	}
	in.Binary = []byte("other bin")
	c, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if dc, _ := c.Digest(); dc == da {
		t.Errorf("a different binary gave the same digest %s", dc)
	}
}

func TestBuildRejectsIncompleteInputs(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     Inputs
		want   string
	}{
		"NoBinary": {
			reason: "An empty binary is a build mistake, not an image.",
			in:     Inputs{Definition: testDefinition, CABundle: []byte("ca")},
			want:   "the binary is empty",
		},
		"NoEntrypoint": {
			reason: "An image without an entrypoint would not run the binary.",
			in:     Inputs{Definition: Definition{Name: "x"}, Binary: []byte("b")},
			want:   "name and entrypoint are required",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Build(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s\nBuild: got error %v, want one containing %q", tc.reason, err, tc.want)
			}
		})
	}
}

func TestReadDefinitionOfEveryImage(t *testing.T) {
	for _, n := range []string{"provider", "listener", "function"} {
		d, err := readDefinition(filepath.Join("..", n, "image.yaml"))
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if d.Name != n || d.Package != "./cmd/"+n || d.Entrypoint[0] != "/"+n {
			t.Errorf("%s: definition %+v does not build /%s from ./cmd/%s", n, d, n, n)
		}
		if _, err := os.Stat(filepath.Join("..", "..", "..", "cmd", n)); err != nil {
			t.Logf("%s: the package %s does not exist yet (%v)", n, d.Package, err)
		}
	}
}

type entry struct {
	content string
	mode    int64
}

func filesOf(t *testing.T, img v1.Image) map[string]entry {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]entry{}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[h.Name] = entry{content: string(b), mode: h.Mode}
		}
		_ = rc.Close()
	}
	return files
}
