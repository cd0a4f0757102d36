package simulator

import (
	"strings"
	"testing"
)

func TestApplySetupValidation(t *testing.T) {
	cases := map[string]struct {
		reason string
		first  Setup
		setup  Setup
		want   string // substring of the error; empty means success
	}{
		"Valid": {
			reason: "Orgs may join an enterprise declared in the same setup.",
			setup:  Setup{Enterprises: []EnterpriseSpec{{Slug: "e"}}, Orgs: []OrgSpec{{Login: "o", Enterprise: "E"}}},
		},
		"BadLogin":        {reason: "Logins must be URL-safe.", setup: Setup{Orgs: []OrgSpec{{Login: "a/b"}}}, want: errSetupOrgLogin},
		"BadRepo":         {reason: "Repository names must be URL-safe.", setup: Setup{Orgs: []OrgSpec{{Login: "o", Repositories: []RepoSpec{{Name: "a b"}}}}}, want: errSetupRepoName},
		"DotRepo":         {reason: "'..' is no repository name.", setup: Setup{Orgs: []OrgSpec{{Login: "o", Repositories: []RepoSpec{{Name: ".."}}}}}, want: errSetupRepoName},
		"UnknownEnt":      {reason: "An org cannot join an unknown enterprise.", setup: Setup{Orgs: []OrgSpec{{Login: "o", Enterprise: "nope"}}}, want: errSetupUnknownEnt},
		"SwitchEnt":       {reason: "An org cannot move to another enterprise.", first: Setup{Enterprises: []EnterpriseSpec{{Slug: "a"}, {Slug: "b"}}, Orgs: []OrgSpec{{Login: "o", Enterprise: "a"}}}, setup: Setup{Orgs: []OrgSpec{{Login: "o", Enterprise: "b"}}}, want: errSetupOtherEnt},
		"EmptyPAT":        {reason: "A PAT needs a token.", setup: Setup{PATs: []PATSpec{{Token: " "}}}, want: errSetupPATToken},
		"BadAppID":        {reason: "App ids are positive.", setup: Setup{Apps: []AppSpec{{ID: 0}}}, want: errSetupAppID},
		"BadAppKey":       {reason: "App keys must be PEM RSA keys.", setup: Setup{Apps: []AppSpec{{ID: 1, PublicKeyPEM: "nope"}}}, want: errSetupAppKey},
		"InstUnknownOrg":  {reason: "Installations need a known org.", setup: Setup{Apps: []AppSpec{{ID: 1, PublicKeyPEM: testPublicKeyPEM(t), Installations: []InstallationSpec{{ID: 1, Org: "nope"}}}}}, want: errSetupInstOrg},
		"InstUnknownRepo": {reason: "Installations select known repositories.", setup: Setup{Orgs: []OrgSpec{{Login: "o"}}, Apps: []AppSpec{{ID: 1, PublicKeyPEM: testPublicKeyPEM(t), Installations: []InstallationSpec{{ID: 1, Org: "o", Repositories: []string{"r"}}}}}}, want: errSetupInstRepo},
		"InstStolen": {
			reason: "An installation id belongs to one app.",
			first:  Setup{Orgs: []OrgSpec{{Login: "o"}}, Apps: []AppSpec{{ID: 1, PublicKeyPEM: testPublicKeyPEM(t), Installations: []InstallationSpec{{ID: 5, Org: "o"}}}}},
			setup:  Setup{Apps: []AppSpec{{ID: 2, PublicKeyPEM: testPublicKeyPEM(t), Installations: []InstallationSpec{{ID: 5, Org: "o"}}}}},
			want:   errSetupInstID,
		},
		"ClientIDTaken": {
			reason: "Client ids are unique.",
			setup:  Setup{Apps: []AppSpec{{ID: 1, ClientID: "c", PublicKeyPEM: testPublicKeyPEM(t)}, {ID: 2, ClientID: "c", PublicKeyPEM: testPublicKeyPEM(t)}}},
			want:   errSetupAppClientID,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStore()
			if _, _, err := s.apply(tc.first); err != nil {
				t.Fatalf("first setup: %v", err)
			}
			before := len(s.tenants)
			_, _, err := s.apply(tc.setup)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("%s: %v", tc.reason, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("%s: error %v, want %q", tc.reason, err, tc.want)
			case tc.want != "" && len(s.tenants) != before:
				t.Errorf("%s: a rejected setup created tenants", tc.reason)
			}
		})
	}
}

// TestApplyIsAdditive: applying a setup again keeps ids and tenants, and an app
// declared again keeps its installations.
func TestApplyIsAdditive(t *testing.T) {
	s := newStore()
	key := testPublicKeyPEM(t)
	setup := Setup{
		Orgs: []OrgSpec{{Login: "o", Repositories: []RepoSpec{{Name: "r"}}}},
		Apps: []AppSpec{{ID: 1, ClientID: "c1", PublicKeyPEM: key, Installations: []InstallationSpec{{ID: 9, Org: "o"}}}},
	}
	if _, _, err := s.apply(setup); err != nil {
		t.Fatal(err)
	}
	repoID, tenants := s.reposByName["o/r"].id, len(s.tenants)
	setup.Apps[0].ClientID = "c2"
	setup.Apps[0].Installations = nil
	if _, _, err := s.apply(setup); err != nil {
		t.Fatal(err)
	}
	if s.reposByName["o/r"].id != repoID || len(s.tenants) != tenants {
		t.Error("applying again changed ids or tenants")
	}
	if s.installations[9].app != s.apps[1] || s.appsByClientID["c2"] != s.apps[1] || s.appsByClientID["c1"] != nil {
		t.Error("the app declared again lost its installation or kept its old client id")
	}
}

func TestParseConfigURL(t *testing.T) {
	cases := map[string]struct {
		url, kind, name string
		ok              bool
	}{
		"Org":         {url: "https://h:1/o", kind: KindOrganization, name: "o", ok: true},
		"OrgSlashes":  {url: "https://h:1/o/", kind: KindOrganization, name: "o", ok: true},
		"Repo":        {url: "https://h/o/r", kind: KindRepository, name: "o/r", ok: true},
		"Enterprise":  {url: "https://h/Enterprises/e", kind: KindEnterprise, name: "e", ok: true},
		"NoPath":      {url: "https://h/"},
		"TooDeep":     {url: "https://h/a/b/c"},
		"NoHost":      {url: "o/r"},
		"Unparseable": {url: "https://h/%zz"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			kind, n, ok := parseConfigURL(tc.url)
			if kind != tc.kind || n != tc.name || ok != tc.ok {
				t.Errorf("parseConfigURL(%q) = %q %q %v, want %q %q %v", tc.url, kind, n, ok, tc.kind, tc.name, tc.ok)
			}
		})
	}
}

func testPublicKeyPEM(t *testing.T) string {
	t.Helper()
	key, _ := testJWTKeys(t)
	return string(pemPublic(t, &key.PublicKey))
}
