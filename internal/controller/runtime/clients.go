package runtime

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients"
	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
)

const (
	errResolveConfig = "cannot resolve the scale set's provider configuration"
	errActionsClient = "cannot create an Actions Service client"
)

// ActionsClientFor returns a client of the Actions Service with the
// credentials of the provider configuration ref names, as seen from
// namespace.
func ActionsClientFor(ctx context.Context, kube client.Reader, newClient controller.ActionsClientFactory, namespace string, ref v1alpha1.ProviderConfigReference) (actions.Client, error) {
	cfg, err := ResolveConfig(ctx, kube, namespace, ref)
	if err != nil {
		return nil, err
	}
	c, err := newClient(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errActionsClient, err)
	}
	return c, nil
}

// ResolveConfig reads the provider configuration ref names (contract 1).
func ResolveConfig(ctx context.Context, kube client.Reader, namespace string, ref v1alpha1.ProviderConfigReference) (*clients.Config, error) {
	kind := string(ref.Kind)
	if kind == "" {
		kind = string(v1alpha1.ProviderConfigKindCluster)
	}
	cfg, err := clients.ResolveConfig(ctx, kube, namespace, kind, ref.Name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errResolveConfig, err)
	}
	return cfg, nil
}
