package simulator

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Documentation URLs GitHub puts into error bodies. The secondary one ends in
// #secondary-rate-limits because that suffix is what go-github (every version since
// v55) uses to recognise an AbuseRateLimitError.
const (
	docRunnerGroups       = "https://docs.github.com/rest/actions/self-hosted-runner-groups"
	docSelfHostedRunners  = "https://docs.github.com/rest/actions/self-hosted-runners"
	docRepos              = "https://docs.github.com/rest/repos/repos"
	docApps               = "https://docs.github.com/rest/apps/apps"
	docREST               = "https://docs.github.com/rest"
	docPrimaryRateLimit   = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
	docSecondaryRateLimit = "https://docs.github.com/rest/overview/resources-in-the-rest-api#secondary-rate-limits"
)

// GitHub's error messages, verbatim where GitHub's are known.
const (
	msgNotFound           = "Not Found"
	msgBadCredentials     = "Bad credentials"
	msgRequiresAuth       = "Requires authentication"
	msgProblemsParsing    = "Problems parsing JSON"
	msgValidationFailed   = "Validation Failed"
	msgInvalidRequest     = "Invalid request."
	msgNotAccessible      = "Resource not accessible by integration"
	msgMustHaveAdmin      = "Must have admin rights to Repository."
	msgServerError        = "Server Error"
	msgSecondaryRateLimit = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)

// Validation error codes of GitHub's 422 bodies.
const (
	codeMissingField  = "missing_field"
	codeInvalid       = "invalid"
	codeAlreadyExists = "already_exists"
	codeCustom        = "custom"
)

// apiError is GitHub's REST error body.
type apiError struct {
	Message          string       `json:"message"`
	Errors           []fieldError `json:"errors,omitempty"`
	DocumentationURL string       `json:"documentation_url"`
	Status           string       `json:"status,omitempty"`
}

// fieldError is one entry of a 422 body's errors array.
type fieldError struct {
	Resource string `json:"resource,omitempty"`
	Field    string `json:"field,omitempty"`
	Code     string `json:"code"`
	Message  string `json:"message,omitempty"`
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only the simulator's own types are encoded here; failing is a bug, and a
		// GitHub-shaped 500 is the honest answer.
		status = http.StatusInternalServerError
		body = []byte(`{"message":"Server Error","documentation_url":"https://docs.github.com/rest"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError answers status with GitHub's error body.
func writeError(w http.ResponseWriter, status int, message, doc string, errs ...fieldError) {
	writeJSON(w, status, apiError{Message: message, Errors: errs, DocumentationURL: doc, Status: strconv.Itoa(status)})
}

// writeNoContent answers 204.
func writeNoContent(w http.ResponseWriter) {
	w.WriteHeader(http.StatusNoContent)
}
