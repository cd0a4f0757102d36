package github

import (
	"errors"
	"net/http"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v90/github"
)

const codeAlreadyExists = "already_exists"

// NotFoundError is returned when a lookup that GitHub cannot do itself (by name)
// finds nothing.
type NotFoundError struct {
	What string
}

func (e *NotFoundError) Error() string { return e.What + " not found" }

// IsNotFound tells whether err means the object does not exist: GitHub's 404, or a
// failed lookup by name.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return true
	}
	return statusOf(err) == http.StatusNotFound
}

// IsAlreadyExists tells whether err is GitHub's answer to a name that is taken: a 422
// (or 409) whose validation errors carry the code already_exists.
func IsAlreadyExists(err error) bool {
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return false
	}
	if er.Response.StatusCode == http.StatusConflict {
		return true
	}
	if er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, e := range er.Errors {
		if e.Code == codeAlreadyExists {
			return true
		}
	}
	return false
}

// IsRateLimited tells whether err is a primary or secondary rate limit, or any 429.
func IsRateLimited(err error) bool {
	var rle *gh.RateLimitError
	var abuse *gh.AbuseRateLimitError
	return errors.As(err, &rle) || errors.As(err, &abuse) || statusOf(err) == http.StatusTooManyRequests
}

// RetryAfter tells how long to wait before calling again after a rate-limit error:
// until the primary limit's reset, or the secondary limit's Retry-After.
func RetryAfter(err error) (time.Duration, bool) {
	var rle *gh.RateLimitError
	if errors.As(err, &rle) && !rle.Rate.Reset.IsZero() {
		return max(time.Until(rle.Rate.Reset.Time), 0), true
	}
	var abuse *gh.AbuseRateLimitError
	if errors.As(err, &abuse) && abuse.RetryAfter != nil {
		return *abuse.RetryAfter, true
	}
	return 0, false
}

// statusOf is the HTTP status behind err: go-github's error types, or ghinstallation's
// when minting an installation token failed; 0 when there is none.
func statusOf(err error) int {
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	var he *ghinstallation.HTTPError
	if errors.As(err, &he) && he.Response != nil {
		return he.Response.StatusCode
	}
	return 0
}
