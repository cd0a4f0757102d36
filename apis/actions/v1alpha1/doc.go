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

// Package v1alpha1 holds the managed resources of provider-github-arc in the
// actions.arc.crossplane.io API group: objects that live at GitHub, reconciled
// by crossplane-runtime's managed reconciler. A RunnerGroup is an organization
// or enterprise runner group; a RunnerScaleSet is a runner scale set in the
// GitHub Actions service. Both are namespaced and their external name is
// GitHub's numeric id.
// +kubebuilder:object:generate=true
// +groupName=actions.arc.crossplane.io
// +versionName=v1alpha1
package v1alpha1
