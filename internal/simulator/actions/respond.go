package actions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// maxBodyBytes bounds every request body the service reads.
const maxBodyBytes = 1 << 20

// Exception names (PROTOCOL.md §4.2). The client maps errors by substring of
// typeName, so the short name must appear in it.
const (
	exUnauthorized        = "VssUnauthorizedException"
	exArgument            = "ArgumentException"
	exScaleSetNotFound    = "RunnerScaleSetNotFoundException"
	exScaleSetExists      = "RunnerScaleSetExistsException"
	exScaleSetBusy        = "RunnerScaleSetBusyException"
	exRunnerGroupNotFound = "RunnerGroupNotFoundException"
	exSessionConflict     = "RunnerScaleSetSessionConflictException"
	exSessionNotFound     = "RunnerAdminException"
	exAgentExists         = "AgentExistsException"
	exAgentNotFound       = "AgentNotFoundException"
	exJobStillRunning     = "JobStillRunningException"
)

// exceptionNamespace gives the fully qualified .NET type the real service uses.
func exceptionNamespace(typeKey string) string {
	switch typeKey {
	case exAgentExists, exAgentNotFound, exJobStillRunning:
		return "GitHub.DistributedTask.WebApi"
	case exUnauthorized:
		return "GitHub.Services.Common"
	case exArgument:
		return "System"
	default:
		return "GitHub.Actions.Runtime.WebApi"
	}
}

type wireException struct {
	ID             string  `json:"$id"`
	InnerException *string `json:"innerException"`
	Message        string  `json:"message"`
	TypeName       string  `json:"typeName"`
	TypeKey        string  `json:"typeKey"`
	ErrorCode      int     `json:"errorCode"`
	EventID        int     `json:"eventId"`
}

// writeException answers with an Azure DevOps shaped exception body.
func writeException(w http.ResponseWriter, status int, typeKey, format string, args ...any) {
	ns := exceptionNamespace(typeKey)
	writeJSON(w, status, wireException{
		ID:        "1",
		Message:   fmt.Sprintf(format, args...),
		TypeName:  ns + "." + typeKey + ", " + ns,
		TypeKey:   typeKey,
		EventID:   3000,
		ErrorCode: 0,
	})
}

// writeJSON answers with v as JSON and the headers the real service sends.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only our own types are encoded; this is a programming error, but
		// the client must still get a body it can read.
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"message":"cannot encode response","typeName":"System.InvalidOperationException, System"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("ActivityId", uuid.NewString())
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeEmpty answers with status and no body (204, and the 202 of an idle poll).
func writeEmpty(w http.ResponseWriter, status int) {
	w.Header().Set("ActivityId", uuid.NewString())
	w.WriteHeader(status)
}

// errEmptyBody is returned by decodeBody for a request without a body.
var errEmptyBody = errors.New("request body is empty")

// decodeBody reads one JSON value from the request body into v and rejects
// trailing data. An empty body yields errEmptyBody so callers can decide whether
// that is allowed.
func decodeBody(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return fmt.Errorf("cannot read request body: %w", err)
	}
	if len(body) > maxBodyBytes {
		return fmt.Errorf("request body exceeds %d bytes", maxBodyBytes)
	}
	return decodeJSON(body, v)
}

func decodeJSON(body []byte, v any) error {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(body)) == 0 {
		return errEmptyBody
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed JSON body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("malformed JSON body: trailing data after the JSON value")
	}
	return nil
}

// writeAdminError answers an admin (/_sim/) route with a REST-like error body.
func writeAdminError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, map[string]string{"message": fmt.Sprintf(format, args...)})
}

// bearerToken returns the credential of an "Authorization: Bearer x" header.
func bearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
