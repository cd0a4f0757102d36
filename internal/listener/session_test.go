package listener

import (
	"errors"
	"fmt"
	"testing"

	"github.com/actions/scaleset"
	"github.com/google/go-cmp/cmp"
)

// The classifiers read the errors as scaleset v0.4.0 words them (status and
// exception name in the text; only the message-queue token error is typed).
func TestSessionErrorClassification(t *testing.T) {
	type class struct{ Conflict, Gone, TokenRefused, Unauthorized, Unusable bool }
	cases := map[string]struct {
		reason string
		err    error
		want   class
	}{
		"Conflict": {
			reason: "another listener holds the scale set",
			err:    errors.New(`failed to create message session: failed to do the session request: request POST https://h/_apis/runtime/runnerscalesets/1/sessions?api-version=6.0-preview failed(status="409 Conflict"): unexpected status code 409 Conflict: GitHub.Actions.Runtime.WebApi.RunnerScaleSetSessionConflictException: busy`),
			want:   class{Conflict: true},
		},
		"SessionGone": {
			reason: "the refresh of a deleted session finds nothing",
			err:    errors.New(`failed to get message: failed to refresh message session: failed to do the session request: request PATCH https://h/sessions/x failed(status="404 Not Found"): unexpected status code 404 Not Found: RunnerAdminException: doesn't exist`),
			want:   class{Gone: true, Unusable: true},
		},
		"TokenRefusedAfterRefresh": {
			reason: "the fresh token is refused too; the 401 status in the text is the queue's, not the credentials'",
			err:    fmt.Errorf(`request GET https://h/_mq/x failed(status="401 Unauthorized"): %w: {}`, scaleset.MessageQueueTokenExpiredError),
			want:   class{TokenRefused: true, Unusable: true},
		},
		"AdminTokenRefused": {
			reason: "the refresh itself is refused: the admin token is dead",
			err:    errors.New(`failed to refresh message session: failed to do the session request: request PATCH https://h/sessions/x failed(status="401 Unauthorized"): unexpected status code 401 Unauthorized: VssUnauthorizedException: expired`),
			want:   class{Unauthorized: true, Unusable: true},
		},
		"BadPAT": {
			reason: "GitHub refuses the PAT while the client registers",
			err:    errors.New(`failed to get runner registration token: {"message":"Bad credentials"}`),
			want:   class{Unauthorized: true, Unusable: true},
		},
		"ServerError": {
			reason: "a 5xx is retried within the session",
			err:    errors.New(`request GET https://h/_mq/x failed(status="503 Service Unavailable"): unexpected status code`),
			want:   class{},
		},
		"Nil": {reason: "no error is no class", want: class{}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := class{
				Conflict: IsSessionConflict(tc.err), Gone: IsSessionGone(tc.err), TokenRefused: IsSessionTokenRefused(tc.err),
				Unauthorized: IsUnauthorized(tc.err), Unusable: IsSessionUnusable(tc.err),
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nclassification: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
