package listener

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseConfig(t *testing.T) {
	const secret = "ghp_verysecret"
	valid := func(change func(m map[string]any)) []byte {
		m := map[string]any{
			"githubConfigURL": "https://github.example/octo", "scaleSetID": 7, "scaleSetName": "linux",
			"ephemeralRunnerSetNamespace": "ci", "ephemeralRunnerSetName": "linux-abc",
			"minRunners": 1, "maxRunners": 10, "token": secret,
		}
		if change != nil {
			change(m)
		}
		b, _ := json.Marshal(m)
		return b
	}
	type want struct {
		cfg *ListenerConfig
		// errParts must all appear in the error.
		errParts []string
	}
	cases := map[string]struct {
		reason string
		raw    []byte
		want   want
	}{
		"PATWithDefaults": {
			reason: "a PAT config is valid; the addresses and log level take their defaults",
			raw:    valid(nil),
			want: want{cfg: &ListenerConfig{
				GitHubConfigURL: "https://github.example/octo", ScaleSetID: 7, ScaleSetName: "linux",
				EphemeralRunnerSetNamespace: "ci", EphemeralRunnerSetName: "linux-abc",
				MinRunners: 1, MaxRunners: 10, Token: secret,
				MetricsAddr: ":8080", HealthAddr: ":8081", LogLevel: "info",
				MessageBatchWindowMilliseconds: new(400),
			}},
		},
		"App": {
			reason: "App credentials with a client id are valid; given addresses are kept",
			raw: valid(func(m map[string]any) {
				delete(m, "token")
				m["clientID"], m["installationID"], m["privateKey"] = "Iv1.abc", 42, "PEM"
				m["metricsAddr"], m["healthAddr"], m["logLevel"] = "127.0.0.1:9000", ":9001", "debug"
			}),
			want: want{cfg: &ListenerConfig{
				GitHubConfigURL: "https://github.example/octo", ScaleSetID: 7, ScaleSetName: "linux",
				EphemeralRunnerSetNamespace: "ci", EphemeralRunnerSetName: "linux-abc",
				MinRunners: 1, MaxRunners: 10, ClientID: "Iv1.abc", InstallationID: 42, PrivateKey: "PEM",
				MetricsAddr: "127.0.0.1:9000", HealthAddr: ":9001", LogLevel: "debug",
				MessageBatchWindowMilliseconds: new(400),
			}},
		},
		"ZeroMaxRunners": {
			reason: "maxRunners 0 is a valid (paused) scale set",
			raw:    valid(func(m map[string]any) { m["minRunners"], m["maxRunners"] = 0, 0 }),
			want: want{cfg: &ListenerConfig{
				GitHubConfigURL: "https://github.example/octo", ScaleSetID: 7, ScaleSetName: "linux",
				EphemeralRunnerSetNamespace: "ci", EphemeralRunnerSetName: "linux-abc",
				Token: secret, MetricsAddr: ":8080", HealthAddr: ":8081", LogLevel: "info",
				MessageBatchWindowMilliseconds: new(400),
			}},
		},
		"EverythingMissing": {
			reason: "every missing field is named at once",
			raw:    []byte(`{}`),
			want:   want{errParts: []string{errNoConfigURL, errNoScaleSetID, errNoERSName, errNoERSNs, errNoCreds}},
		},
		"MinAboveMax": {
			reason: "minRunners above maxRunners is refused",
			raw:    valid(func(m map[string]any) { m["minRunners"], m["maxRunners"] = 5, 2 }),
			want:   want{errParts: []string{errMaxRunners}},
		},
		"BothCredentials": {
			reason: "a token and App credentials together are ambiguous",
			raw:    valid(func(m map[string]any) { m["appID"] = 3 }),
			want:   want{errParts: []string{errBothCreds}},
		},
		"IncompleteApp": {
			reason: "an App without its private key cannot authenticate",
			raw: valid(func(m map[string]any) {
				delete(m, "token")
				m["appID"], m["installationID"] = 3, 4
			}),
			want: want{errParts: []string{errAppIncomplete}},
		},
		"BadLogLevel": {
			reason: "only info and debug are log levels",
			raw:    valid(func(m map[string]any) { m["logLevel"] = "trace" }),
			want:   want{errParts: []string{errLogLevel}},
		},
		"BatchWindowTooLong": {
			reason: "a batch window over five seconds would hold jobs back",
			raw:    valid(func(m map[string]any) { m["messageBatchWindowMilliseconds"] = 60000 }),
			want:   want{errParts: []string{errBatchWindow}},
		},
		"NegativeBatchWindow": {
			reason: "a negative batch window is refused",
			raw:    valid(func(m map[string]any) { m["messageBatchWindowMilliseconds"] = -1 }),
			want:   want{errParts: []string{errBatchWindow}},
		},
		"SameAddresses": {
			reason: "metrics and health cannot share a port",
			raw:    valid(func(m map[string]any) { m["metricsAddr"], m["healthAddr"] = ":9000", ":9000" }),
			want:   want{errParts: []string{errSameAddr}},
		},
		"WrongType": {
			reason: "a field of the wrong type is named, without quoting the document",
			raw:    valid(func(m map[string]any) { m["scaleSetID"] = "seven" }),
			want:   want{errParts: []string{errParseConfig, `"scaleSetID"`}},
		},
		"NotJSON": {
			reason: "a broken document is refused without quoting it",
			raw:    []byte(`{"token":"` + secret + `",`),
			want:   want{errParts: []string{errParseConfig, "offset"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseConfig(tc.raw)
			if diff := cmp.Diff(tc.want.cfg, got); diff != "" {
				t.Errorf("%s\nParseConfig: -want, +got:\n%s", tc.reason, diff)
			}
			if len(tc.want.errParts) == 0 {
				if err != nil {
					t.Errorf("%s\nParseConfig: unexpected error %v", tc.reason, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("%s\nParseConfig: want an error, got none", tc.reason)
			}
			for _, part := range tc.want.errParts {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("%s\nParseConfig error %q does not mention %q", tc.reason, err, part)
				}
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s\nParseConfig error leaks the token: %q", tc.reason, err)
			}
		})
	}
}

func TestScaleSetLabelsFor(t *testing.T) {
	cases := map[string]struct {
		reason    string
		configURL string
		want      ScaleSetLabels
	}{
		"Organization": {reason: "an org URL names the organization", configURL: "https://github.com/octo", want: ScaleSetLabels{Name: "s", Namespace: "ns", Organization: "octo"}},
		"Repository":   {reason: "a repo URL names organization and repository", configURL: "https://ghes.example/octo/app/", want: ScaleSetLabels{Name: "s", Namespace: "ns", Organization: "octo", Repository: "app"}},
		"Enterprise":   {reason: "an enterprise URL names the enterprise", configURL: "https://github.com/enterprises/big", want: ScaleSetLabels{Name: "s", Namespace: "ns", Enterprise: "big"}},
		"Unparsable":   {reason: "a broken URL leaves the scope labels empty", configURL: "://", want: ScaleSetLabels{Name: "s", Namespace: "ns"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ScaleSetLabelsFor("s", "ns", tc.configURL)); diff != "" {
				t.Errorf("%s\nScaleSetLabelsFor(%q): -want, +got:\n%s", tc.reason, tc.configURL, diff)
			}
		})
	}
}
