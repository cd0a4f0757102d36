package simulator_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
)

// A call is in the counters by the time its client has the whole answer, even
// while the handler that gave it has not returned: a client that counts calls
// right after its last response must see it (a paginated list once counted
// one page of its two).
func TestCallCountedBeforeTheAnswerArrives(t *testing.T) {
	srv := startSimulator(t, simulator.Options{Setup: standardSetup(t)})
	const pattern = "GET /test/answered-then-held"
	release := make(chan struct{})
	returned := make(chan struct{})
	srv.HandleForTest(pattern, func(w http.ResponseWriter, _ *http.Request) {
		defer close(returned)
		w.Header().Set("Content-Length", "2")
		_, _ = w.Write([]byte("ok"))
		w.(http.Flusher).Flush()
		<-release
	})

	client := &http.Client{Transport: transport(t, srv)}
	resp, err := client.Get(srv.URL + "/test/answered-then-held")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || string(body) != "ok" {
		t.Fatalf("answer %q (%v), want ok", body, err)
	}
	got := srv.Counters().Status(pattern, http.StatusOK)
	close(release)
	<-returned
	if got != 1 {
		t.Errorf("200s of %s counted once the answer was read: %d, want 1", pattern, got)
	}
}
