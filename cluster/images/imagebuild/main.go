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

// Command imagebuild builds a container image tarball from a static binary
// without Docker and without pulling a base image: a scratch image with the
// machine's CA certificates, an empty /tmp and the binary, run as a non-root
// user. The tarball is what `docker save` writes (and `docker load`,
// `crossplane xpkg build --embed-runtime-image-tarball` and kind/kwok image
// loading read), with OCI media types.
//
// Usage:
//
//	imagebuild --definition cluster/images/provider/image.yaml \
//	  --binary _output/bin/linux_amd64/provider --version v0.1.0 \
//	  --output _output/images/provider.tar
package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"sigs.k8s.io/yaml"
)

const (
	errReadDefinition = "cannot read the image definition"
	errInvalid        = "the image definition is not valid"
	errReadFile       = "cannot read a file of the image"
	errLayer          = "cannot build a layer"
	errImage          = "cannot assemble the image"
	errReference      = "cannot make the image reference"
	errWrite          = "cannot write the image tarball"
)

// Where things go in the image.
const (
	caBundlePath = "etc/ssl/certs/ca-certificates.crt"
	// nonRootUser is the uid:gid distroless images call nonroot; the
	// binaries need no privilege and no entry in /etc/passwd.
	nonRootUser = "65532:65532"
)

// Definition is the description of one image, cluster/images/<name>/image.yaml.
type Definition struct {
	// Name of the image and of its binary, which lands at /<name>.
	Name string `json:"name"`
	// Package is the Go package the binary is built from (for people and
	// the Makefile; this program is given the built binary).
	Package string `json:"package"`
	// Repository is the image repository, tagged with --version.
	Repository string `json:"repository"`
	// Entrypoint of the image.
	Entrypoint []string `json:"entrypoint"`
	// Ports the binary listens on.
	Ports []int `json:"ports,omitempty"`
	// Description becomes the org.opencontainers.image.description label.
	Description string `json:"description,omitempty"`
}

// Inputs are the files an image is made of.
type Inputs struct {
	Definition Definition
	Binary     []byte
	CABundle   []byte
	Version    string
	Arch       string
	// Created is the image's creation time. The Makefile passes
	// SOURCE_DATE_EPOCH (0 when unset) so that the same inputs always give
	// the same image digest.
	Created time.Time
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "imagebuild:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("imagebuild", flag.ContinueOnError)
	definition := fs.String("definition", "", "Image definition (cluster/images/<name>/image.yaml).")
	binary := fs.String("binary", "", "The static linux binary of the image.")
	caBundle := fs.String("ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "PEM CA certificates to put at /"+caBundlePath+".")
	version := fs.String("version", "v0.0.0-dev", "Tag of the image.")
	arch := fs.String("arch", runtime.GOARCH, "Architecture of the binary.")
	output := fs.String("output", "", "Where to write the image tarball.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *definition == "" || *binary == "" || *output == "" {
		return errors.New("--definition, --binary and --output are required")
	}
	def, err := readDefinition(*definition)
	if err != nil {
		return err
	}
	in := Inputs{Definition: def, Version: *version, Arch: *arch, Created: sourceDateEpoch()}
	if in.Binary, err = os.ReadFile(*binary); err != nil {
		return fmt.Errorf("%s: %w", errReadFile, err)
	}
	if in.CABundle, err = os.ReadFile(*caBundle); err != nil {
		return fmt.Errorf("%s: %w", errReadFile, err)
	}
	img, err := Build(in)
	if err != nil {
		return err
	}
	ref, err := Reference(def, *version)
	if err != nil {
		return err
	}
	if err := tarball.WriteToFile(*output, ref, img); err != nil {
		return fmt.Errorf("%s: %w", errWrite, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return fmt.Errorf("%s: %w", errImage, err)
	}
	fmt.Printf("%s %s %s\n", *output, ref, digest)
	return nil
}

func readDefinition(p string) (Definition, error) {
	b, err := os.ReadFile(p) //nolint:gosec // The definition is a file of this repository.
	if err != nil {
		return Definition{}, fmt.Errorf("%s: %w", errReadDefinition, err)
	}
	var d Definition
	if err := yaml.UnmarshalStrict(b, &d); err != nil {
		return Definition{}, fmt.Errorf("%s %s: %w", errReadDefinition, p, err)
	}
	if d.Name == "" || d.Repository == "" || len(d.Entrypoint) == 0 {
		return Definition{}, fmt.Errorf("%s %s: name, repository and entrypoint are required", errInvalid, p)
	}
	return d, nil
}

// Reference is the tag of the image: its repository at version.
func Reference(d Definition, version string) (name.Tag, error) {
	t, err := name.NewTag(d.Repository + ":" + version)
	if err != nil {
		return name.Tag{}, fmt.Errorf("%s: %w", errReference, err)
	}
	return t, nil
}

// Build assembles the image: one layer with the CA certificates and /tmp,
// one with the binary (so a rebuild with new code changes only that layer).
func Build(in Inputs) (v1.Image, error) {
	d := in.Definition
	if d.Name == "" || len(d.Entrypoint) == 0 {
		return nil, fmt.Errorf("%s: name and entrypoint are required", errInvalid)
	}
	if len(in.Binary) == 0 {
		return nil, fmt.Errorf("%s: the binary is empty", errInvalid)
	}
	base, err := layer(in.Created, []file{
		{path: "etc/", mode: 0o755, dir: true},
		{path: "etc/ssl/", mode: 0o755, dir: true},
		{path: "etc/ssl/certs/", mode: 0o755, dir: true},
		{path: caBundlePath, mode: 0o644, content: in.CABundle},
		// Some libraries write temporary files; a scratch image has no /tmp.
		{path: "tmp/", mode: 0o1777, dir: true},
	})
	if err != nil {
		return nil, err
	}
	bin, err := layer(in.Created, []file{{path: d.Name, mode: 0o755, content: in.Binary}})
	if err != nil {
		return nil, err
	}

	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img,
		mutate.Addendum{Layer: base, History: v1.History{CreatedBy: "imagebuild: CA certificates and /tmp", Created: v1.Time{Time: in.Created}}},
		mutate.Addendum{Layer: bin, History: v1.History{CreatedBy: "imagebuild: /" + d.Name + " from " + d.Package, Created: v1.Time{Time: in.Created}}},
	)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errImage, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errImage, err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS = "linux"
	cfg.Architecture = in.Arch
	cfg.Created = v1.Time{Time: in.Created}
	cfg.Config.Entrypoint = d.Entrypoint
	cfg.Config.User = nonRootUser
	cfg.Config.WorkingDir = "/"
	cfg.Config.Env = []string{"SSL_CERT_FILE=/" + caBundlePath}
	if len(d.Ports) > 0 {
		cfg.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range d.Ports {
			cfg.Config.ExposedPorts[strconv.Itoa(p)+"/tcp"] = struct{}{}
		}
	}
	cfg.Config.Labels = map[string]string{
		"org.opencontainers.image.title":   d.Name,
		"org.opencontainers.image.source":  "https://github.com/arc-crossplane/provider-github-arc",
		"org.opencontainers.image.version": in.Version,
	}
	if d.Description != "" {
		cfg.Config.Labels["org.opencontainers.image.description"] = d.Description
	}
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errImage, err)
	}
	return img, nil
}

type file struct {
	path    string
	mode    int64
	dir     bool
	content []byte
}

// layer writes files into an uncompressed tar owned by root with a fixed
// modification time, and makes it a gzip OCI layer.
func layer(mtime time.Time, files []file) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.path, Mode: f.mode, ModTime: mtime, Format: tar.FormatPAX}
		if f.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(f.content))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("%s %s: %w", errLayer, path.Clean("/"+f.path), err)
		}
		if !f.dir {
			if _, err := tw.Write(f.content); err != nil {
				return nil, fmt.Errorf("%s %s: %w", errLayer, path.Clean("/"+f.path), err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", errLayer, err)
	}
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errLayer, err)
	}
	return l, nil
}

// sourceDateEpoch is SOURCE_DATE_EPOCH as a time, or the Unix epoch.
func sourceDateEpoch() time.Time {
	if s, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		return time.Unix(s, 0).UTC()
	}
	return time.Unix(0, 0).UTC()
}
