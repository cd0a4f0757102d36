package simulator_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v90/github"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
)

const (
	patternCreateGroup = "POST /api/v3/orgs/{org}/actions/runner-groups"
	patternListGroups  = "GET /api/v3/orgs/{org}/actions/runner-groups"
	patternGetGroup    = "GET /api/v3/orgs/{org}/actions/runner-groups/{runner_group_id}"
)

// TestRunnerGroupLifecycle drives go-github through create, paginated list, get,
// update and delete of organization runner groups.
func TestRunnerGroupLifecycle(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	gh := patClient(t, srv, adminPAT)
	ctx := context.Background()

	var created []int64
	for i := range 4 {
		g, resp, err := gh.Actions.CreateOrganizationRunnerGroup(ctx, testOrg, github.CreateRunnerGroupRequest{
			Name:       github.Ptr(fmt.Sprintf("team-%d", i)),
			Visibility: github.Ptr("all"),
		})
		if err != nil {
			t.Fatalf("create group %d: %v", i, err)
		}
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("create group %d: status %d, want 201", i, resp.StatusCode)
		}
		created = append(created, g.GetID())
	}

	// Five groups (Default plus four) in pages of two: three pages, Link headers between.
	var names []string
	opts := &github.ListOrgRunnerGroupOptions{ListOptions: github.ListOptions{PerPage: 2}}
	pages := 0
	for {
		list, resp, err := gh.Actions.ListOrganizationRunnerGroups(ctx, testOrg, opts)
		if err != nil {
			t.Fatalf("list page %d: %v", opts.Page, err)
		}
		pages++
		if list.TotalCount != 5 {
			t.Errorf("list page %d: total_count %d, want 5", pages, list.TotalCount)
		}
		for _, g := range list.RunnerGroups {
			names = append(names, g.GetName())
		}
		if resp.NextPage == 0 {
			if resp.LastPage != 0 {
				t.Errorf("last page has LastPage %d", resp.LastPage)
			}
			break
		}
		if resp.LastPage != 3 {
			t.Errorf("page %d: LastPage %d, want 3", pages, resp.LastPage)
		}
		opts.Page = resp.NextPage
	}
	if diff := cmp.Diff([]string{"Default", "team-0", "team-1", "team-2", "team-3"}, names); diff != "" {
		t.Errorf("listed names (-want +got):\n%s", diff)
	}
	if pages != 3 {
		t.Errorf("pages: got %d, want 3", pages)
	}

	def, _, err := gh.Actions.GetOrganizationRunnerGroup(ctx, testOrg, 1)
	if err != nil {
		t.Fatalf("get default group: %v", err)
	}
	if def.GetName() != "Default" || !def.GetDefault() || def.GetVisibility() != "all" {
		t.Errorf("default group: got %+v", def)
	}

	updated, resp, err := gh.Actions.UpdateOrganizationRunnerGroup(ctx, testOrg, created[0], github.UpdateRunnerGroupRequest{
		Name:                     github.Ptr("renamed"),
		Visibility:               github.Ptr("private"),
		AllowsPublicRepositories: github.Ptr(true),
		RestrictedToWorkflows:    github.Ptr(true),
		SelectedWorkflows:        []string{"octo-org/hello-world/.github/workflows/ci.yaml@main"},
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("update: status %d, want 200", resp.StatusCode)
	}
	got, _, err := gh.Actions.GetOrganizationRunnerGroup(ctx, testOrg, created[0])
	if err != nil {
		t.Fatalf("get after update: %v", err)
	}
	if diff := cmp.Diff(updated, got); diff != "" {
		t.Errorf("get after update differs from update answer (-update +get):\n%s", diff)
	}
	want := &github.RunnerGroup{
		ID: github.Ptr(created[0]), Name: github.Ptr("renamed"), Visibility: github.Ptr("private"), Default: github.Ptr(false),
		RunnersURL:                   github.Ptr(fmt.Sprintf("%s/api/v3/orgs/%s/actions/runner-groups/%d/runners", srv.URL, testOrg, created[0])),
		HostedRunnersURL:             github.Ptr(fmt.Sprintf("%s/api/v3/orgs/%s/actions/runner-groups/%d/hosted-runners", srv.URL, testOrg, created[0])),
		Inherited:                    github.Ptr(false),
		AllowsPublicRepositories:     github.Ptr(true),
		RestrictedToWorkflows:        github.Ptr(true),
		SelectedWorkflows:            []string{"octo-org/hello-world/.github/workflows/ci.yaml@main"},
		WorkflowRestrictionsReadOnly: github.Ptr(false),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("updated group (-want +got):\n%s", diff)
	}

	resp, err = gh.Actions.DeleteOrganizationRunnerGroup(ctx, testOrg, created[0])
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("delete: status %d, want 204", resp.StatusCode)
	}
	_, _, err = gh.Actions.GetOrganizationRunnerGroup(ctx, testOrg, created[0])
	assertErrorResponse(t, err, http.StatusNotFound, "Not Found", nil)
}

// TestRunnerGroupErrors checks that GitHub's error answers come back as go-github's
// error types with GitHub's messages and validation details.
func TestRunnerGroupErrors(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	gh := patClient(t, srv, adminPAT)
	ctx := context.Background()
	if _, _, err := gh.Actions.CreateOrganizationRunnerGroup(ctx, testOrg, github.CreateRunnerGroupRequest{Name: github.Ptr("builders")}); err != nil {
		t.Fatalf("create: %v", err)
	}
	type want struct {
		status  int
		message string
		errs    []github.Error
	}
	cases := map[string]struct {
		reason string
		call   func() error
		want   want
	}{
		"DuplicateName": {
			reason: "Names are unique per organization, compared case-insensitively.",
			call: func() error {
				_, _, err := gh.Actions.CreateOrganizationRunnerGroup(ctx, testOrg, github.CreateRunnerGroupRequest{Name: github.Ptr("BUILDERS")})
				return err
			},
			want: want{http.StatusUnprocessableEntity, "Validation Failed", []github.Error{{Resource: "RunnerGroup", Field: "name", Code: "already_exists"}}},
		},
		"RenameToDuplicate": {
			reason: "Renaming onto another group's name is the same conflict.",
			call: func() error {
				_, _, err := gh.Actions.UpdateOrganizationRunnerGroup(ctx, testOrg, 1, github.UpdateRunnerGroupRequest{Name: github.Ptr("builders")})
				return err
			},
			want: want{http.StatusUnprocessableEntity, "Validation Failed", []github.Error{{Resource: "RunnerGroup", Field: "name", Code: "already_exists"}}},
		},
		"MissingName": {
			reason: "A create without a name is a validation failure.",
			call: func() error {
				_, _, err := gh.Actions.CreateOrganizationRunnerGroup(ctx, testOrg, github.CreateRunnerGroupRequest{Visibility: github.Ptr("all")})
				return err
			},
			want: want{http.StatusUnprocessableEntity, "Validation Failed", []github.Error{{Resource: "RunnerGroup", Field: "name", Code: "missing_field", Message: "name wasn't supplied."}}},
		},
		"InvalidVisibility": {
			reason: "Visibility must be all, selected or private.",
			call: func() error {
				_, _, err := gh.Actions.CreateOrganizationRunnerGroup(ctx, testOrg, github.CreateRunnerGroupRequest{Name: github.Ptr("x"), Visibility: github.Ptr("public")})
				return err
			},
			want: want{http.StatusUnprocessableEntity, "Validation Failed", []github.Error{{Resource: "RunnerGroup", Field: "visibility", Code: "invalid", Message: "visibility must be one of all, selected, private."}}},
		},
		"UnknownGroup": {
			reason: "An unknown id is GitHub's 404.",
			call: func() error {
				_, _, err := gh.Actions.GetOrganizationRunnerGroup(ctx, testOrg, 999)
				return err
			},
			want: want{status: http.StatusNotFound, message: "Not Found"},
		},
		"UnknownGroupUpdate": {
			reason: "Updating an unknown id is a 404 too.",
			call: func() error {
				_, _, err := gh.Actions.UpdateOrganizationRunnerGroup(ctx, testOrg, 999, github.UpdateRunnerGroupRequest{Name: github.Ptr("y")})
				return err
			},
			want: want{status: http.StatusNotFound, message: "Not Found"},
		},
		"UnknownOrg": {
			reason: "An unknown organization is a 404.",
			call: func() error {
				_, _, err := gh.Actions.ListOrganizationRunnerGroups(ctx, "no-such-org", nil)
				return err
			},
			want: want{status: http.StatusNotFound, message: "Not Found"},
		},
		"DeleteDefault": {
			reason: "The Default group (id 1) cannot be deleted.",
			call: func() error {
				_, err := gh.Actions.DeleteOrganizationRunnerGroup(ctx, testOrg, 1)
				return err
			},
			want: want{http.StatusUnprocessableEntity, "The default runner group cannot be deleted.", []github.Error{{Resource: "RunnerGroup", Field: "id", Code: "custom", Message: "The default runner group cannot be deleted."}}},
		},
		"ReposOfNonSelectedGroup": {
			reason: "The access list can change only while visibility is selected.",
			call: func() error {
				_, err := gh.Actions.AddRepositoryAccessRunnerGroup(ctx, testOrg, 1, 100000)
				return err
			},
			want: want{http.StatusUnprocessableEntity, "Validation Failed", []github.Error{{Resource: "RunnerGroup", Field: "visibility", Code: "invalid", Message: "The runner group visibility must be set to 'selected' to change its access list."}}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			assertErrorResponse(t, tc.call(), tc.want.status, tc.want.message, tc.want.errs)
		})
	}
}

// TestRunnerGroupRights checks 401, 403 and 404 for callers without the right credentials.
func TestRunnerGroupRights(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	ctx := context.Background()
	cases := map[string]struct {
		reason  string
		token   string
		org     string
		status  int
		message string
	}{
		"UnknownToken":   {reason: "An unknown token is bad credentials.", token: "ghp_nobody", org: testOrg, status: 401, message: "Bad credentials"},
		"NoRights":       {reason: "A user who does not administer the org is refused.", token: readerPAT, org: testOrg, status: 403, message: "Must have admin rights to Repository."},
		"EnterpriseOnly": {reason: "Enterprise rights do not reach into the org.", token: enterprisePAT, org: testOrg, status: 403, message: "Must have admin rights to Repository."},
		"UnknownOrg":     {reason: "An unknown org is a 404 whatever the rights.", token: adminPAT, org: "nope", status: 404, message: "Not Found"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := patClient(t, srv, tc.token).Actions.ListOrganizationRunnerGroups(ctx, tc.org, nil)
			assertErrorResponse(t, err, tc.status, tc.message, nil)
		})
	}
}

// TestRunnerGroupRepositoryAccess covers selected repositories: at create, list, set,
// add and remove, and name-to-id resolution through the repository endpoints.
func TestRunnerGroupRepositoryAccess(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	gh := patClient(t, srv, adminPAT)
	ctx := context.Background()

	public, _, err := gh.Repositories.Get(ctx, testOrg, publicRepoName)
	if err != nil {
		t.Fatalf("get repository: %v", err)
	}
	orgRepos, _, err := gh.Repositories.ListByOrg(ctx, testOrg, nil)
	if err != nil {
		t.Fatalf("list org repositories: %v", err)
	}
	ids := map[string]int64{}
	for _, r := range orgRepos {
		ids[r.GetName()] = r.GetID()
	}
	if ids[publicRepoName] != public.GetID() || ids[privateRepoName] == 0 {
		t.Fatalf("repository ids disagree: get %d, list %v", public.GetID(), ids)
	}

	g, _, err := gh.Actions.CreateOrganizationRunnerGroup(ctx, testOrg, github.CreateRunnerGroupRequest{
		Name: github.Ptr("selected"), Visibility: github.Ptr("selected"), SelectedRepositoryIDs: []int64{ids[publicRepoName]},
	})
	if err != nil {
		t.Fatalf("create selected group: %v", err)
	}
	if g.GetSelectedRepositoriesURL() == "" {
		t.Error("selected group has no selected_repositories_url")
	}
	listIDs := func() []int64 {
		t.Helper()
		l, _, err := gh.Actions.ListRepositoryAccessRunnerGroup(ctx, testOrg, g.GetID(), nil)
		if err != nil {
			t.Fatalf("list repository access: %v", err)
		}
		if l.GetTotalCount() != len(l.Repositories) {
			t.Errorf("total_count %d, %d repositories", l.GetTotalCount(), len(l.Repositories))
		}
		out := []int64{}
		for _, r := range l.Repositories {
			out = append(out, r.GetID())
		}
		sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
		return out
	}
	steps := []struct {
		name string
		do   func() error
		want []int64
	}{
		{"AtCreate", func() error { return nil }, []int64{ids[publicRepoName]}},
		{"Set", func() error {
			_, err := gh.Actions.SetRepositoryAccessRunnerGroup(ctx, testOrg, g.GetID(), github.SetRepoAccessRunnerGroupRequest{SelectedRepositoryIDs: []int64{ids[privateRepoName]}})
			return err
		}, []int64{ids[privateRepoName]}},
		{"Add", func() error {
			_, err := gh.Actions.AddRepositoryAccessRunnerGroup(ctx, testOrg, g.GetID(), ids[publicRepoName])
			return err
		}, []int64{ids[publicRepoName], ids[privateRepoName]}},
		{"AddAgain", func() error {
			_, err := gh.Actions.AddRepositoryAccessRunnerGroup(ctx, testOrg, g.GetID(), ids[publicRepoName])
			return err
		}, []int64{ids[publicRepoName], ids[privateRepoName]}},
		{"Remove", func() error {
			_, err := gh.Actions.RemoveRepositoryAccessRunnerGroup(ctx, testOrg, g.GetID(), ids[privateRepoName])
			return err
		}, []int64{ids[publicRepoName]}},
		{"SetEmpty", func() error {
			_, err := gh.Actions.SetRepositoryAccessRunnerGroup(ctx, testOrg, g.GetID(), github.SetRepoAccessRunnerGroupRequest{SelectedRepositoryIDs: []int64{}})
			return err
		}, []int64{}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if diff := cmp.Diff(st.want, listIDs()); diff != "" {
			t.Errorf("%s: repository ids (-want +got):\n%s", st.name, diff)
		}
	}

	// A repository of another organization is not selectable.
	others, _, err := gh.Repositories.ListByOrg(ctx, otherOrg, nil)
	if err != nil || len(others) != 1 {
		t.Fatalf("list other org's repositories: %v (%d)", err, len(others))
	}
	foreign := others[0].GetID()
	_, err = gh.Actions.AddRepositoryAccessRunnerGroup(ctx, testOrg, g.GetID(), foreign)
	assertErrorResponse(t, err, http.StatusUnprocessableEntity, "Validation Failed",
		[]github.Error{{Resource: "RunnerGroup", Field: "selected_repository_ids", Code: "invalid", Message: fmt.Sprintf("%d is not a valid id for this runner group.", foreign)}})
}

// TestPrivateRepositoryVisibility: a private repository is a 404 to a user without
// rights, and absent from the org listing.
func TestPrivateRepositoryVisibility(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	reader := patClient(t, srv, readerPAT)
	ctx := context.Background()
	_, _, err := reader.Repositories.Get(ctx, testOrg, privateRepoName)
	assertErrorResponse(t, err, http.StatusNotFound, "Not Found", nil)
	repos, _, err := reader.Repositories.ListByOrg(ctx, testOrg, nil)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(repos) != 1 || repos[0].GetName() != publicRepoName {
		t.Errorf("reader sees %d repositories, want only %s", len(repos), publicRepoName)
	}
}

// assertErrorResponse checks that err is go-github's *ErrorResponse with GitHub's
// status, message, validation errors and a documentation_url.
func assertErrorResponse(t *testing.T, err error, status int, message string, errs []github.Error) {
	t.Helper()
	var er *github.ErrorResponse
	if !errors.As(err, &er) {
		t.Fatalf("error %v (%T) is not a *github.ErrorResponse", err, err)
	}
	if er.Response.StatusCode != status {
		t.Errorf("status: got %d, want %d", er.Response.StatusCode, status)
	}
	if er.Message != message {
		t.Errorf("message: got %q, want %q", er.Message, message)
	}
	if diff := cmp.Diff(errs, er.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if er.DocumentationURL == "" {
		t.Error("no documentation_url")
	}
	if ct := er.Response.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type: %q", ct)
	}
}

// TestListVisibleToRepository: the visible_to_repository filter applies each group's
// repository policy.
func TestListVisibleToRepository(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	gh := patClient(t, srv, adminPAT)
	ctx := context.Background()
	for _, req := range []github.CreateRunnerGroupRequest{
		{Name: github.Ptr("private-only"), Visibility: github.Ptr("private")},
		{Name: github.Ptr("public-ok"), AllowsPublicRepositories: github.Ptr(true)},
	} {
		if _, _, err := gh.Actions.CreateOrganizationRunnerGroup(ctx, testOrg, req); err != nil {
			t.Fatalf("create: %v", err)
		}
	}
	cases := map[string]struct {
		reason string
		repo   string
		want   []string
	}{
		"Private": {reason: "A private repository sees Default and both groups.", repo: privateRepoName, want: []string{"Default", "private-only", "public-ok"}},
		"Public":  {reason: "A public repository sees only the group allowing public repositories.", repo: publicRepoName, want: []string{"public-ok"}},
		"Unknown": {reason: "An unknown repository sees nothing.", repo: "nope", want: nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			l, _, err := gh.Actions.ListOrganizationRunnerGroups(ctx, testOrg, &github.ListOrgRunnerGroupOptions{VisibleToRepository: tc.repo})
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			var got []string
			for _, g := range l.RunnerGroups {
				got = append(got, g.GetName())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" || l.TotalCount != len(tc.want) {
				t.Errorf("%s\ngroups (-want +got):\n%s (total_count %d)", tc.reason, diff, l.TotalCount)
			}
		})
	}
}

// TestUnknownRoutes: unknown GHES paths are GitHub's JSON 404, counted like any call.
func TestUnknownRoutes(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	gh := patClient(t, srv, adminPAT)
	req, err := gh.NewRequest(context.Background(), http.MethodGet, "nothing/here", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = gh.Do(req, nil)
	assertErrorResponse(t, err, http.StatusNotFound, "Not Found", nil)
	if n := srv.Counters().Status("/api/v3/", http.StatusNotFound); n != 1 {
		t.Errorf("catch-all 404s counted: %d, want 1", n)
	}
}

// TestRunnerGroupIDNotANumber: a group or member id that is not a number is GitHub's
// 404 on every route that takes one.
func TestRunnerGroupIDNotANumber(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	cases := map[string]struct {
		reason string
		method string
		path   string
		token  string
	}{
		"GetOrgGroup":        {reason: "An org group id must be a number.", method: http.MethodGet, path: "orgs/octo-org/actions/runner-groups/x", token: adminPAT},
		"PatchOrgGroup":      {reason: "The id is checked before the body.", method: http.MethodPatch, path: "orgs/octo-org/actions/runner-groups/x", token: adminPAT},
		"AddOrgRepository":   {reason: "A repository id must be a number.", method: http.MethodPut, path: "orgs/octo-org/actions/runner-groups/1/repositories/x", token: adminPAT},
		"RemoveOrgGroupRepo": {reason: "The group id of a member route must be a number.", method: http.MethodDelete, path: "orgs/octo-org/actions/runner-groups/x/repositories/1", token: adminPAT},
		"GetEnterpriseGroup": {reason: "An enterprise group id must be a number.", method: http.MethodGet, path: "enterprises/octo-ent/actions/runner-groups/x", token: enterprisePAT},
		"AddEnterpriseOrg":   {reason: "An organization id must be a number.", method: http.MethodPut, path: "enterprises/octo-ent/actions/runner-groups/1/organizations/x", token: enterprisePAT},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			gh := patClient(t, srv, tc.token)
			var body any
			if tc.method == http.MethodPatch {
				body = map[string]int{"name": 5} // 422 if the body were read first
			}
			req, err := gh.NewRequest(context.Background(), tc.method, tc.path, body)
			if err != nil {
				t.Fatal(err)
			}
			_, err = gh.Do(req, nil)
			assertErrorResponse(t, err, http.StatusNotFound, "Not Found", nil)
		})
	}
}

// TestEnterpriseRunnerGroups: enterprise groups select organizations of the enterprise.
func TestEnterpriseRunnerGroups(t *testing.T) {
	srv := startSimulator(t, simulator.Options{})
	gh := patClient(t, srv, enterprisePAT)
	ctx := context.Background()
	g, _, err := gh.Enterprise.CreateEnterpriseRunnerGroup(ctx, testEnterprise, github.CreateEnterpriseRunnerGroupRequest{Name: github.Ptr("ent"), Visibility: github.Ptr("selected")})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if g.GetSelectedOrganizationsURL() == "" {
		t.Error("no selected_organizations_url")
	}
	// The organization id comes from a repository's owner.
	repo, _, err := patClient(t, srv, adminPAT).Repositories.Get(ctx, testOrg, publicRepoName)
	if err != nil {
		t.Fatalf("get repository: %v", err)
	}
	orgID := repo.GetOwner().GetID()
	listOrgs := func() []string {
		t.Helper()
		l, _, err := gh.Enterprise.ListOrganizationAccessRunnerGroup(ctx, testEnterprise, g.GetID(), nil)
		if err != nil {
			t.Fatalf("list organizations: %v", err)
		}
		var out []string
		for _, o := range l.Organizations {
			out = append(out, o.GetLogin())
		}
		return out
	}
	if _, err := gh.Enterprise.SetOrganizationAccessRunnerGroup(ctx, testEnterprise, g.GetID(), github.SetOrgAccessRunnerGroupRequest{SelectedOrganizationIDs: []int64{orgID}}); err != nil {
		t.Fatalf("set organizations: %v", err)
	}
	if diff := cmp.Diff([]string{testOrg}, listOrgs()); diff != "" {
		t.Errorf("after set (-want +got):\n%s", diff)
	}
	if _, err := gh.Enterprise.RemoveOrganizationAccessRunnerGroup(ctx, testEnterprise, g.GetID(), orgID); err != nil {
		t.Fatalf("remove organization: %v", err)
	}
	if got := listOrgs(); len(got) != 0 {
		t.Errorf("after remove: %v", got)
	}
	// other-org is not in the enterprise.
	others, _, err := patClient(t, srv, adminPAT).Repositories.Get(ctx, otherOrg, "elsewhere")
	if err != nil {
		t.Fatalf("get other repository: %v", err)
	}
	_, err = gh.Enterprise.AddOrganizationAccessRunnerGroup(ctx, testEnterprise, g.GetID(), others.GetOwner().GetID())
	assertErrorResponse(t, err, http.StatusUnprocessableEntity, "Validation Failed", []github.Error{{
		Resource: "RunnerGroup", Field: "selected_organization_ids", Code: "invalid",
		Message: fmt.Sprintf("%d is not a valid id for this runner group.", others.GetOwner().GetID()),
	}})
	_, _, err = patClient(t, srv, adminPAT).Enterprise.ListRunnerGroups(ctx, testEnterprise, nil)
	assertErrorResponse(t, err, http.StatusForbidden, "Must have admin rights to Repository.", nil)
}
