package simulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// maxBodyBytes bounds request bodies; GitHub's own limits are far larger, but no
// request the simulator serves needs more.
const maxBodyBytes = 1 << 20

// decodeBody reads r's JSON body into v the way GitHub answers bad input: malformed
// JSON is 400 "Problems parsing JSON", a value of the wrong type 422 "Invalid
// request.", an empty body or null leaves v untouched, unknown fields are ignored.
func decodeBody(r *http.Request, v any, resource string) *failure {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return &failure{status: http.StatusBadRequest, message: msgProblemsParsing}
	}
	if len(body) > maxBodyBytes {
		return &failure{status: http.StatusRequestEntityTooLarge, message: "Payload too big"}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil
	}
	if trimmed[0] != '{' {
		if !json.Valid(trimmed) {
			return &failure{status: http.StatusBadRequest, message: msgProblemsParsing}
		}
		return &failure{status: http.StatusUnprocessableEntity, message: msgInvalidRequest + "\n\nThe request body must be a JSON object.",
			errs: []fieldError{{Resource: resource, Code: codeInvalid, Message: "body must be an object"}}}
	}
	err = json.Unmarshal(trimmed, v)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr):
		return &failure{status: http.StatusUnprocessableEntity,
			message: fmt.Sprintf("%s\n\nFor 'properties/%s', a %s is not a valid value.", msgInvalidRequest, typeErr.Field, typeErr.Value),
			errs:    []fieldError{{Resource: resource, Field: typeErr.Field, Code: codeInvalid}}}
	default:
		return &failure{status: http.StatusBadRequest, message: msgProblemsParsing}
	}
}
