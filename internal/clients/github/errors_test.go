package github

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-cmp/cmp"
	gh "github.com/google/go-github/v90/github"
)

func TestErrorHelpers(t *testing.T) {
	resp := func(status int) *http.Response { return &http.Response{StatusCode: status, Header: http.Header{}} }
	retry := 5 * time.Second
	type want struct {
		NotFound, AlreadyExists, RateLimited bool
	}
	cases := map[string]struct {
		reason string
		err    error
		want   want
	}{
		"Nil":             {reason: "No error is nothing.", err: nil},
		"Plain":           {reason: "A plain error is nothing.", err: errors.New("boom")},
		"404":             {reason: "GitHub's 404.", err: fmt.Errorf("wrapped: %w", &gh.ErrorResponse{Response: resp(404), Message: "Not Found"}), want: want{NotFound: true}},
		"OwnNotFound":     {reason: "A failed lookup by name.", err: &NotFoundError{What: "x"}, want: want{NotFound: true}},
		"InstallToken404": {reason: "ghinstallation's error for an unknown installation.", err: &ghinstallation.HTTPError{Response: resp(404)}, want: want{NotFound: true}},
		"AlreadyExists":   {reason: "422 with already_exists.", err: &gh.ErrorResponse{Response: resp(422), Errors: []gh.Error{{Code: "already_exists"}}}, want: want{AlreadyExists: true}},
		"OtherInvalid":    {reason: "422 for another reason is not a name conflict.", err: &gh.ErrorResponse{Response: resp(422), Errors: []gh.Error{{Code: "invalid"}}}},
		"Conflict":        {reason: "409 is a conflict.", err: &gh.ErrorResponse{Response: resp(409)}, want: want{AlreadyExists: true}},
		"Primary":         {reason: "go-github's primary rate-limit error.", err: &gh.RateLimitError{Response: resp(403)}, want: want{RateLimited: true}},
		"Secondary":       {reason: "go-github's secondary rate-limit error.", err: &gh.AbuseRateLimitError{Response: resp(403), RetryAfter: &retry}, want: want{RateLimited: true}},
		"429":             {reason: "A bare 429.", err: &gh.ErrorResponse{Response: resp(429)}, want: want{RateLimited: true}},
		"403":             {reason: "A bare 403 is not a rate limit.", err: &gh.ErrorResponse{Response: resp(403)}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := want{NotFound: IsNotFound(tc.err), AlreadyExists: IsAlreadyExists(tc.err), RateLimited: IsRateLimited(tc.err)}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}
