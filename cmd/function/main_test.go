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
	"strings"
	"testing"
)

// The function refuses to serve without TLS unless told to: in a cluster
// Crossplane talks to it over mTLS, and plain gRPC there would be a mistake.
func TestRunRefusesToServeWithoutTLS(t *testing.T) {
	t.Setenv("TLS_SERVER_CERTS_DIR", "")
	cases := map[string]struct {
		reason string
		args   []string
		want   string
	}{
		"NoCertificates": {
			reason: "Without certificates and without --insecure there is nothing safe to serve with.",
			args:   []string{"--address=127.0.0.1:0"},
			want:   errNoTLS,
		},
		"UnknownFlag": {
			reason: "A mistyped flag is an error, not ignored.",
			args:   []string{"--insecur"},
			want:   "flag provided but not defined: -insecur",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := run(tc.args)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s\nrun(%v): got %v, want an error containing %q", tc.reason, tc.args, err, tc.want)
			}
		})
	}
}
