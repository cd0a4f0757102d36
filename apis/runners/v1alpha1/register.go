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

package v1alpha1

import (
	"reflect"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

// Package type metadata.
const (
	Group   = "runners.arc.crossplane.io"
	Version = "v1alpha1"
)

var (
	// SchemeGroupVersion is the group version of every kind in this package.
	SchemeGroupVersion = schema.GroupVersion{Group: Group, Version: Version}

	// SchemeBuilder registers the kinds of this package with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: SchemeGroupVersion}

	// AddToScheme adds the kinds of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// EphemeralRunnerSet type metadata.
var (
	EphemeralRunnerSetKind             = reflect.TypeFor[EphemeralRunnerSet]().Name()
	EphemeralRunnerSetGroupKind        = schema.GroupKind{Group: Group, Kind: EphemeralRunnerSetKind}
	EphemeralRunnerSetGroupVersionKind = SchemeGroupVersion.WithKind(EphemeralRunnerSetKind)
)

// EphemeralRunner type metadata.
var (
	EphemeralRunnerKind             = reflect.TypeFor[EphemeralRunner]().Name()
	EphemeralRunnerGroupKind        = schema.GroupKind{Group: Group, Kind: EphemeralRunnerKind}
	EphemeralRunnerGroupVersionKind = SchemeGroupVersion.WithKind(EphemeralRunnerKind)
)

// AutoscalingListener type metadata.
var (
	AutoscalingListenerKind             = reflect.TypeFor[AutoscalingListener]().Name()
	AutoscalingListenerGroupKind        = schema.GroupKind{Group: Group, Kind: AutoscalingListenerKind}
	AutoscalingListenerGroupVersionKind = SchemeGroupVersion.WithKind(AutoscalingListenerKind)
)

func init() {
	SchemeBuilder.Register(&EphemeralRunnerSet{}, &EphemeralRunnerSetList{})
	SchemeBuilder.Register(&EphemeralRunner{}, &EphemeralRunnerList{})
	SchemeBuilder.Register(&AutoscalingListener{}, &AutoscalingListenerList{})
}
