package listener

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/actions/scaleset"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
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

// DeleteSession sends the admin DELETE of the session with what the latest
// create carried, counts a session already gone as deleted, and makes the
// opener authenticate anew when the token is refused.
func TestActionsSessionOpenerDeleteSession(t *testing.T) {
	id := uuid.MustParse("6f1c0c5e-5d3b-4a43-9a8b-1a2b3c4d5e6f")
	cases := map[string]struct {
		reason           string
		status           int
		wantErr          bool
		wantUnauthorized bool
		wantReset        bool
	}{
		"Deleted":      {reason: "the service deleted the session", status: http.StatusNoContent},
		"AlreadyGone":  {reason: "the service ended the session already: nothing left to delete", status: http.StatusNotFound},
		"TokenRefused": {reason: "a refused token is reported as such and dropped", status: http.StatusUnauthorized, wantErr: true, wantUnauthorized: true, wantReset: true},
		"Conflict":     {reason: "any other status is an error that keeps the credentials", status: http.StatusConflict, wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = fmt.Sprintf("%s %s?%s %s", r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"))
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			sessions, err := url.Parse(srv.URL + "/_actions/t-1/_apis/runtime/runnerscalesets/7/sessions?api-version=6.0-preview")
			if err != nil {
				t.Fatal(err)
			}
			o := NewActionsSessionOpener(nil, 7, "pod")
			o.lastCreate = &sentCreate{sessionsURL: *sessions, header: http.Header{"Authorization": {"Bearer fresh"}}, client: srv.Client()}

			err = o.DeleteSession(t.Context(), id)
			if (err != nil) != tc.wantErr || IsUnauthorized(err) != tc.wantUnauthorized {
				t.Errorf("%s\nDeleteSession: want error %t (unauthorized %t), got %v", tc.reason, tc.wantErr, tc.wantUnauthorized, err)
			}
			want := "DELETE /_actions/t-1/_apis/runtime/runnerscalesets/7/sessions/" + id.String() + "?api-version=6.0-preview Bearer fresh"
			if got != want {
				t.Errorf("%s\nrequest: want %q, got %q", tc.reason, want, got)
			}
			if reset := o.lastCreate == nil; reset != tc.wantReset {
				t.Errorf("%s\ncredentials dropped: want %t, got %t", tc.reason, tc.wantReset, reset)
			}
		})
	}
}

// Without a create sent with the current credentials there is no token to
// delete with: an error, never a request without one.
func TestActionsSessionOpenerDeleteSessionNeedsACreate(t *testing.T) {
	o := NewActionsSessionOpener(nil, 7, "pod")
	if err := o.DeleteSession(t.Context(), uuid.New()); err == nil {
		t.Errorf("DeleteSession before any create: want an error, got none")
	}
}
