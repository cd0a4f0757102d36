package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// fieldOwner is the field manager of what the helper applies.
const fieldOwner = client.FieldOwner("provider-github-arc-testenv")

// InstallCRDs applies every CRD in dir (server-side, so a changed CRD is updated in
// place, as a provider upgrade would) and waits until each is Established. A missing
// folder installs nothing: early in a project there may be no CRDs yet.
func (e *Env) InstallCRDs(ctx context.Context, dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	var names []string
	for _, f := range files {
		b, err := os.ReadFile(f) //nolint:gosec // our own repository's files
		if err != nil {
			return err
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(b, crd); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		crd.SetGroupVersionKind(apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"))
		crd.ManagedFields = nil
		if err := e.Client.Patch(ctx, crd, client.Apply, fieldOwner, client.ForceOwnership); err != nil { //nolint:staticcheck // typed apply of a whole object
			return fmt.Errorf("apply %s: %w", crd.Name, err)
		}
		names = append(names, crd.Name)
	}
	for _, n := range names {
		if err := e.waitEstablished(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

func (e *Env) waitEstablished(ctx context.Context, name string) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := e.Client.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil {
			return false, err
		}
		for _, c := range crd.Status.Conditions {
			if c.Type == apiextensionsv1.NamesAccepted && c.Status == apiextensionsv1.ConditionFalse {
				return false, fmt.Errorf("CRD %s: names not accepted: %s", name, c.Message)
			}
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
			last = c.Message
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("CRD %s not established (%s): %w", name, last, err)
	}
	return nil
}
