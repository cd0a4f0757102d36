//go:build generate

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

// Code generation for the API types. Run from the module root:
//
//	go generate ./apis/...
//
// go generate sets the generate build tag itself, so it reads this file while
// builds leave it out. Every tool is a tool line of go.mod, so the versions are
// those pinned there. Running it twice gives identical output.

// Remove generated CRDs first, so that a kind that was renamed or removed
// leaves no stale file behind.
//go:generate rm -rf ../package/crds

// Deepcopy methods and CRDs.
//go:generate go tool controller-gen object:headerFile=../hack/boilerplate.go.txt paths=./... crd:crdVersions=v1,allowDangerousTypes=false output:artifacts:config=../package/crds

// Managed resource, provider config and usage method sets
// (resource.ModernManaged, resource.ProviderConfig,
// resource.TypedProviderConfigUsage). The generate tag hides the hand-written
// code that uses these methods, so angryjet can load the packages before it
// has written them.
//go:generate env GOFLAGS=-tags=generate go tool angryjet generate-methodsets --header-file=../hack/boilerplate.go.txt ./...

package apis
