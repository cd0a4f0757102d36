package listener

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/actions/scaleset"

	"github.com/arc-crossplane/provider-github-arc/internal/clients/actions"
)

// SessionClient is one open message session of the scale set.
// *scaleset.MessageSessionClient implements it; it refreshes an expired
// message-queue token by itself, once per call.
type SessionClient interface {
	GetMessage(ctx context.Context, lastMessageID, maxCapacity int) (*scaleset.RunnerScaleSetMessage, error)
	DeleteMessage(ctx context.Context, messageID int) error
	AcquireJobs(ctx context.Context, requestIDs []int64) ([]int64, error)
	Session() scaleset.RunnerScaleSetSession
	Close(ctx context.Context) error
}

// SessionOpener opens message sessions of the scale set.
type SessionOpener interface {
	// Open creates a session. While another session of the scale set is
	// active it fails with an error for which IsSessionConflict holds.
	Open(ctx context.Context) (SessionClient, error)
	// Reset drops what the opener caches about its credentials, so the
	// next Open authenticates from scratch.
	Reset()
}

// ActionsSessionOpener opens sessions through the provider's Actions client,
// which it builds on first use and again after Reset or an authentication
// failure.
type ActionsSessionOpener struct {
	newClient  func() (*actions.ScalesetClient, error)
	scaleSetID int
	owner      string

	mu     sync.Mutex
	client *actions.ScalesetClient
}

var _ SessionOpener = (*ActionsSessionOpener)(nil)

// NewActionsSessionOpener returns an opener of sessions of scale set
// scaleSetID, owned by owner (the pod's name), with clients from newClient.
func NewActionsSessionOpener(newClient func() (*actions.ScalesetClient, error), scaleSetID int, owner string) *ActionsSessionOpener {
	return &ActionsSessionOpener{newClient: newClient, scaleSetID: scaleSetID, owner: owner}
}

// Open implements SessionOpener.
func (o *ActionsSessionOpener) Open(ctx context.Context) (SessionClient, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.client == nil {
		c, err := o.newClient()
		if err != nil {
			return nil, err
		}
		o.client = c
	}
	s, err := o.client.MessageSessionClient(ctx, o.scaleSetID, o.owner)
	if err != nil {
		if IsUnauthorized(err) {
			// The library refreshes its admin token only when it is about
			// to expire by its own clock; a token the service revoked
			// early stays dead in that client.
			o.client = nil
		}
		return nil, err
	}
	return s, nil
}

// Reset implements SessionOpener.
func (o *ActionsSessionOpener) Reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.client = nil
}

// IsSessionConflict tells whether err says another session of the scale set
// is active.
func IsSessionConflict(err error) bool {
	return err != nil && (hasStatus(err, 409) || strings.Contains(err.Error(), "SessionConflictException"))
}

// IsSessionGone tells whether err says the session no longer exists: its
// refresh found nothing (404), as after the service ended it.
func IsSessionGone(err error) bool {
	return err != nil && actions.IsNotFound(err)
}

// IsSessionTokenRefused tells whether the service refused the session's
// message-queue token even after a refresh gave a new one.
func IsSessionTokenRefused(err error) bool {
	return errors.Is(err, scaleset.MessageQueueTokenExpiredError)
}

// IsSessionUnusable tells whether err ends the session's use: it is gone, its
// token is refused, or the client's credentials are.
func IsSessionUnusable(err error) bool {
	return IsSessionGone(err) || IsSessionTokenRefused(err) || IsUnauthorized(err)
}

// IsUnauthorized tells whether the service refused the client's credentials
// (the admin token of an Actions call, or the PAT or App token on GitHub's
// REST side). A refused message-queue token is IsSessionTokenRefused.
func IsUnauthorized(err error) bool {
	return err != nil && !IsSessionTokenRefused(err) &&
		(hasStatus(err, 401) || strings.Contains(err.Error(), "Bad credentials"))
}

// hasStatus finds the status the scaleset library writes into its errors as
// status="409 Conflict".
func hasStatus(err error, code int) bool {
	return strings.Contains(err.Error(), fmt.Sprintf(`status="%d `, code))
}
