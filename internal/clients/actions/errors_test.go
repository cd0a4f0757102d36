package actions

import (
	"errors"
	"fmt"
	"testing"

	"github.com/actions/scaleset"
)

// The texts are the errors scaleset v0.4.0 returns, as the simulator makes it
// write them.
func TestIsUnauthorized(t *testing.T) {
	cases := map[string]struct {
		reason string
		err    error
		want   bool
	}{
		"AdminTokenRefused": {
			reason: "An Actions call whose admin token the service no longer accepts.",
			err:    errors.New(`cannot get runner scale set 7: request GET https://h/_actions/t/_apis/runtime/runnerscalesets/7?api-version=6.0-preview failed(status="401 Unauthorized"): unexpected status code: 401: VssUnauthorizedException: expired`),
			want:   true,
		},
		"RegistrationRefused": {
			reason: "GitHub refuses the PAT while the client fetches a registration token.",
			err:    errors.New(`failed to get runner registration token on refresh: request POST https://h/api/v3/orgs/o/actions/runners/registration-token failed(status="401 Unauthorized"): failed to get runner registration token (401 Unauthorized): {"message":"Bad credentials"}`),
			want:   true,
		},
		"QueueTokenRefused": {
			reason: "A refused message-queue token is the session's business, not the client's credentials.",
			err:    fmt.Errorf(`request GET https://h/_mq/x failed(status="401 Unauthorized"): %w: {}`, scaleset.MessageQueueTokenExpiredError),
			want:   false,
		},
		"Forbidden": {
			reason: "A rate limit (403) is no refused credential.",
			err:    errors.New(`request GET https://h/x failed(status="403 Forbidden"): rate limit exceeded`),
			want:   false,
		},
		"StatusInAMessage": {
			reason: "Only the status the library writes counts, not a number in the text.",
			err:    errors.New(`cannot get runner 401: request failed(status="404 Not Found")`),
			want:   false,
		},
		"Nil": {reason: "No error is no refusal.", err: nil, want: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := IsUnauthorized(tc.err); got != tc.want {
				t.Errorf("%s\nIsUnauthorized(%v): want %t, got %t", tc.reason, tc.err, tc.want, got)
			}
		})
	}
}
