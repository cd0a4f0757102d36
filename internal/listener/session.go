package listener

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/actions/scaleset"
	"github.com/google/uuid"
	"github.com/hashicorp/go-retryablehttp"

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
	// DeleteSession deletes a session of the scale set by id with the
	// credentials of the latest Open; a session already gone is no error.
	// It is for a session of this listener that the credentials it was
	// opened with can no longer delete.
	DeleteSession(ctx context.Context, id uuid.UUID) error
}

const (
	errDeleteSession = "cannot delete message session"
	errNoCreate      = "no session create was sent with the current credentials"
)

// ActionsSessionOpener opens sessions through the provider's Actions client,
// which it builds on first use and again after Reset or an authentication
// failure.
type ActionsSessionOpener struct {
	newClient  func() (*actions.ScalesetClient, error)
	scaleSetID int
	owner      string

	mu     sync.Mutex
	client *actions.ScalesetClient
	// lastCreate is the latest session create the client sent.
	lastCreate *sentCreate
}

// sentCreate is a session create as it went out: the sessions URL of the
// scale set, the admin token in the Authorization header, and the HTTP client
// that sent it (trusting the service's CA).
//
// The library keeps its admin token private and can delete a session only
// through the session client that created it, with the token of that
// creation. A session whose token the service revoked is beyond its reach, so
// the opener sends that one admin call itself, with what its latest create
// carried.
type sentCreate struct {
	sessionsURL url.URL
	header      http.Header
	client      *http.Client
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
	httpClient, sent := sessionHTTPClient()
	s, err := o.client.MessageSessionClient(ctx, o.scaleSetID, o.owner, scaleset.WithRetryableHTTPClint(httpClient))
	if c := sent.Load(); c != nil {
		c.client = httpClient.StandardClient()
		o.lastCreate = c
	}
	if err != nil {
		if IsUnauthorized(err) {
			// The library refreshes its admin token only when it is about
			// to expire by its own clock; a token the service revoked
			// early stays dead in that client.
			o.client, o.lastCreate = nil, nil
		}
		return nil, err
	}
	return s, nil
}

// sessionHTTPClient returns the HTTP client of one session, with the library's
// default retry policy (the listener's Actions client sets none), and where
// the session's create request will be kept once it was sent.
func sessionHTTPClient() (*retryablehttp.Client, *atomic.Pointer[sentCreate]) {
	var sent atomic.Pointer[sentCreate]
	c := retryablehttp.NewClient()
	c.RequestLogHook = func(_ retryablehttp.Logger, req *http.Request, _ int) {
		if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/sessions") {
			sent.Store(&sentCreate{sessionsURL: *req.URL, header: http.Header{
				"Authorization": {req.Header.Get("Authorization")},
				"User-Agent":    {req.Header.Get("User-Agent")},
			}})
		}
	}
	return c, &sent
}

// Reset implements SessionOpener.
func (o *ActionsSessionOpener) Reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.client, o.lastCreate = nil, nil
}

// DeleteSession implements SessionOpener: the admin DELETE of the session,
// with the token of the latest create. A refused token makes the next Open
// authenticate anew.
func (o *ActionsSessionOpener) DeleteSession(ctx context.Context, id uuid.UUID) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.lastCreate
	if c == nil {
		return fmt.Errorf("%s %s: %s", errDeleteSession, id, errNoCreate)
	}
	u := c.sessionsURL
	u.Path += "/" + id.String()
	u.RawPath = ""
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, u.String(), nil)
	if err != nil {
		return fmt.Errorf("%s %s: %w", errDeleteSession, id, err)
	}
	req.Header = c.header.Clone()
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", errDeleteSession, id, err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	switch resp.StatusCode {
	case http.StatusNoContent, http.StatusNotFound:
		return nil
	case http.StatusUnauthorized:
		o.client, o.lastCreate = nil, nil
	}
	// The status as the library words it, for the classifiers.
	return fmt.Errorf("%s %s: status=%q", errDeleteSession, id, resp.Status)
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
	return actions.IsUnauthorized(err)
}

// hasStatus finds the status the scaleset library writes into its errors as
// status="409 Conflict".
func hasStatus(err error, code int) bool {
	return strings.Contains(err.Error(), fmt.Sprintf(`status="%d `, code))
}
