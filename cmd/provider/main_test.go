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
	"context"
	"sync"
	"testing"
	"time"

	xpcontroller "github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	actionsv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	"github.com/arc-crossplane/provider-github-arc/internal/controller"
	"github.com/arc-crossplane/provider-github-arc/internal/controller/all"
)

// TestSafeStart starts, against the local cluster, a controller whose CRDs
// are installed and holds back one whose CRD is not.
func TestSafeStart(t *testing.T) {
	env := testenv.Get(t)
	skip := true
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:                 env.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             ctrlconfig.Controller{SkipNameValidation: &skip},
	})
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	started := map[string]bool{}
	record := func(name string) func(ctrl.Manager, controller.Options) error {
		return func(ctrl.Manager, controller.Options) error {
			mu.Lock()
			defer mu.Unlock()
			started[name] = true
			return nil
		}
	}
	cs := []all.Controller{
		{Name: "installed", Setup: record("installed"), Kinds: []schema.GroupVersionKind{
			actionsv1alpha1.RunnerGroupGroupVersionKind, actionsv1alpha1.RunnerScaleSetGroupVersionKind,
			arcv1alpha1.ProviderConfigGroupVersionKind, arcv1alpha1.ClusterProviderConfigGroupVersionKind,
		}},
		{Name: "not-installed", Setup: record("not-installed"), Kinds: []schema.GroupVersionKind{
			actionsv1alpha1.RunnerGroupGroupVersionKind,
			{Group: "missing.arc.crossplane.io", Version: "v1", Kind: "Missing"},
		}},
	}
	o := controller.Options{Options: xpcontroller.Options{Logger: logging.NewNopLogger()}}
	if err := setupControllers(mgr, o, cs, true); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	}()

	testenv.Eventually(t, time.Minute, "controller with installed CRDs started", func(context.Context) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return started["installed"], nil
	})
	mu.Lock()
	defer mu.Unlock()
	if started["not-installed"] {
		t.Errorf("a controller whose CRD is not installed was started")
	}
}
