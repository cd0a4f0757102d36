package actions

import (
	"errors"
	"fmt"
	"strings"

	"github.com/actions/scaleset"
)

// ErrNotFound is wrapped by every error of a lookup that found nothing.
var ErrNotFound = errors.New("not found")

// The library turns most service errors into opaque errors that carry the
// status and the service's exception typeName in their text; only runner
// errors are typed. These helpers classify both kinds.

// IsNotFound tells whether err says the thing looked up does not exist.
func IsNotFound(err error) bool {
	return err != nil && (errors.Is(err, ErrNotFound) ||
		errors.Is(err, scaleset.RunnerNotFoundError) ||
		hasStatus(err, 404) ||
		strings.Contains(err.Error(), "NotFoundException"))
}

// IsRunnerExists tells whether err says a runner of that name exists already.
func IsRunnerExists(err error) bool {
	return errors.Is(err, scaleset.RunnerExistsError)
}

// IsJobStillRunning tells whether err says the runner still runs a job.
func IsJobStillRunning(err error) bool {
	return errors.Is(err, scaleset.JobStillRunningError)
}

// IsConflict tells whether err is a conflict: a name taken (scale set or
// runner), a second session for a scale set, or a scale set busy with jobs.
func IsConflict(err error) bool {
	return err != nil && (IsRunnerExists(err) || hasStatus(err, 409))
}

// IsUnauthorized tells whether the service refused the client's credentials:
// an Actions call's admin token (401), or the PAT or App token GitHub was
// shown while the client registered. The library renews its admin token only
// by the token's own expiry, never on a 401, so a client that got this error
// keeps getting it: build a new one. A refused message-queue token is not
// this: the session client renews that one itself.
func IsUnauthorized(err error) bool {
	return err != nil && !errors.Is(err, scaleset.MessageQueueTokenExpiredError) &&
		(hasStatus(err, 401) || strings.Contains(err.Error(), "Bad credentials"))
}

// hasStatus finds the status the library writes into its error text as
// status="409 Conflict".
func hasStatus(err error, code int) bool {
	return strings.Contains(err.Error(), fmt.Sprintf(`status="%d `, code))
}

// classifyRunnerGroupError marks the library's "no runner group found" (a 200
// with count 0) as not found.
func classifyRunnerGroupError(err error) error {
	if strings.Contains(err.Error(), "no runner group found") {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}
