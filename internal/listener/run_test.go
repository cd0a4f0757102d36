package listener

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
)

// The Actions library's own errors (each retried request) are debug detail:
// hidden at the info level, visible at debug without being errors.
func TestLibraryLogsAreDebug(t *testing.T) {
	cases := map[string]struct {
		reason    string
		verbosity int
		want      []string
	}{
		"Info": {
			reason:    "at the info level the library is silent, even its errors",
			verbosity: 0,
			want:      nil,
		},
		"Debug": {
			reason:    "at the debug level its records show, as info lines that keep the original level",
			verbosity: 1,
			want:      []string{`"level"=1 "msg"="request failed" "url"="https://x" "libraryLevel"="ERROR"`, `"level"=1 "msg"="refreshing token"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []string
			sink := funcr.New(func(prefix, args string) { got = append(got, args) }, funcr.Options{Verbosity: tc.verbosity})
			lib := (&ListenerConfig{Token: "t"}).ActionsConfig(sink).Logger
			lib.Error("request failed", slog.String("url", "https://x"))
			lib.Info("refreshing token")
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("%s\nlogged:\n%s\nwant:\n%s", tc.reason, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
	if l := (&ListenerConfig{Token: "t"}).ActionsConfig(logr.Discard()).Logger; l != nil {
		t.Errorf("a discarding logger should leave the library without one, got %v", l)
	}
}
