package simulator

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeBody(t *testing.T) {
	type want struct {
		Status int
		Errs   []fieldError
		Req    createGroupRequest
	}
	str := func(s string) *string { return &s }
	cases := map[string]struct {
		reason string
		body   string
		want   want
	}{
		"Valid": {
			reason: "Known fields are read, unknown ones ignored, a trailing newline is fine.",
			body:   `{"name":"a","visibility":"all","bogus":[1,2]}` + "\n",
			want:   want{Req: createGroupRequest{Name: str("a"), Visibility: str("all")}},
		},
		"Empty":      {reason: "An empty body decodes to nothing.", body: "", want: want{}},
		"Null":       {reason: "null (ghinstallation's body) decodes to nothing.", body: " null ", want: want{}},
		"Malformed":  {reason: "Broken JSON is 400.", body: `{"name":`, want: want{Status: http.StatusBadRequest}},
		"Trailing":   {reason: "Data after the object is broken JSON.", body: `{"name":"a"} x`, want: want{Status: http.StatusBadRequest}},
		"NotJSON":    {reason: "Text is broken JSON.", body: `hello`, want: want{Status: http.StatusBadRequest}},
		"Array":      {reason: "Valid JSON that is not an object is 422.", body: `[1]`, want: want{Status: http.StatusUnprocessableEntity, Errs: []fieldError{{Resource: "RunnerGroup", Code: codeInvalid, Message: "body must be an object"}}}},
		"WrongType":  {reason: "A number for a string field is 422 naming the field.", body: `{"name":5}`, want: want{Status: http.StatusUnprocessableEntity, Errs: []fieldError{{Resource: "RunnerGroup", Field: "name", Code: codeInvalid}}}},
		"WrongInner": {reason: "A string inside an id list is 422.", body: `{"selected_repository_ids":["x"]}`, want: want{Status: http.StatusUnprocessableEntity, Errs: []fieldError{{Resource: "RunnerGroup", Field: "selected_repository_ids", Code: codeInvalid}}}},
		"Overflow":   {reason: "An id beyond int64 is 422.", body: `{"selected_repository_ids":[1e40]}`, want: want{Status: http.StatusUnprocessableEntity, Errs: []fieldError{{Resource: "RunnerGroup", Field: "selected_repository_ids", Code: codeInvalid}}}},
		"TooLarge":   {reason: "Bodies over 1 MiB are refused.", body: `{"name":"` + strings.Repeat("a", maxBodyBytes) + `"}`, want: want{Status: http.StatusRequestEntityTooLarge}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			var got want
			if f := decodeBody(r, &got.Req, resourceRunnerGroup); f != nil {
				got = want{Status: f.status, Errs: f.errs}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}
