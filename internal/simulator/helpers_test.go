package simulator_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-github/v90/github"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
)

// Fixtures every contract test shares.
const (
	testOrg         = "octo-org"
	otherOrg        = "other-org"
	testEnterprise  = "octo-ent"
	adminPAT        = "ghp_admin0000000000000000000000000000"
	readerPAT       = "ghp_reader000000000000000000000000000"
	enterprisePAT   = "ghp_enterprise00000000000000000000000"
	testAppID       = int64(4242)
	testClientID    = "Iv1.0123456789abcdef"
	testInstID      = int64(77)
	otherInstID     = int64(78)
	publicRepoName  = "hello-world"
	privateRepoName = "secret-sauce"
)

var (
	appKeyOnce sync.Once
	appKey     *rsa.PrivateKey
	otherKey   *rsa.PrivateKey
	appKeyErr  error
)

// appKeys generates the test App's key pair (and a stranger's) once per test binary.
func appKeys(t testing.TB) (app, stranger *rsa.PrivateKey) {
	t.Helper()
	appKeyOnce.Do(func() {
		appKey, appKeyErr = rsa.GenerateKey(rand.Reader, 2048)
		if appKeyErr == nil {
			otherKey, appKeyErr = rsa.GenerateKey(rand.Reader, 2048)
		}
	})
	if appKeyErr != nil {
		t.Fatalf("generate RSA keys: %v", appKeyErr)
	}
	return appKey, otherKey
}

func privateKeyPEM(k *rsa.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

func publicKeyPEM(t testing.TB, k *rsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatalf("marshal public key: %v", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// standardSetup: an enterprise holding octo-org (two repositories), another org, an
// org-admin PAT, a PAT without rights, an enterprise PAT and an App installed on
// octo-org with runner administration.
func standardSetup(t testing.TB) simulator.Setup {
	key, _ := appKeys(t)
	return simulator.Setup{
		Enterprises: []simulator.EnterpriseSpec{{Slug: testEnterprise}},
		Orgs: []simulator.OrgSpec{
			{Login: testOrg, Enterprise: testEnterprise, Repositories: []simulator.RepoSpec{{Name: publicRepoName}, {Name: privateRepoName, Private: true}}},
			{Login: otherOrg, Repositories: []simulator.RepoSpec{{Name: "elsewhere"}}},
		},
		PATs: []simulator.PATSpec{
			{Token: adminPAT, Login: "admin", Orgs: []string{testOrg, otherOrg}},
			{Token: readerPAT, Login: "reader"},
			{Token: enterprisePAT, Login: "ent-admin", Enterprises: []string{testEnterprise}},
		},
		Apps: []simulator.AppSpec{{
			ID: testAppID, ClientID: testClientID, PublicKeyPEM: publicKeyPEM(t, key),
			Installations: []simulator.InstallationSpec{
				{ID: testInstID, Org: testOrg, Permissions: map[string]string{"organization_self_hosted_runners": "write", "administration": "write"}},
				{ID: otherInstID, Org: otherOrg, Permissions: map[string]string{"metadata": "read"}},
			},
		}},
	}
}

// startSimulator starts a simulator with the standard setup (and opts' faults), stopped
// at the end of the test.
func startSimulator(t *testing.T, opts simulator.Options) *simulator.Server {
	t.Helper()
	if opts.Setup.Orgs == nil {
		opts.Setup = standardSetup(t)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := simulator.Start(ctx, opts)
	if err != nil {
		cancel()
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := srv.Close(); err != nil {
			t.Errorf("close simulator: %v", err)
		}
	})
	return srv
}

// transport trusts the simulator's CA.
func transport(t *testing.T, srv *simulator.Server) *http.Transport {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(srv.CACertPEM) {
		t.Fatal("simulator CA PEM holds no certificate")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// patClient is go-github with a PAT against the simulator's GHES layout.
func patClient(t *testing.T, srv *simulator.Server, token string) *github.Client {
	t.Helper()
	c, err := github.NewClient(
		github.WithHTTPClient(&http.Client{Transport: transport(t, srv)}),
		github.WithEnterpriseURLs(srv.URL, srv.URL),
		github.WithAuthToken(token),
	)
	if err != nil {
		t.Fatalf("new go-github client: %v", err)
	}
	return c
}
