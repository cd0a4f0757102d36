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

package config_test

import (
	"context"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/providerconfig"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/config"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/config/providertest"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/runnergroup"
)

func TestMain(m *testing.M) {
	providertest.AddToScheme()
	testenv.Main(m)
}

// TestUsageBlocksDeletion counts the resources that use a ProviderConfig and
// keeps it while one does.
func TestUsageBlocksDeletion(t *testing.T) {
	e := providertest.New(t, config.Setup, runnergroup.Setup)
	e.StartProvider(t)

	pc := &arcv1alpha1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: e.Namespace, Name: providertest.DefaultConfig}}
	e.WaitCondition(t, pc, xpv2.TypeReady, corev1.ConditionTrue)

	rg := &v1alpha1.RunnerGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.Namespace, Name: "user"},
		Spec: v1alpha1.RunnerGroupSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{
				ProviderConfigReference: &xpv2.ProviderConfigReference{Kind: arcv1alpha1.ProviderConfigKind, Name: pc.Name},
			},
			ForProvider: v1alpha1.RunnerGroupParameters{Name: "user"},
		},
	}
	e.Create(t, rg)
	e.WaitReady(t, rg)
	testenv.Eventually(t, providertest.Timeout, "one user counted", func(ctx context.Context) (bool, error) {
		if err := e.Get(ctx, pc); err != nil {
			return false, err
		}
		return pc.Status.Users == 1, nil
	})

	if err := e.Client.Delete(t.Context(), pc); err != nil {
		t.Fatal(err)
	}
	e.WaitCondition(t, pc, providerconfig.TypeTerminating, corev1.ConditionTrue, "usages still exist")

	if err := e.Client.Delete(t.Context(), rg); err != nil {
		t.Fatal(err)
	}
	e.WaitGone(t, rg)
	e.WaitGone(t, pc)
}

// TestSecretFixedLater reports a Secret that lacks a key on the
// ProviderConfig, and clears the report once the Secret is fixed: Secrets are
// read again every poll.
func TestSecretFixedLater(t *testing.T) {
	e := providertest.New(t, config.Setup)
	broken := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.Namespace, Name: "later"},
		StringData: map[string]string{"token": providertest.OrgPAT},
	}
	e.Create(t, broken)
	pc := e.PATProviderConfig("later", "later", e.OrgURL())
	e.Create(t, pc)
	e.StartProvider(t)

	e.WaitCondition(t, pc, xpv2.TypeReady, corev1.ConditionFalse, `has no key "github_token"`)

	if err := e.Get(t.Context(), broken); err != nil {
		t.Fatal(err)
	}
	broken.Data[arcv1alpha1.DefaultTokenKey] = []byte(providertest.OrgPAT)
	if err := e.Client.Update(t.Context(), broken); err != nil {
		t.Fatal(err)
	}
	e.WaitCondition(t, pc, xpv2.TypeReady, corev1.ConditionTrue)
}
