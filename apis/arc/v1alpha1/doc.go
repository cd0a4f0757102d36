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

// Package v1alpha1 holds the configuration types of provider-github-arc in the
// arc.crossplane.io API group: where GitHub is and how to authenticate to it
// (ProviderConfig, ClusterProviderConfig), and Crossplane's bookkeeping of which
// managed resources use which configuration (ProviderConfigUsage,
// ClusterProviderConfigUsage).
// +kubebuilder:object:generate=true
// +groupName=arc.crossplane.io
// +versionName=v1alpha1
package v1alpha1
