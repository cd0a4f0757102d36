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

// Package apis holds the API types of provider-github-arc, one package per
// group and version, and registers them all with a scheme.
package apis

import (
	"k8s.io/apimachinery/pkg/runtime"

	actionsv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

// AddToSchemes adds the kinds of every group of this provider to a scheme.
var AddToSchemes = runtime.SchemeBuilder{
	arcv1alpha1.SchemeBuilder.AddToScheme,
	actionsv1alpha1.SchemeBuilder.AddToScheme,
	runnersv1alpha1.SchemeBuilder.AddToScheme,
}

// AddToScheme adds the kinds of every group of this provider to s.
func AddToScheme(s *runtime.Scheme) error {
	return AddToSchemes.AddToScheme(s)
}
