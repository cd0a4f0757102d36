package github

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gh "github.com/google/go-github/v90/github"
)

// ListRunnerGroups lists every runner group of the scope, following pagination.
func (c *Client) ListRunnerGroups(ctx context.Context) ([]RunnerGroup, error) {
	var out []RunnerGroup
	page := 1
	for page != 0 {
		opts := gh.ListOptions{PerPage: maxPerPage, Page: page}
		var resp *gh.Response
		var err error
		if c.enterprise != "" {
			var l *gh.EnterpriseRunnerGroups
			l, resp, err = c.gh.Enterprise.ListRunnerGroups(ctx, c.enterprise, &gh.ListEnterpriseRunnerGroupOptions{ListOptions: opts})
			if err == nil {
				for _, g := range l.RunnerGroups {
					out = append(out, *fromGitHubEnterprise(g))
				}
			}
		} else {
			var l *gh.RunnerGroups
			l, resp, err = c.gh.Actions.ListOrganizationRunnerGroups(ctx, c.organization, &gh.ListOrgRunnerGroupOptions{ListOptions: opts})
			if err == nil {
				for _, g := range l.RunnerGroups {
					out = append(out, *fromGitHub(g))
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", errListGroups, err)
		}
		page = resp.NextPage
	}
	return out, nil
}

// GetRunnerGroup gets a runner group by id.
func (c *Client) GetRunnerGroup(ctx context.Context, id int64) (*RunnerGroup, error) {
	if c.enterprise != "" {
		g, _, err := c.gh.Enterprise.GetEnterpriseRunnerGroup(ctx, c.enterprise, id)
		if err != nil {
			return nil, fmt.Errorf("%s %d: %w", errGetGroup, id, err)
		}
		return fromGitHubEnterprise(g), nil
	}
	g, _, err := c.gh.Actions.GetOrganizationRunnerGroup(ctx, c.organization, id)
	if err != nil {
		return nil, fmt.Errorf("%s %d: %w", errGetGroup, id, err)
	}
	return fromGitHub(g), nil
}

// GetRunnerGroupByName finds a runner group by name, case-insensitively. GitHub has
// no lookup by name, so this lists the groups.
func (c *Client) GetRunnerGroupByName(ctx context.Context, name string) (*RunnerGroup, error) {
	groups, err := c.ListRunnerGroups(ctx)
	if err != nil {
		return nil, err
	}
	for i := range groups {
		if strings.EqualFold(groups[i].Name, name) {
			return &groups[i], nil
		}
	}
	return nil, &NotFoundError{What: fmt.Sprintf("runner group %q", name)}
}

// CreateRunnerGroup creates a runner group.
func (c *Client) CreateRunnerGroup(ctx context.Context, p RunnerGroupParameters) (*RunnerGroup, error) {
	if c.enterprise != "" {
		g, _, err := c.gh.Enterprise.CreateEnterpriseRunnerGroup(ctx, c.enterprise, gh.CreateEnterpriseRunnerGroupRequest{
			Name: gh.Ptr(p.Name), Visibility: optional(p.Visibility), AllowsPublicRepositories: p.AllowsPublicRepositories,
			RestrictedToWorkflows: p.RestrictedToWorkflows, SelectedWorkflows: p.SelectedWorkflows,
		})
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", errCreateGroup, p.Name, err)
		}
		return fromGitHubEnterprise(g), nil
	}
	g, _, err := c.gh.Actions.CreateOrganizationRunnerGroup(ctx, c.organization, gh.CreateRunnerGroupRequest{
		Name: gh.Ptr(p.Name), Visibility: optional(p.Visibility), SelectedRepositoryIDs: p.SelectedRepositoryIDs,
		AllowsPublicRepositories: p.AllowsPublicRepositories, RestrictedToWorkflows: p.RestrictedToWorkflows, SelectedWorkflows: p.SelectedWorkflows,
	})
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", errCreateGroup, p.Name, err)
	}
	return fromGitHub(g), nil
}

// UpdateRunnerGroup changes the fields p sets.
func (c *Client) UpdateRunnerGroup(ctx context.Context, id int64, p RunnerGroupParameters) (*RunnerGroup, error) {
	if c.enterprise != "" {
		g, _, err := c.gh.Enterprise.UpdateEnterpriseRunnerGroup(ctx, c.enterprise, id, gh.UpdateEnterpriseRunnerGroupRequest{
			Name: optional(p.Name), Visibility: optional(p.Visibility), AllowsPublicRepositories: p.AllowsPublicRepositories,
			RestrictedToWorkflows: p.RestrictedToWorkflows, SelectedWorkflows: p.SelectedWorkflows,
		})
		if err != nil {
			return nil, fmt.Errorf("%s %d: %w", errUpdateGroup, id, err)
		}
		return fromGitHubEnterprise(g), nil
	}
	g, _, err := c.gh.Actions.UpdateOrganizationRunnerGroup(ctx, c.organization, id, gh.UpdateRunnerGroupRequest{
		Name: optional(p.Name), Visibility: optional(p.Visibility), AllowsPublicRepositories: p.AllowsPublicRepositories,
		RestrictedToWorkflows: p.RestrictedToWorkflows, SelectedWorkflows: p.SelectedWorkflows,
	})
	if err != nil {
		return nil, fmt.Errorf("%s %d: %w", errUpdateGroup, id, err)
	}
	return fromGitHub(g), nil
}

// DeleteRunnerGroup deletes a runner group.
func (c *Client) DeleteRunnerGroup(ctx context.Context, id int64) error {
	var err error
	if c.enterprise != "" {
		_, err = c.gh.Enterprise.DeleteEnterpriseRunnerGroup(ctx, c.enterprise, id)
	} else {
		_, err = c.gh.Actions.DeleteOrganizationRunnerGroup(ctx, c.organization, id)
	}
	if err != nil {
		return fmt.Errorf("%s %d: %w", errDeleteGroup, id, err)
	}
	return nil
}

// ListSelectedRepositories lists the repositories an organization group selects.
func (c *Client) ListSelectedRepositories(ctx context.Context, groupID int64) ([]Repository, error) {
	if c.enterprise != "" {
		return nil, fmt.Errorf("%s: %w", errRepoEnterprise, errors.ErrUnsupported)
	}
	var out []Repository
	page := 1
	for page != 0 {
		l, resp, err := c.gh.Actions.ListRepositoryAccessRunnerGroup(ctx, c.organization, groupID, &gh.ListOptions{PerPage: maxPerPage, Page: page})
		if err != nil {
			return nil, fmt.Errorf("%s %d: %w", errListRepos, groupID, err)
		}
		for _, r := range l.Repositories {
			out = append(out, fromGitHubRepository(r))
		}
		page = resp.NextPage
	}
	return out, nil
}

// SetSelectedRepositories replaces the repositories an organization group selects.
func (c *Client) SetSelectedRepositories(ctx context.Context, groupID int64, repositoryIDs []int64) error {
	if c.enterprise != "" {
		return fmt.Errorf("%s: %w", errRepoEnterprise, errors.ErrUnsupported)
	}
	ids := repositoryIDs
	if ids == nil {
		ids = []int64{} // GitHub requires the field; an empty list clears the selection
	}
	if _, err := c.gh.Actions.SetRepositoryAccessRunnerGroup(ctx, c.organization, groupID, gh.SetRepoAccessRunnerGroupRequest{SelectedRepositoryIDs: ids}); err != nil {
		return fmt.Errorf("%s %d: %w", errSetRepos, groupID, err)
	}
	return nil
}

// ResolveRepositoryIDs maps names to ids. Names of the client's organization are
// resolved from one paginated listing of its repositories, which costs far fewer
// calls than one lookup per name; other owners' repositories are looked up one by one.
func (c *Client) ResolveRepositoryIDs(ctx context.Context, names []string) (map[string]int64, error) {
	out := make(map[string]int64, len(names))
	var own, foreign []string
	for _, name := range names {
		owner, _, err := c.splitRepositoryName(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", errResolveRepos, err)
		}
		if strings.EqualFold(owner, c.organization) {
			own = append(own, name)
		} else {
			foreign = append(foreign, name)
		}
	}
	if len(own) > 0 {
		ids, err := c.organizationRepositoryIDs(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", errResolveRepos, err)
		}
		var missing []string
		for _, name := range own {
			_, repo, _ := c.splitRepositoryName(name)
			id, ok := ids[strings.ToLower(repo)]
			if !ok {
				missing = append(missing, name)
				continue
			}
			out[name] = id
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("%s: %w", errResolveRepos, &NotFoundError{What: "repositories " + strings.Join(missing, ", ")})
		}
	}
	for _, name := range foreign {
		owner, repo, _ := c.splitRepositoryName(name)
		r, _, err := c.gh.Repositories.Get(ctx, owner, repo)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", errResolveRepos, name, err)
		}
		out[name] = r.GetID()
	}
	return out, nil
}

// splitRepositoryName reads "NAME" (in the client's organization) or "OWNER/NAME".
func (c *Client) splitRepositoryName(name string) (owner, repo string, err error) {
	parts := strings.Split(name, "/")
	switch {
	case len(parts) == 1 && parts[0] != "" && c.organization != "":
		return c.organization, parts[0], nil
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		return parts[0], parts[1], nil
	}
	return "", "", fmt.Errorf("%s: %q", errRepoName, name)
}

// organizationRepositoryIDs lists the organization's repositories by lower-case name.
func (c *Client) organizationRepositoryIDs(ctx context.Context) (map[string]int64, error) {
	ids := map[string]int64{}
	page := 1
	for page != 0 {
		repos, resp, err := c.gh.Repositories.ListByOrg(ctx, c.organization, &gh.RepositoryListByOrgOptions{ListOptions: gh.ListOptions{PerPage: maxPerPage, Page: page}})
		if err != nil {
			return nil, err
		}
		for _, r := range repos {
			ids[strings.ToLower(r.GetName())] = r.GetID()
		}
		page = resp.NextPage
	}
	return ids, nil
}

func fromGitHubRepository(r *gh.Repository) Repository {
	return Repository{ID: r.GetID(), Name: r.GetName(), FullName: r.GetFullName(), Private: r.GetPrivate()}
}
