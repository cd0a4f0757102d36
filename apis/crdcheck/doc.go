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

// Package crdcheck checks the generated CRDs in package/crds the way
// kube-apiserver does, without a cluster: each CRD must pass the API server's
// own CRD validation (CEL rules compile and stay within the cost limits), and
// the objects in testdata/cases.yaml must be accepted or rejected with the
// messages they list, after the API server's defaulting, OpenAPI, list-type
// and CEL validation.
//
// It is a module of its own so that the API server's validation libraries do
// not become dependencies of the provider. Run it with
//
//	cd apis/crdcheck && go test ./...
package crdcheck
