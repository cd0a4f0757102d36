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

// Package packaging_test checks the packages of package/ with the real
// Crossplane CLI: `crossplane composition render` of every example composite
// (and the claim) with the function running from source, compared with the
// golden files in examples/teams/golden, and `crossplane resource validate`
// of the examples and the rendered resources against the package CRDs and
// XRDs.
//
// Run `go test ./package/ -run TestRender -update` to rewrite the golden
// files, and read the diff before committing it.
package packaging_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"sigs.k8s.io/yaml"

	"github.com/arc-crossplane/provider-github-arc/internal/function"
)

var update = flag.Bool("update", false, "rewrite the golden files of examples/teams/golden")

const (
	repoRoot            = ".."
	teams               = repoRoot + "/examples/teams"
	goldenDir           = teams + "/golden"
	functionsFile       = teams + "/functions.yaml"
	namespacedXRD       = "configuration/apis/autoscalingrunnerset/definition.yaml"
	namespacedComp      = "configuration/apis/autoscalingrunnerset/composition.yaml"
	legacyXRD           = "configuration/apis/xautoscalingrunnerset/definition.yaml"
	legacyComp          = "configuration/apis/xautoscalingrunnerset/composition.yaml"
	developmentTarget   = "render.crossplane.io/runtime-development-target"
	cliTimeout          = 2 * time.Minute
	legacyCompositeName = "team-c-x7k2p"
)

// crossplaneCLI is the Crossplane CLI: $CROSSPLANE_CLI, or the one
// cluster/build-binaries.sh crossplane builds.
func crossplaneCLI(t *testing.T) string {
	t.Helper()
	p := os.Getenv("CROSSPLANE_CLI")
	if p == "" {
		home, _ := os.UserHomeDir()
		cache := os.Getenv("ARC_CACHE_DIR")
		if cache == "" {
			cache = filepath.Join(home, ".cache", "provider-github-arc")
		}
		p = filepath.Join(cache, "bin", "current", "crossplane")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the Crossplane CLI is missing (%v): build it with `cluster/build-binaries.sh crossplane` (or `make xpkg`), or set CROSSPLANE_CLI", err)
	}
	return p
}

// crossplaneCore is Crossplane core, which render runs as its engine
// (`crossplane internal render`) instead of a Docker image: $CROSSPLANE_CORE,
// or the one hack/crossplane-core.sh builds (once, then cached).
func crossplaneCore(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CROSSPLANE_CORE"); p != "" {
		return p
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, filepath.Join(repoRoot, "hack", "crossplane-core.sh")).Output()
	if err != nil {
		t.Fatalf("cannot build Crossplane core with hack/crossplane-core.sh (render needs it as its engine): %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// startFunction serves the function from source on a free local port, as
// `go run ./cmd/function --insecure` would, and returns its address.
func startFunction(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("cannot listen for the function: %v", err)
	}
	srv := grpc.NewServer()
	fnv1.RegisterFunctionRunnerServiceServer(srv, function.New(logging.NewNopLogger()))
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

func runCLI(t *testing.T, cli string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, cli, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// The CLI must never reach for the network or a Docker daemon here.
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix:///nonexistent/docker.sock")
	err := cmd.Run()
	if err != nil {
		return stdout.String(), fmt.Errorf("crossplane %s: %w\nstderr:\n%s\nstdout:\n%s", strings.Join(args, " "), err, stderr.String(), stdout.String())
	}
	return stdout.String(), nil
}

// legacyCompositeFromClaim writes the XAutoscalingRunnerSet Crossplane makes
// of examples/teams/claim.yaml: the claim's spec, a generated name and a
// reference back to the claim.
func legacyCompositeFromClaim(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(teams, "claim.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	claim := map[string]any{}
	if err := yaml.Unmarshal(b, &claim); err != nil {
		t.Fatal(err)
	}
	meta, _ := claim["metadata"].(map[string]any)
	spec, _ := claim["spec"].(map[string]any)
	spec["claimRef"] = map[string]any{
		"apiVersion": claim["apiVersion"], "kind": claim["kind"],
		"name": meta["name"], "namespace": meta["namespace"],
	}
	xr := map[string]any{
		"apiVersion": "platform.arc.crossplane.io/v1alpha1",
		"kind":       "XAutoscalingRunnerSet",
		"metadata": map[string]any{
			"name": legacyCompositeName,
			"labels": map[string]any{
				"crossplane.io/claim-name":      meta["name"],
				"crossplane.io/claim-namespace": meta["namespace"],
			},
		},
		"spec": spec,
	}
	out, err := yaml.Marshal(xr)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "xautoscalingrunnerset-team-c.yaml")
	if err := os.WriteFile(p, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type renderCase struct {
	reason      string
	xr          string
	composition string
	xrd         string
	observed    string
}

func renderCases(t *testing.T) map[string]renderCase {
	legacyXR := legacyCompositeFromClaim(t)
	team := func(f string) string { return filepath.Join(teams, f) }
	observed := func(f string) string { return filepath.Join(teams, "observed", f) }
	return map[string]renderCase{
		"team-a-1-new": {
			reason: "A new pool with a group of its own: only the group, until GitHub gave it an id.",
			xr:     team("team-a.yaml"), composition: namespacedComp, xrd: namespacedXRD,
		},
		"team-a-2-group-ready": {
			reason: "The group's id 42 flows into the scale set; no listener without a scale set id.",
			xr:     team("team-a.yaml"), composition: namespacedComp, xrd: namespacedXRD,
			observed: observed("team-a/1-group-ready.yaml"),
		},
		"team-a-3-scale-set-ready": {
			reason: "The scale set's id 7 flows into the runner set and the listener.",
			xr:     team("team-a.yaml"), composition: namespacedComp, xrd: namespacedXRD,
			observed: observed("team-a/2-scale-set-ready.yaml"),
		},
		"team-a-4-running": {
			reason: "In service: everything ready, runner counts in the status, no replicas in the desired runner set.",
			xr:     team("team-a.yaml"), composition: namespacedComp, xrd: namespacedXRD,
			observed: observed("team-a/3-running.yaml"),
		},
		"team-b-1-new": {
			reason: "A pool in an existing group starts with its scale set.",
			xr:     team("team-b.yaml"), composition: namespacedComp, xrd: namespacedXRD,
		},
		"team-b-2-running": {
			reason: "dind mode renders ARC's Docker sidecar layout.",
			xr:     team("team-b.yaml"), composition: namespacedComp, xrd: namespacedXRD,
			observed: observed("team-b/1-running.yaml"),
		},
		"team-b-gpu-1-scale-set-ready": {
			reason: "A full pod template is passed through; the pending listener keeps the composite unready.",
			xr:     team("team-b-gpu.yaml"), composition: namespacedComp, xrd: namespacedXRD,
			observed: observed("team-b-gpu/1-scale-set-ready.yaml"),
		},
		"team-c-claim-1-new": {
			reason: "The claim's composite composes into the claim's namespace, named after the claim.",
			xr:     legacyXR, composition: legacyComp, xrd: legacyXRD,
		},
		"team-c-claim-2-running": {
			reason: "kubernetes mode renders the container hooks layout.",
			xr:     legacyXR, composition: legacyComp, xrd: legacyXRD,
			observed: observed("team-c/1-running.yaml"),
		},
	}
}

func render(t *testing.T, cli, core, addr string, tc renderCase) string {
	t.Helper()
	args := []string{
		"composition", "render", tc.xr, tc.composition, functionsFile,
		"--crossplane-binary", core,
		"--function-annotations", developmentTarget + "=" + addr,
		"--xrd", tc.xrd,
		"--include-function-results",
	}
	if tc.observed != "" {
		args = append(args, "--observed-resources", tc.observed)
	}
	out, err := runCLI(t, cli, args...)
	if err != nil {
		t.Fatalf("%s\n%v", tc.reason, err)
	}
	return sortResults(out)
}

// sortResults sorts the Result documents of a render's output. Crossplane
// emits one "not yet ready" result per composed resource in map order, so
// their order changes from run to run; the resources themselves come sorted.
func sortResults(out string) string {
	docs := strings.Split(out, "---\n")
	var resources, results []string
	for _, d := range docs {
		if strings.TrimSpace(d) == "" {
			continue
		}
		if strings.Contains(d, "\nkind: Result\n") {
			results = append(results, d)
			continue
		}
		resources = append(resources, d)
	}
	slices.Sort(results)
	return "---\n" + strings.Join(append(resources, results...), "---\n")
}

func TestRender(t *testing.T) {
	cli, core, addr := crossplaneCLI(t), crossplaneCore(t), startFunction(t)
	for name, tc := range renderCases(t) {
		t.Run(name, func(t *testing.T) {
			got := render(t, cli, core, addr, tc)
			golden := filepath.Join(goldenDir, name+".yaml")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o600); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run `go test ./package/ -run TestRender -update` to write it, then read it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s\ncrossplane composition render: -%s, +got:\n%s", tc.reason, golden, diff)
			}
		})
	}
}

// TestRenderReportsBadInput: a spec the function cannot render makes the
// pipeline fatal, and the message names the field and what to change. The
// XRD is left out so that its own validation does not catch it first, as for
// a composite written before a stricter XRD revision.
func TestRenderReportsBadInput(t *testing.T) {
	cli, core, addr := crossplaneCLI(t), crossplaneCore(t), startFunction(t)
	xr := filepath.Join(t.TempDir(), "bad.yaml")
	bad := `apiVersion: platform.arc.crossplane.io/v1alpha1
kind: AutoscalingRunnerSet
metadata:
  name: bad
  namespace: team-a
spec:
  minRunners: 5
  maxRunners: 2
  runnerGroup:
    name: Default
    create: true
`
	if err := os.WriteFile(xr, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := runCLI(t, cli, "composition", "render", xr, namespacedComp, functionsFile,
		"--crossplane-binary", core, "--function-annotations", developmentTarget+"="+addr)
	if err == nil {
		t.Fatal("render of an invalid composite succeeded")
	}
	for _, want := range []string{
		"the spec of the composite resource is not valid",
		"spec.maxRunners (2) must be greater than or equal to spec.minRunners (5)",
		`spec.runnerGroup.name is "Default" with create: true; the Default group always exists and cannot be created`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("render's error does not say %q:\n%v", want, err)
		}
	}
}
