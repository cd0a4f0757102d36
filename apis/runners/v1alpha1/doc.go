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

// Package v1alpha1 holds the in-cluster runtime of provider-github-arc in the
// runners.arc.crossplane.io API group: plain Kubernetes kinds, not managed
// resources. An AutoscalingListener runs the listener pod that holds a scale
// set's message session and decides how many runners it needs; it writes that
// number into an EphemeralRunnerSet, which keeps that many EphemeralRunners;
// each EphemeralRunner is one runner pod that runs one job and is gone.
// +kubebuilder:object:generate=true
// +groupName=runners.arc.crossplane.io
// +versionName=v1alpha1
package v1alpha1
