package actions

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/actions/scaleset"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	simactions "github.com/arc-crossplane/provider-github-arc/internal/simulator/actions"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/actions/actionstest"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

// Contract tests: the real scaleset client, through this package, against the
// simulator's Actions Service over HTTPS.

const testTimeout = 30 * time.Second

func newTestClient(t *testing.T, srv *actionstest.Server) *ScalesetClient {
	t.Helper()
	c, err := New(Config{
		ConfigURL: srv.ConfigURL("octo"),
		Token:     actionstest.PAT,
		CABundle:  srv.CAPEM,
		Retry:     &Retry{Max: 0},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func newSimClient(t *testing.T, srv *actionstest.Server) *simclient.Client {
	t.Helper()
	sc, err := simclient.New(srv.URL, srv.CAPEM)
	if err != nil {
		t.Fatalf("simclient.New: %v", err)
	}
	return sc
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func TestRunnerGroupByName(t *testing.T) {
	srv := actionstest.NewServer(t)
	team := srv.Directory.AddGroup("t-octo", "Team Blue")
	c := newTestClient(t, srv)
	ctx := testContext(t)

	cases := map[string]struct {
		reason       string
		name         string
		want         *RunnerGroup
		wantNotFound bool
	}{
		"Default": {
			reason: "The default group is id 1 and says so.",
			name:   "Default",
			want:   &RunnerGroup{ID: 1, Name: "Default", IsDefault: true},
		},
		"NameWithSpaceAnyCase": {
			reason: "The client does not escape the name; the service decodes + as a space and compares case-insensitively.",
			name:   "team blue",
			want:   &RunnerGroup{ID: int(team.ID), Name: "Team Blue"},
		},
		"Unknown": {
			reason:       "A missing group is a 200 with count 0, which this package reports as not found.",
			name:         "nope",
			wantNotFound: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := c.GetRunnerGroupByName(ctx, tc.name)
			if tc.wantNotFound {
				if !IsNotFound(err) {
					t.Fatalf("%s\nGetRunnerGroupByName(%q): want a not-found error, got %v", tc.reason, tc.name, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nGetRunnerGroupByName(%q): %v", tc.reason, tc.name, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nGetRunnerGroupByName(%q): -want, +got:\n%s", tc.reason, tc.name, diff)
			}
		})
	}
}

func TestScaleSetLifecycle(t *testing.T) {
	srv := actionstest.NewServer(t)
	team := srv.Directory.AddGroup("t-octo", "team")
	c := newTestClient(t, srv)
	ctx := testContext(t)
	ignoreServerFields := cmpopts.IgnoreFields(ScaleSet{}, "ID", "CreatedOn", "Statistics")

	created, err := c.CreateScaleSet(ctx, ScaleSetSpec{Name: "linux", RunnerGroupID: 1, Labels: []string{"linux", "x64"}, DisableUpdate: true})
	if err != nil {
		t.Fatalf("CreateScaleSet: %v", err)
	}
	want := &ScaleSet{Name: "linux", RunnerGroupID: 1, RunnerGroupName: "Default", Labels: []string{"linux", "x64"}, DisableUpdate: true}
	if diff := cmp.Diff(want, created, ignoreServerFields); diff != "" {
		t.Errorf("CreateScaleSet: -want, +got:\n%s", diff)
	}
	if created.ID <= 0 {
		t.Errorf("CreateScaleSet: id %d, want > 0", created.ID)
	}

	byName, err := c.GetScaleSet(ctx, 1, "LINUX")
	if err != nil || byName.ID != created.ID {
		t.Fatalf("GetScaleSet(1, LINUX): got %+v, %v; want id %d (names compare case-insensitively)", byName, err, created.ID)
	}
	byID, err := c.GetScaleSetByID(ctx, created.ID)
	if err != nil {
		t.Fatalf("GetScaleSetByID: %v", err)
	}
	if diff := cmp.Diff(want, byID, ignoreServerFields); diff != "" {
		t.Errorf("GetScaleSetByID: -want, +got:\n%s", diff)
	}
	if byID.Statistics == nil {
		t.Errorf("GetScaleSetByID: no statistics")
	}

	if _, err := c.CreateScaleSet(ctx, ScaleSetSpec{Name: "Linux", RunnerGroupID: 1}); !IsConflict(err) {
		t.Errorf("CreateScaleSet(duplicate name): want a conflict, got %v", err)
	}
	if _, err := c.CreateScaleSet(ctx, ScaleSetSpec{Name: "x", RunnerGroupID: 99}); !IsNotFound(err) {
		t.Errorf("CreateScaleSet(unknown group): want not found, got %v", err)
	}

	updated, err := c.UpdateScaleSet(ctx, created.ID, ScaleSetSpec{Name: "linux-2", RunnerGroupID: int(team.ID)})
	if err != nil {
		t.Fatalf("UpdateScaleSet: %v", err)
	}
	wantUpdated := &ScaleSet{Name: "linux-2", RunnerGroupID: int(team.ID), RunnerGroupName: "team", Labels: []string{"linux", "x64"}, DisableUpdate: true}
	if diff := cmp.Diff(wantUpdated, updated, ignoreServerFields); diff != "" {
		t.Errorf("UpdateScaleSet: -want, +got (absent fields stay):\n%s", diff)
	}
	relabeled, err := c.UpdateScaleSet(ctx, created.ID, ScaleSetSpec{Labels: []string{"arm64"}})
	if err != nil {
		t.Fatalf("UpdateScaleSet(labels): %v", err)
	}
	if diff := cmp.Diff([]string{"arm64"}, relabeled.Labels); diff != "" {
		t.Errorf("UpdateScaleSet(labels): -want, +got:\n%s", diff)
	}
	if _, err := c.GetScaleSet(ctx, 1, "linux"); !IsNotFound(err) {
		t.Errorf("GetScaleSet(old name, old group): want not found, got %v", err)
	}

	if err := c.DeleteScaleSet(ctx, created.ID); err != nil {
		t.Fatalf("DeleteScaleSet: %v", err)
	}
	if _, err := c.GetScaleSetByID(ctx, created.ID); !IsNotFound(err) {
		t.Errorf("GetScaleSetByID after delete: want not found, got %v", err)
	}
	if err := c.DeleteScaleSet(ctx, created.ID); !IsNotFound(err) {
		t.Errorf("DeleteScaleSet twice: want not found, got %v", err)
	}
}

// getMessage polls until a message arrives; each poll may end in 202 (nil).
func getMessage(ctx context.Context, t *testing.T, s *scaleset.MessageSessionClient, last int) *scaleset.RunnerScaleSetMessage {
	t.Helper()
	for {
		msg, err := s.GetMessage(ctx, last, 10)
		if err != nil {
			t.Fatalf("GetMessage(%d): %v", last, err)
		}
		if msg != nil {
			if err := s.DeleteMessage(ctx, msg.MessageID); err != nil {
				t.Fatalf("DeleteMessage(%d): %v", msg.MessageID, err)
			}
			return msg
		}
		if ctx.Err() != nil {
			t.Fatalf("GetMessage: no message before the deadline")
		}
	}
}

func TestJobFlowThroughSession(t *testing.T) {
	srv := actionstest.NewServer(t)
	c := newTestClient(t, srv)
	sim := newSimClient(t, srv)
	ctx := testContext(t)

	ss, err := c.CreateScaleSet(ctx, ScaleSetSpec{Name: "flow", RunnerGroupID: 1})
	if err != nil {
		t.Fatalf("CreateScaleSet: %v", err)
	}
	session, err := c.MessageSessionClient(ctx, ss.ID, "listener-a")
	if err != nil {
		t.Fatalf("MessageSessionClient: %v", err)
	}
	if st := session.Session().Statistics; st == nil || *st != (scaleset.RunnerScaleSetStatistic{}) {
		t.Errorf("new session statistics: got %+v, want all zero", st)
	}
	if _, err := c.MessageSessionClient(ctx, ss.ID, "listener-b"); !IsConflict(err) {
		t.Errorf("second session: want a conflict, got %v", err)
	}

	job, err := sim.SubmitJob(ctx, simclient.JobSpec{Repository: "octo/app", Labels: []string{"flow"}, Result: simclient.ResultFailed})
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}

	msg := getMessage(ctx, t, session, 0)
	if len(msg.JobAvailableMessages) != 1 {
		t.Fatalf("first message: want one JobAvailable, got %+v", msg)
	}
	avail := msg.JobAvailableMessages[0]
	if avail.JobID != job.JobID || avail.OwnerName != "octo" || avail.RepositoryName != "app" || avail.RunnerRequestID != job.RunnerRequestID {
		t.Errorf("JobAvailable: got %+v, want job %+v", avail, job)
	}
	if diff := cmp.Diff(scaleset.RunnerScaleSetStatistic{TotalAvailableJobs: 1}, *msg.Statistics); diff != "" {
		t.Errorf("statistics with the job available: -want, +got:\n%s", diff)
	}

	acquired, err := session.AcquireJobs(ctx, []int64{avail.RunnerRequestID})
	if err != nil {
		t.Fatalf("AcquireJobs: %v", err)
	}
	if diff := cmp.Diff([]int64{avail.RunnerRequestID}, acquired); diff != "" {
		t.Errorf("AcquireJobs: -want, +got:\n%s", diff)
	}
	msg = getMessage(ctx, t, session, msg.MessageID)
	if len(msg.JobAssignedMessages) != 1 || msg.JobAssignedMessages[0].ScaleSetAssignTime.IsZero() {
		t.Fatalf("second message: want one JobAssigned with an assign time, got %+v", msg)
	}
	if diff := cmp.Diff(scaleset.RunnerScaleSetStatistic{TotalAssignedJobs: 1}, *msg.Statistics); diff != "" {
		t.Errorf("statistics with the job assigned: -want, +got:\n%s", diff)
	}

	jit, err := c.GenerateJITConfig(ctx, ss.ID, "runner-1", "")
	if err != nil {
		t.Fatalf("GenerateJITConfig: %v", err)
	}
	if jit.Runner.ID <= 0 || jit.Runner.Name != "runner-1" || jit.Runner.ScaleSetID != ss.ID || jit.EncodedJITConfig == "" {
		t.Errorf("GenerateJITConfig: got %+v", jit)
	}
	if _, err := c.GenerateJITConfig(ctx, ss.ID, "runner-1", ""); !IsRunnerExists(err) || !IsConflict(err) {
		t.Errorf("GenerateJITConfig(same name): want runner exists, got %v", err)
	}
	byName, err := c.GetRunnerByName(ctx, "runner-1")
	if err != nil || byName.ID != jit.Runner.ID {
		t.Errorf("GetRunnerByName: got %+v, %v; want id %d", byName, err, jit.Runner.ID)
	}

	runner, err := sim.ConnectRunner(ctx, jit.EncodedJITConfig)
	if err != nil {
		t.Fatalf("ConnectRunner: %v", err)
	}
	started, err := sim.RunnerJob(ctx, runner.ID, 10*time.Second)
	if err != nil || started == nil || started.ID != job.ID {
		t.Fatalf("RunnerJob: got %+v, %v; want job %d", started, err, job.ID)
	}
	msg = getMessage(ctx, t, session, msg.MessageID)
	if len(msg.JobStartedMessages) != 1 {
		t.Fatalf("third message: want one JobStarted, got %+v", msg)
	}
	if js := msg.JobStartedMessages[0]; js.RunnerID != jit.Runner.ID || js.RunnerName != "runner-1" || js.RunnerAssignTime.IsZero() {
		t.Errorf("JobStarted: got %+v, want runner %d", js, jit.Runner.ID)
	}
	wantRunning := scaleset.RunnerScaleSetStatistic{TotalAssignedJobs: 1, TotalRunningJobs: 1, TotalRegisteredRunners: 1, TotalBusyRunners: 1}
	if diff := cmp.Diff(wantRunning, *msg.Statistics); diff != "" {
		t.Errorf("statistics with the job running: -want, +got:\n%s", diff)
	}

	if err := c.RemoveRunner(ctx, int64(jit.Runner.ID)); !IsJobStillRunning(err) {
		t.Errorf("RemoveRunner(busy): want job still running, got %v", err)
	}
	idle, err := c.GenerateJITConfig(ctx, ss.ID, "runner-2", "")
	if err != nil {
		t.Fatalf("GenerateJITConfig(runner-2): %v", err)
	}
	if err := c.RemoveRunner(ctx, int64(idle.Runner.ID)); err != nil {
		t.Errorf("RemoveRunner(idle): %v", err)
	}
	if _, err := c.GetRunner(ctx, idle.Runner.ID); !IsNotFound(err) {
		t.Errorf("GetRunner(removed): want not found, got %v", err)
	}
	if err := c.RemoveRunner(ctx, int64(idle.Runner.ID)); err != nil {
		t.Errorf("RemoveRunner(already removed): want no error, got %v", err)
	}

	if _, err := sim.CompleteJob(ctx, job.ID, ""); err != nil {
		t.Fatalf("CompleteJob: %v", err)
	}
	msg = getMessage(ctx, t, session, msg.MessageID)
	if len(msg.JobCompletedMessages) != 1 {
		t.Fatalf("fourth message: want one JobCompleted, got %+v", msg)
	}
	if jc := msg.JobCompletedMessages[0]; jc.Result != simclient.ResultFailed || jc.RunnerID != jit.Runner.ID || jc.FinishTime.IsZero() {
		t.Errorf("JobCompleted: got %+v, want the scripted result by runner %d", jc, jit.Runner.ID)
	}
	if diff := cmp.Diff(scaleset.RunnerScaleSetStatistic{}, *msg.Statistics); diff != "" {
		t.Errorf("statistics after completion (the ephemeral runner is gone): -want, +got:\n%s", diff)
	}
	if _, err := c.GetRunner(ctx, jit.Runner.ID); !IsNotFound(err) {
		t.Errorf("GetRunner(after its job): want not found, got %v", err)
	}
	done, err := sim.Job(ctx, job.ID)
	if err != nil {
		t.Fatalf("Job: %v", err)
	}
	if done.State != simclient.JobCompleted || done.Runs != 1 || done.Result != simclient.ResultFailed {
		t.Errorf("job after completion: got %+v", done)
	}

	if err := session.Close(ctx); err != nil {
		t.Fatalf("session Close: %v", err)
	}
	again, err := c.MessageSessionClient(ctx, ss.ID, "listener-b")
	if err != nil {
		t.Fatalf("session after Close: %v", err)
	}
	_ = again.Close(ctx)
}

func TestAdminTokenExpiry(t *testing.T) {
	cases := map[string]struct {
		reason      string
		ttl         time.Duration
		wantRefresh bool
	}{
		"ShortLivedTokenRecovers": {
			reason:      "With a lifetime of 60 s or less the library refreshes before every call, so an expired token never reaches the service.",
			ttl:         30 * time.Second,
			wantRefresh: true,
		},
		"LongLivedTokenGets401": {
			reason: "The library refreshes by exp only; a token the service expired early gets 401.",
			ttl:    time.Hour,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := actionstest.NewServer(t, func(cfg *simactions.Config) { cfg.AdminTokenTTL = tc.ttl })
			c := newTestClient(t, srv)
			ctx := testContext(t)
			if _, err := c.GetRunnerGroupByName(ctx, "Default"); err != nil {
				t.Fatalf("GetRunnerGroupByName: %v", err)
			}
			before := srv.Registrations()
			srv.Service.ExpireTokens()
			_, err := c.GetRunnerGroupByName(ctx, "Default")
			if tc.wantRefresh {
				if err != nil {
					t.Fatalf("%s\nafter ExpireTokens: %v", tc.reason, err)
				}
				if srv.Registrations() <= before {
					t.Errorf("%s\nno new runner-registration call", tc.reason)
				}
				return
			}
			if !hasStatus(err, 401) {
				t.Errorf("%s\nafter ExpireTokens: want 401, got %v", tc.reason, err)
			}
		})
	}
}

func TestMessageQueueTokenExpiryRefreshesSession(t *testing.T) {
	// The session refresh is an admin call: a short admin lifetime lets the
	// admin token recover too after ExpireTokens.
	srv := actionstest.NewServer(t, func(cfg *simactions.Config) { cfg.AdminTokenTTL = 30 * time.Second })
	c := newTestClient(t, srv)
	sim := newSimClient(t, srv)
	ctx := testContext(t)

	ss, err := c.CreateScaleSet(ctx, ScaleSetSpec{Name: "mq", RunnerGroupID: 1})
	if err != nil {
		t.Fatalf("CreateScaleSet: %v", err)
	}
	session, err := c.MessageSessionClient(ctx, ss.ID, "listener")
	if err != nil {
		t.Fatalf("MessageSessionClient: %v", err)
	}
	oldToken := session.Session().MessageQueueAccessToken
	if _, err := sim.SubmitJob(ctx, simclient.JobSpec{Repository: "octo/app", Labels: []string{"mq"}}); err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	srv.Service.ExpireTokens()

	msg := getMessage(ctx, t, session, 0)
	if len(msg.JobAvailableMessages) != 1 {
		t.Errorf("message after token expiry: want one JobAvailable, got %+v", msg)
	}
	s := session.Session()
	if s.MessageQueueAccessToken == oldToken || s.Statistics == nil {
		t.Errorf("session after refresh: want a new token and statistics, got %+v", s)
	}
}

func TestAppCredentials(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	srv := actionstest.NewServer(t)
	c, err := New(Config{
		ConfigURL: srv.ConfigURL("octo"),
		App:       &AppCredentials{AppID: 42, InstallationID: 7, PrivateKey: keyPEM},
		CABundle:  srv.CAPEM,
		Retry:     &Retry{Max: 0},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	g, err := c.GetRunnerGroupByName(testContext(t), "Default")
	if err != nil || g.ID != 1 {
		t.Errorf("GetRunnerGroupByName with App credentials: got %+v, %v", g, err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := map[string]struct {
		reason string
		cfg    Config
	}{
		"NoCredentials": {
			reason: "A client needs an App or a token.",
			cfg:    Config{ConfigURL: "https://github.com/octo"},
		},
		"BothCredentials": {
			reason: "App and token together are ambiguous.",
			cfg:    Config{ConfigURL: "https://github.com/octo", Token: "t", App: &AppCredentials{AppID: 1, InstallationID: 1, PrivateKey: []byte("k")}},
		},
		"AppWithoutID": {
			reason: "The App JWT needs an issuer.",
			cfg:    Config{ConfigURL: "https://github.com/octo", App: &AppCredentials{InstallationID: 1, PrivateKey: []byte("k")}},
		},
		"CABundleWithoutCertificate": {
			reason: "A CA bundle that holds no certificate is a mistake, not a reason to trust nothing.",
			cfg:    Config{ConfigURL: "https://github.com/octo", Token: "t", CABundle: []byte("not PEM")},
		},
		"InvalidConfigURL": {
			reason: "The library rejects a config URL with too many path segments.",
			cfg:    Config{ConfigURL: "https://github.com/a/b/c", Token: "t"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := New(tc.cfg); err == nil {
				t.Errorf("%s\nNew: want an error", tc.reason)
			}
		})
	}
}

func TestErrorHelpers(t *testing.T) {
	cases := map[string]struct {
		reason string
		err    error
		want   map[string]bool
	}{
		"Nil": {
			reason: "No error is no kind of error.",
			err:    nil,
			want:   map[string]bool{"notFound": false, "exists": false, "running": false, "conflict": false},
		},
		"WrappedNotFound": {
			reason: "A lookup that found nothing wraps ErrNotFound.",
			err:    fmt.Errorf("cannot get runner scale set: %w", ErrNotFound),
			want:   map[string]bool{"notFound": true, "exists": false, "running": false, "conflict": false},
		},
		"RunnerNotFound": {
			reason: "The library's typed runner error is not found.",
			err:    fmt.Errorf("x: %w", scaleset.RunnerNotFoundError),
			want:   map[string]bool{"notFound": true, "exists": false, "running": false, "conflict": false},
		},
		"RunnerExists": {
			reason: "A taken runner name is also a conflict.",
			err:    fmt.Errorf("x: %w", scaleset.RunnerExistsError),
			want:   map[string]bool{"notFound": false, "exists": true, "running": false, "conflict": true},
		},
		"JobStillRunning": {
			reason: "A busy runner is its own kind.",
			err:    fmt.Errorf("x: %w", scaleset.JobStillRunningError),
			want:   map[string]bool{"notFound": false, "exists": false, "running": true, "conflict": false},
		},
		"Other": {
			reason: "Anything else is none of these.",
			err:    errors.New("connection refused"),
			want:   map[string]bool{"notFound": false, "exists": false, "running": false, "conflict": false},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := map[string]bool{
				"notFound": IsNotFound(tc.err),
				"exists":   IsRunnerExists(tc.err),
				"running":  IsJobStillRunning(tc.err),
				"conflict": IsConflict(tc.err),
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
