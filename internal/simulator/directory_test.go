package simulator

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator/actions"
)

// directoryFixture: enterprise e holds org o (public repo "pub", private repo "priv");
// org x (repo "lib") stands alone. Org o has groups: 2 "Selected" (selected: pub),
// 3 "Private" (private), 4 "Public" (all, allows public repositories).
func directoryFixture(t *testing.T) (*store, map[string]string) {
	t.Helper()
	s := newStore()
	_, _, err := s.apply(Setup{
		Enterprises: []EnterpriseSpec{{Slug: "e"}},
		Orgs: []OrgSpec{
			{Login: "o", Enterprise: "e", Repositories: []RepoSpec{{Name: "pub"}, {Name: "priv", Private: true}}},
			{Login: "x", Repositories: []RepoSpec{{Name: "lib"}}},
		},
	})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	ids := map[string]string{}
	for _, tn := range s.sortedTenants() {
		ids[tn.name()] = tn.id
	}
	org := s.orgs["o"].tenant
	pub := s.reposByName["o/pub"].id
	yes := true
	for _, p := range []groupParams{
		{Name: ptr("Selected"), Visibility: ptr(visibilitySelected), SelectedIDs: &[]int64{pub}, AllowsPublic: &yes},
		{Name: ptr("Private"), Visibility: ptr(visibilityPrivate)},
		{Name: ptr("Public"), AllowsPublic: &yes},
	} {
		if _, f := s.createGroup(org, p); f != nil {
			t.Fatalf("create group: %v", f)
		}
	}
	return s, ids
}

func ptr[T any](v T) *T { return &v }

func TestDirectoryRepositoryAllowed(t *testing.T) {
	s, ids := directoryFixture(t)
	d := &directory{store: s}
	cases := map[string]struct {
		reason string
		tenant string
		group  int64
		repo   string
		want   bool
	}{
		"DefaultPrivate":      {reason: "Default admits the org's private repositories.", tenant: ids["o"], group: 1, repo: "o/priv", want: true},
		"DefaultPublic":       {reason: "Public repositories need allows_public_repositories.", tenant: ids["o"], group: 1, repo: "o/pub", want: false},
		"PublicGroup":         {reason: "A group allowing public repositories admits them.", tenant: ids["o"], group: 4, repo: "o/pub", want: true},
		"SelectedListed":      {reason: "Selected admits listed repositories.", tenant: ids["o"], group: 2, repo: "o/pub", want: true},
		"SelectedUnlisted":    {reason: "Selected refuses the others.", tenant: ids["o"], group: 2, repo: "o/priv", want: false},
		"PrivateGroupPrivate": {reason: "Private admits private repositories.", tenant: ids["o"], group: 3, repo: "o/priv", want: true},
		"OtherOrg":            {reason: "An org's groups never admit another org's repositories.", tenant: ids["o"], group: 4, repo: "x/lib", want: false},
		"UnknownGroup":        {reason: "An unknown group admits nothing.", tenant: ids["o"], group: 99, repo: "o/priv", want: false},
		"UnknownRepo":         {reason: "An unknown repository is never admitted.", tenant: ids["o"], group: 1, repo: "o/nope", want: false},
		"UnknownTenant":       {reason: "An unknown tenant admits nothing.", tenant: "t-99", group: 1, repo: "o/priv", want: false},
		"RepoTenantOwn":       {reason: "A repository tenant serves its own repository, public or not.", tenant: ids["o/pub"], group: 1, repo: "o/pub", want: true},
		"RepoTenantOther":     {reason: "A repository tenant serves no other repository.", tenant: ids["o/pub"], group: 1, repo: "o/priv", want: false},
		"EnterpriseMember":    {reason: "An enterprise serves its orgs' private repositories.", tenant: ids["e"], group: 1, repo: "o/priv", want: true},
		"EnterpriseOutsider":  {reason: "An enterprise does not serve other orgs.", tenant: ids["e"], group: 1, repo: "x/lib", want: false},
		"CaseInsensitive":     {reason: "Repository names compare case-insensitively.", tenant: ids["o"], group: 1, repo: "O/PRIV", want: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := d.RepositoryAllowed(tc.tenant, tc.group, tc.repo); got != tc.want {
				t.Errorf("%s: got %v, want %v", tc.reason, got, tc.want)
			}
		})
	}
}

func TestDirectoryLookups(t *testing.T) {
	s, ids := directoryFixture(t)
	d := &directory{store: s}
	if diff := cmp.Diff([]string{ids["o/pub"], ids["o"], ids["e"]}, d.TenantsForRepository("o/pub")); diff != "" {
		t.Errorf("tenants for o/pub (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{ids["x/lib"], ids["x"]}, d.TenantsForRepository("x/lib")); diff != "" {
		t.Errorf("tenants for x/lib (-want +got):\n%s", diff)
	}
	if got := d.TenantsForRepository("nope/nope"); got != nil {
		t.Errorf("tenants for an unknown repository: %v", got)
	}
	cases := map[string]struct {
		tenant, name string
		want         actions.Group
		found        bool
	}{
		"Default":       {tenant: ids["o"], name: "default", want: actions.Group{ID: 1, Name: "Default", IsDefault: true}, found: true},
		"Custom":        {tenant: ids["o"], name: "PUBLIC", want: actions.Group{ID: 4, Name: "Public"}, found: true},
		"OtherTenant":   {tenant: ids["x"], name: "Public"},
		"UnknownTenant": {tenant: "t-99", name: "Default"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g, ok := d.RunnerGroupByName(tc.tenant, tc.name)
			if ok != tc.found || g != tc.want {
				t.Errorf("by name: got %+v %v, want %+v %v", g, ok, tc.want, tc.found)
			}
			if !tc.found {
				return
			}
			g, ok = d.RunnerGroupByID(tc.tenant, tc.want.ID)
			if !ok || g != tc.want {
				t.Errorf("by id: got %+v %v, want %+v", g, ok, tc.want)
			}
		})
	}
}
