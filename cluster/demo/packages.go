package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/cluster/crossplane"
)

// The packages as the platform installs them: from ghcr.io/arc-crossplane, which the
// local world's ImageConfig rewrites to its registry.
const (
	PackagePrefix        = "ghcr.io/arc-crossplane"
	ProviderPackage      = "provider-github-arc"
	FunctionPackage      = "function-github-arc"
	ConfigurationPackage = "configuration-github-arc"
	// PackageVersion is the version make xpkg builds (the Makefile's VERSION).
	PackageVersion = "v0.1.0"
	// RuntimeConfigName is the provider's DeploymentRuntimeConfig in
	// examples/install/runtimeconfig.yaml, and ProviderServiceAccount the
	// ServiceAccount it names, which examples/install/rbac.yaml grants rights.
	RuntimeConfigName      = "provider-github-arc"
	ProviderServiceAccount = "provider-github-arc"
	// ProviderConfigName is the platform's ClusterProviderConfig the teams use.
	ProviderConfigName = "github"
	credentialsSecret  = "github-credentials"
	fieldOwner         = client.FieldOwner("arc-demo")
)

// The names Crossplane gives the packages: their paths without the registry, with /
// as -. The configuration's dependsOn finds the provider installed under its name.
var (
	ProviderName      = dnsLabel(PackagePrefix, ProviderPackage)
	FunctionName      = dnsLabel(PackagePrefix, FunctionPackage)
	ConfigurationName = dnsLabel(PackagePrefix, ConfigurationPackage)
)

const (
	errPackages      = "cannot install the packages"
	errNoPackage     = "no package file: run make xpkg"
	errPush          = "cannot push a package to the registry"
	errApplyFile     = "cannot apply"
	errPlatform      = "cannot create the platform's ClusterProviderConfig"
	errNotHealthy    = "the packages did not become installed and healthy"
	xpkgFolder       = "_output/xpkg"
	installWait      = 5 * time.Minute
	pkgGroup         = "pkg.crossplane.io"
	xrdGroup         = "apiextensions.crossplane.io"
	packageContainer = "package-runtime"
)

func dnsLabel(prefix, name string) string {
	_, path, _ := strings.Cut(prefix+"/"+name, "/")
	return strings.ReplaceAll(path, "/", "-")
}

// PackageRef is a package's reference as the platform writes it.
func PackageRef(name string) string { return PackagePrefix + "/" + name + ":" + PackageVersion }

// installPackages pushes make xpkg's packages to the registry and installs them as a
// platform engineer would: the provider's runtime configuration and rights
// (examples/install), the provider with it, then the configuration, which brings the
// function as its dependency.
func (e *Env) installPackages(ctx context.Context) error {
	cli, err := e.crossplaneCLI(ctx)
	if err != nil {
		return err
	}
	for _, name := range []string{ProviderPackage, FunctionPackage, ConfigurationPackage} {
		file := filepath.Join(e.opts.RepoRoot, xpkgFolder, name+".xpkg")
		if _, err := os.Stat(file); err != nil {
			return fmt.Errorf("%s: %s (%w)", errPackages, errNoPackage, err)
		}
		ref := e.Registry + "/" + strings.SplitN(PackagePrefix, "/", 2)[1] + "/" + name + ":" + PackageVersion
		if err := e.runCLI(ctx, cli, "xpkg", "push", "-f", file, ref); err != nil {
			return fmt.Errorf("%s %s: %w", errPush, ref, err)
		}
	}
	e.opts.progress("pushed the provider, function and configuration packages %s to %s", PackageVersion, e.Registry)

	start := time.Now()
	for _, f := range []string{"examples/install/runtimeconfig.yaml", "examples/install/rbac.yaml"} {
		if err := e.ApplyFile(ctx, filepath.Join(e.opts.RepoRoot, f)); err != nil {
			return err
		}
	}
	if len(e.opts.ProviderArgs) > 0 {
		if err := e.setProviderArgs(ctx, e.opts.ProviderArgs); err != nil {
			return err
		}
	}
	e.opts.progress("installing %s with the runtime configuration %s, then %s", PackageRef(ProviderPackage), RuntimeConfigName, PackageRef(ConfigurationPackage))
	if err := e.installOnce(ctx, cli, "Provider", ProviderName, PackageRef(ProviderPackage), "--runtime-config", RuntimeConfigName); err != nil {
		return err
	}
	if err := e.installOnce(ctx, cli, "Configuration", ConfigurationName, PackageRef(ConfigurationPackage)); err != nil {
		return err
	}
	if err := e.waitPackages(ctx); err != nil {
		return err
	}
	if err := e.checkProviderServiceAccount(ctx); err != nil {
		return err
	}
	e.opts.progress("provider, function and configuration installed and healthy in %s", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// checkProviderServiceAccount fails unless the provider's Deployment runs as the
// ServiceAccount its runtime configuration names, the one examples/install/rbac.yaml
// grants the provider's rights to: under any other, runner pods are never created.
func (e *Env) checkProviderServiceAccount(ctx context.Context) error {
	ds := &appsv1.DeploymentList{}
	if err := e.Kube.List(ctx, ds, client.InNamespace(crossplane.Namespace)); err != nil {
		return fmt.Errorf("%s: %w", errPackages, err)
	}
	found := false
	for _, d := range ds.Items {
		if d.Spec.Template.Labels[pkgGroup+"/provider"] != ProviderName {
			continue
		}
		found = true
		if sa := d.Spec.Template.Spec.ServiceAccountName; sa != ProviderServiceAccount {
			return fmt.Errorf("%s: the provider's Deployment %s runs as ServiceAccount %q, not %q of its runtime configuration %s", errPackages, d.Name, sa, ProviderServiceAccount, RuntimeConfigName)
		}
	}
	if !found {
		return fmt.Errorf("%s: Crossplane made no Deployment for the provider", errPackages)
	}
	return nil
}

// crossplaneCLI is the Crossplane CLI the local world built.
func (e *Env) crossplaneCLI(ctx context.Context) (string, error) {
	if cli := os.Getenv("CROSSPLANE_CLI"); cli != "" {
		return cli, nil
	}
	bin, err := e.script(ctx, "build-binaries.sh", "crossplane")
	if err != nil {
		return "", fmt.Errorf("%s: %w", errPackages, err)
	}
	return filepath.Join(bin, "crossplane"), nil
}

func (e *Env) runCLI(ctx context.Context, cli string, args ...string) error {
	cmd := exec.CommandContext(ctx, cli, args...) //nolint:gosec // the local world's CLI
	cmd.Env = append(os.Environ(), "KUBECONFIG="+e.Cluster.Kubeconfig)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("crossplane %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

// installOnce installs a package with the CLI unless a package of its name is there
// already (a cluster reused from an earlier run).
func (e *Env) installOnce(ctx context.Context, cli, kind, name, ref string, flags ...string) error {
	if _, err := e.Package(ctx, kind, name); err == nil {
		e.opts.progress("%s %s is installed already", kind, name)
		return nil
	}
	args := append([]string{"xpkg", "install", strings.ToLower(kind), ref, name}, flags...)
	if err := e.runCLI(ctx, cli, args...); err != nil {
		return fmt.Errorf("%s: %w", errPackages, err)
	}
	return nil
}

// packageState is a package's Installed and Healthy conditions, for people.
func packageState(u *unstructured.Unstructured) (bool, string) {
	var parts []string
	ok := true
	for _, t := range []string{"Installed", "Healthy"} {
		c := Condition(u, t)
		if c.Status != corev1.ConditionTrue {
			ok = false
		}
		s := fmt.Sprintf("%s=%s", t, c.Status)
		if c.Status != corev1.ConditionTrue && c.Message != "" {
			s += " (" + c.Message + ")"
		}
		parts = append(parts, s)
	}
	return ok, strings.Join(parts, " ")
}

// Conditions are the conditions of an object's status.
func Conditions(u *unstructured.Unstructured) []xpv2.Condition {
	var st xpv2.ConditionedStatus
	if m, ok, _ := unstructured.NestedMap(u.Object, "status"); ok {
		_ = runtime.DefaultUnstructuredConverter.FromUnstructured(m, &st)
	}
	return st.Conditions
}

// Condition is the condition of type t of an object's status; Unknown when it has
// none.
func Condition(u *unstructured.Unstructured, t string) xpv2.Condition {
	for _, c := range Conditions(u) {
		if string(c.Type) == t {
			return c
		}
	}
	return xpv2.Condition{Type: xpv2.ConditionType(t), Status: corev1.ConditionUnknown}
}

// waitPackages waits until the provider, the function and the configuration are
// installed and healthy and both XRDs are established, saying what changes.
func (e *Env) waitPackages(ctx context.Context) error {
	pkgs := []struct{ kind, name string }{
		{"Provider", ProviderName}, {"Function", FunctionName}, {"Configuration", ConfigurationName},
	}
	last := map[string]string{}
	var why string
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, installWait, true, func(ctx context.Context) (bool, error) {
		done := true
		for _, p := range pkgs {
			state := "not created yet"
			ok := false
			if u, err := e.Package(ctx, p.kind, p.name); err == nil {
				ok, state = packageState(u)
			}
			if last[p.name] != state {
				e.opts.progress("  %s %s: %s", p.kind, p.name, state)
				last[p.name] = state
			}
			if !ok {
				done, why = false, p.kind+" "+p.name+": "+state
			}
		}
		if !done {
			return false, nil
		}
		for _, xrd := range []string{"autoscalingrunnersets.platform.arc.crossplane.io", "xautoscalingrunnersets.platform.arc.crossplane.io"} {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(schema.GroupVersionKind{Group: xrdGroup, Version: "v1", Kind: "CompositeResourceDefinition"})
			if err := e.Kube.Get(ctx, client.ObjectKey{Name: xrd}, u); err != nil {
				why = "XRD " + xrd + ": " + err.Error()
				return false, nil
			}
			if c := Condition(u, "Established"); c.Status != corev1.ConditionTrue {
				why = "XRD " + xrd + " is not established yet"
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("%s within %s (%s): %w", errNotHealthy, installWait, why, err)
	}
	return nil
}

// setProviderArgs adds args to the provider's container through its
// DeploymentRuntimeConfig.
func (e *Env) setProviderArgs(ctx context.Context, args []string) error {
	var list []any
	for _, a := range args {
		list = append(list, a)
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": pkgGroup + "/v1beta1", "kind": "DeploymentRuntimeConfig",
		"metadata": map[string]any{"name": RuntimeConfigName},
		"spec": map[string]any{"deploymentTemplate": map[string]any{"spec": map[string]any{
			"selector": map[string]any{},
			"template": map[string]any{"spec": map[string]any{"containers": []any{
				map[string]any{"name": packageContainer, "args": list},
			}}},
		}}},
	}}
	// A field manager of its own: applied as fieldOwner, this object would drop
	// the ServiceAccount name that the same manager applied from the file.
	if err := e.Kube.Patch(ctx, u, client.Apply, client.FieldOwner("arc-demo-provider-args"), client.ForceOwnership); err != nil { //nolint:staticcheck // a partial object, on purpose
		return fmt.Errorf("%s the provider's args: %w", errApplyFile, err)
	}
	return nil
}

// ApplyFile applies every object of a YAML file, as kubectl apply --server-side
// would, retrying while their kinds are not served yet.
func (e *Env) ApplyFile(ctx context.Context, path string) error {
	raw, err := os.ReadFile(path) //nolint:gosec // the repository's files
	if err != nil {
		return fmt.Errorf("%s %s: %w", errApplyFile, path, err)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("%s %s: %w", errApplyFile, path, err)
		}
		if len(u.Object) == 0 {
			continue
		}
		if err := e.apply(ctx, u); err != nil {
			return fmt.Errorf("%s %s: %w", errApplyFile, path, err)
		}
	}
}

// apply server-side applies u, retrying for a minute while its kind is not served.
func (e *Env) apply(ctx context.Context, u *unstructured.Unstructured) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		last = e.Kube.Patch(ctx, u.DeepCopy(), client.Apply, fieldOwner, client.ForceOwnership) //nolint:staticcheck // a whole object
		if last != nil && (meta.IsNoMatchError(last) || kerrors.IsNotFound(last)) {
			return false, nil
		}
		return true, last
	})
	if err != nil && last != nil {
		return fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), last)
	}
	return err
}

// createPlatformConfig creates the platform's credentials Secret in Crossplane's
// namespace and the ClusterProviderConfig every team's composite names.
func (e *Env) createPlatformConfig(ctx context.Context) error {
	sec := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Namespace: crossplane.Namespace, Name: credentialsSecret},
		Data:       map[string][]byte{arcv1alpha1.DefaultTokenKey: []byte(PAT)},
	}
	cpc := &arcv1alpha1.ClusterProviderConfig{
		TypeMeta:   metav1.TypeMeta{APIVersion: arcv1alpha1.SchemeGroupVersion.String(), Kind: arcv1alpha1.ClusterProviderConfigKind},
		ObjectMeta: metav1.ObjectMeta{Name: ProviderConfigName},
		Spec: arcv1alpha1.ClusterProviderConfigSpec{
			GitHubConfigURL: arcv1alpha1.GitHubConfigURL(e.OrgURL()),
			Credentials: arcv1alpha1.ClusterCredentials{
				Source: arcv1alpha1.CredentialsSourceSecret, Type: arcv1alpha1.CredentialsTypePAT,
				SecretRef: xpv2.SecretReference{Namespace: crossplane.Namespace, Name: credentialsSecret},
			},
			CABundle: &arcv1alpha1.ClusterCABundle{PEM: arcv1alpha1.PEMBundle(e.Sim.CACertPEM)},
		},
	}
	for _, o := range []client.Object{sec, cpc} {
		u, err := toUnstructured(o)
		if err != nil {
			return fmt.Errorf("%s: %w", errPlatform, err)
		}
		if err := e.apply(ctx, u); err != nil {
			return fmt.Errorf("%s: %w", errPlatform, err)
		}
	}
	e.opts.progress("the platform's ClusterProviderConfig %q: organization %s, a PAT in Secret %s/%s", ProviderConfigName, Org, crossplane.Namespace, credentialsSecret)
	return nil
}

// BuildAndPush builds the package whose crossplane.yaml (and objects) are in root
// with the Crossplane CLI and pushes it to the registry as
// ghcr.io/arc-crossplane/NAME:VERSION, which is the reference it returns.
func (e *Env) BuildAndPush(ctx context.Context, root, name, version string) (string, error) {
	cli, err := e.crossplaneCLI(ctx)
	if err != nil {
		return "", err
	}
	file := filepath.Join(e.opts.WorkDir, name+"-"+version+".xpkg")
	if err := e.runCLI(ctx, cli, "xpkg", "build", "--package-root", root, "--examples-root", filepath.Join(root, "no-examples"), "--package-file", file); err != nil {
		return "", err
	}
	ref := e.Registry + "/" + strings.SplitN(PackagePrefix, "/", 2)[1] + "/" + name + ":" + version
	if err := e.runCLI(ctx, cli, "xpkg", "push", "-f", file, ref); err != nil {
		return "", fmt.Errorf("%s %s: %w", errPush, ref, err)
	}
	return PackagePrefix + "/" + name + ":" + version, nil
}

// Package reads an installed package (kind Provider, Function or Configuration).
func (e *Env) Package(ctx context.Context, kind, name string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: pkgGroup, Version: "v1", Kind: kind})
	err := e.Kube.Get(ctx, client.ObjectKey{Name: name}, u)
	return u, err
}
