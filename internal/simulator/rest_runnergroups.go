package simulator

import (
	"net/http"
	"strconv"
	"strings"
)

// groupScope is the organization or enterprise whose runner groups a request acts on.
type groupScope struct {
	tenant *tenant
	// base is the absolute URL of the scope's runner-groups collection.
	base string
}

type groupHandler func(w http.ResponseWriter, r *http.Request, scope groupScope)

// withGroupID reads the path's {runner_group_id} for h, answering GitHub's 404 when
// it is not an id.
func withGroupID(h func(w http.ResponseWriter, r *http.Request, scope groupScope, id int64)) groupHandler {
	return func(w http.ResponseWriter, r *http.Request, scope groupScope) {
		id, ok := pathID(r, "runner_group_id")
		if !ok {
			writeFailure(w, errNotFound, docRunnerGroups)
			return
		}
		h(w, r, scope, id)
	}
}

type runnerGroupJSON struct {
	ID                           int64    `json:"id"`
	Name                         string   `json:"name"`
	Visibility                   string   `json:"visibility"`
	Default                      bool     `json:"default"`
	SelectedRepositoriesURL      string   `json:"selected_repositories_url,omitempty"`
	SelectedOrganizationsURL     string   `json:"selected_organizations_url,omitempty"`
	RunnersURL                   string   `json:"runners_url"`
	HostedRunnersURL             string   `json:"hosted_runners_url"`
	Inherited                    bool     `json:"inherited"`
	AllowsPublicRepositories     bool     `json:"allows_public_repositories"`
	RestrictedToWorkflows        bool     `json:"restricted_to_workflows"`
	SelectedWorkflows            []string `json:"selected_workflows"`
	WorkflowRestrictionsReadOnly bool     `json:"workflow_restrictions_read_only"`
}

type runnerGroupsJSON struct {
	TotalCount   int               `json:"total_count"`
	RunnerGroups []runnerGroupJSON `json:"runner_groups"`
}

type groupRepositoriesJSON struct {
	TotalCount   int              `json:"total_count"`
	Repositories []repositoryJSON `json:"repositories"`
}

type groupOrganizationsJSON struct {
	TotalCount    int                `json:"total_count"`
	Organizations []organizationJSON `json:"organizations"`
}

type groupRunnersJSON struct {
	TotalCount int   `json:"total_count"`
	Runners    []any `json:"runners"`
}

// createGroupRequest is the body of a create call, for both scopes.
type createGroupRequest struct {
	Name                     *string   `json:"name"`
	Visibility               *string   `json:"visibility"`
	SelectedRepositoryIDs    *[]int64  `json:"selected_repository_ids"`
	SelectedOrganizationIDs  *[]int64  `json:"selected_organization_ids"`
	Runners                  *[]int64  `json:"runners"`
	AllowsPublicRepositories *bool     `json:"allows_public_repositories"`
	RestrictedToWorkflows    *bool     `json:"restricted_to_workflows"`
	SelectedWorkflows        *[]string `json:"selected_workflows"`
}

type updateGroupRequest struct {
	Name                     *string   `json:"name"`
	Visibility               *string   `json:"visibility"`
	AllowsPublicRepositories *bool     `json:"allows_public_repositories"`
	RestrictedToWorkflows    *bool     `json:"restricted_to_workflows"`
	SelectedWorkflows        *[]string `json:"selected_workflows"`
}

type setSelectionRequest struct {
	SelectedRepositoryIDs   *[]int64 `json:"selected_repository_ids"`
	SelectedOrganizationIDs *[]int64 `json:"selected_organization_ids"`
}

// orgGroupHandler resolves {org} for an org administrator and calls h.
func (s *Server) orgGroupHandler(h groupHandler) http.HandlerFunc {
	return s.scopedGroupHandler(h, func(p *principal, r *http.Request) (groupScope, bool, bool) {
		o, ok := s.store.orgs[strings.ToLower(r.PathValue("org"))]
		if !ok {
			return groupScope{}, false, false
		}
		return groupScope{tenant: o.tenant, base: apiBase(r) + "orgs/" + o.login + "/actions/runner-groups"}, true, p.canAdministerOrg(o)
	})
}

// enterpriseGroupHandler resolves {enterprise} for an enterprise runner manager and calls h.
func (s *Server) enterpriseGroupHandler(h groupHandler) http.HandlerFunc {
	return s.scopedGroupHandler(h, func(p *principal, r *http.Request) (groupScope, bool, bool) {
		e, ok := s.store.enterprises[strings.ToLower(r.PathValue("enterprise"))]
		if !ok {
			return groupScope{}, false, false
		}
		return groupScope{tenant: e.tenant, base: apiBase(r) + "enterprises/" + e.slug + "/actions/runner-groups"}, true, p.canManageEnterprise(e)
	})
}

// scopedGroupHandler authenticates a user (Apps may not manage runner groups),
// resolves the request's scope with resolve under the store's read lock, and calls
// h when the scope exists and the user may manage its groups.
func (s *Server) scopedGroupHandler(h groupHandler, resolve func(p *principal, r *http.Request) (sc groupScope, found, allowed bool)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, f := s.authenticate(r)
		if f == nil && p.app != nil {
			f = &failure{status: http.StatusForbidden, message: msgNotAccessible}
		}
		if f != nil {
			writeFailure(w, f, docRunnerGroups)
			return
		}
		s.store.mu.RLock()
		sc, found, allowed := resolve(p, r)
		s.store.mu.RUnlock()
		switch {
		case !found:
			writeFailure(w, errNotFound, docRunnerGroups)
		case !allowed:
			writeFailure(w, p.forbidden(), docRunnerGroups)
		default:
			h(w, r, sc)
		}
	}
}

func (sc groupScope) toJSON(g runnerGroup) runnerGroupJSON {
	self := sc.base + "/" + strconv.FormatInt(g.id, 10)
	out := runnerGroupJSON{
		ID: g.id, Name: g.name, Visibility: g.visibility, Default: g.isDefault,
		RunnersURL: self + "/runners", HostedRunnersURL: self + "/hosted-runners",
		AllowsPublicRepositories: g.allowsPublic, RestrictedToWorkflows: g.restrictedToWorkflows,
		SelectedWorkflows: append([]string{}, g.selectedWorkflows...),
	}
	if g.visibility == visibilitySelected {
		if sc.tenant.kind == KindEnterprise {
			out.SelectedOrganizationsURL = self + "/organizations"
		} else {
			out.SelectedRepositoriesURL = self + "/repositories"
		}
	}
	return out
}

func (s *Server) listGroupsHandler(w http.ResponseWriter, r *http.Request, sc groupScope) {
	groups := s.store.listGroups(sc.tenant)
	if repo := r.URL.Query().Get("visible_to_repository"); repo != "" && sc.tenant.kind == KindOrganization {
		visible := groups[:0]
		for _, g := range groups {
			if s.store.groupAdmits(sc.tenant, g.id, sc.tenant.org.login+"/"+repo) {
				visible = append(visible, g)
			}
		}
		groups = visible
	}
	page := paginate(w, r, groups)
	out := runnerGroupsJSON{TotalCount: len(groups), RunnerGroups: make([]runnerGroupJSON, 0, len(page))}
	for _, g := range page {
		out.RunnerGroups = append(out.RunnerGroups, sc.toJSON(g))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getGroupHandler(w http.ResponseWriter, r *http.Request, sc groupScope, id int64) {
	g, f := s.store.getGroup(sc.tenant, id)
	if f != nil {
		writeFailure(w, f, docRunnerGroups)
		return
	}
	writeJSON(w, http.StatusOK, sc.toJSON(g))
}

func (s *Server) createGroupHandler(w http.ResponseWriter, r *http.Request, sc groupScope) {
	var req createGroupRequest
	if f := decodeBody(r, &req, resourceRunnerGroup); f != nil {
		writeFailure(w, f, docRunnerGroups)
		return
	}
	params := groupParams{
		Name: req.Name, Visibility: req.Visibility, AllowsPublic: req.AllowsPublicRepositories,
		RestrictedToWorkflows: req.RestrictedToWorkflows, SelectedWorkflows: req.SelectedWorkflows,
		SelectedIDs: req.SelectedRepositoryIDs,
	}
	if sc.tenant.kind == KindEnterprise {
		params.SelectedIDs = req.SelectedOrganizationIDs
	}
	g, f := s.store.createGroup(sc.tenant, params)
	if f != nil {
		writeFailure(w, f, docRunnerGroups)
		return
	}
	writeJSON(w, http.StatusCreated, sc.toJSON(g))
}

func (s *Server) updateGroupHandler(w http.ResponseWriter, r *http.Request, sc groupScope, id int64) {
	var req updateGroupRequest
	if f := decodeBody(r, &req, resourceRunnerGroup); f != nil {
		writeFailure(w, f, docRunnerGroups)
		return
	}
	g, f := s.store.updateGroup(sc.tenant, id, groupParams{
		Name: req.Name, Visibility: req.Visibility, AllowsPublic: req.AllowsPublicRepositories,
		RestrictedToWorkflows: req.RestrictedToWorkflows, SelectedWorkflows: req.SelectedWorkflows,
	})
	if f != nil {
		writeFailure(w, f, docRunnerGroups)
		return
	}
	writeJSON(w, http.StatusOK, sc.toJSON(g))
}

func (s *Server) deleteGroupHandler(w http.ResponseWriter, r *http.Request, sc groupScope, id int64) {
	if f := s.store.deleteGroup(sc.tenant, id); f != nil {
		writeFailure(w, f, docRunnerGroups)
		return
	}
	writeNoContent(w)
}

func (s *Server) listGroupReposHandler(w http.ResponseWriter, r *http.Request, sc groupScope, id int64) {
	repos, f := s.store.groupRepositories(sc.tenant, id)
	if f != nil {
		writeFailure(w, f, docRunnerGroups)
		return
	}
	page := paginate(w, r, repos)
	out := groupRepositoriesJSON{TotalCount: len(repos), Repositories: make([]repositoryJSON, 0, len(page))}
	for _, repo := range page {
		out.Repositories = append(out.Repositories, toRepositoryJSON(r, repo))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listGroupOrgsHandler(w http.ResponseWriter, r *http.Request, sc groupScope, id int64) {
	orgs, f := s.store.groupOrganizations(sc.tenant, id)
	if f != nil {
		writeFailure(w, f, docRunnerGroups)
		return
	}
	page := paginate(w, r, orgs)
	out := groupOrganizationsJSON{TotalCount: len(orgs), Organizations: make([]organizationJSON, 0, len(page))}
	for _, o := range page {
		out.Organizations = append(out.Organizations, organizationJSON{Login: o.login, ID: o.id, NodeID: nodeID("O_", o.id), URL: apiBase(r) + "orgs/" + o.login})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) setGroupSelectionHandler(w http.ResponseWriter, r *http.Request, sc groupScope, id int64) {
	var req setSelectionRequest
	if f := decodeBody(r, &req, resourceRunnerGroup); f != nil {
		writeFailure(w, f, docRunnerGroups)
		return
	}
	ids := req.SelectedRepositoryIDs
	if sc.tenant.kind == KindEnterprise {
		ids = req.SelectedOrganizationIDs
	}
	if ids == nil {
		writeFailure(w, validation(selectedField(sc.tenant), codeMissingField, selectedField(sc.tenant)+" wasn't supplied."), docRunnerGroups)
		return
	}
	if f := s.store.changeGroupSelection(sc.tenant, id, selectionReplace, *ids); f != nil {
		writeFailure(w, f, docRunnerGroups)
		return
	}
	writeNoContent(w)
}

func (s *Server) addGroupSelectionHandler(w http.ResponseWriter, r *http.Request, sc groupScope, id int64) {
	s.changeOneSelection(w, r, sc, id, selectionAdd)
}

func (s *Server) removeGroupSelectionHandler(w http.ResponseWriter, r *http.Request, sc groupScope, id int64) {
	s.changeOneSelection(w, r, sc, id, selectionRemove)
}

func (s *Server) changeOneSelection(w http.ResponseWriter, r *http.Request, sc groupScope, id int64, change selectionChange) {
	member := "repository_id"
	if sc.tenant.kind == KindEnterprise {
		member = "org_id"
	}
	memberID, ok := pathID(r, member)
	if !ok {
		writeFailure(w, errNotFound, docRunnerGroups)
		return
	}
	if f := s.store.changeGroupSelection(sc.tenant, id, change, []int64{memberID}); f != nil {
		writeFailure(w, f, docRunnerGroups)
		return
	}
	writeNoContent(w)
}

// listGroupRunnersHandler answers the group's REST runners. The simulator's runners
// live in the Actions Service, which does not expose them per group, so the list is
// empty [SIM].
func (s *Server) listGroupRunnersHandler(w http.ResponseWriter, r *http.Request, sc groupScope, id int64) {
	if _, f := s.store.getGroup(sc.tenant, id); f != nil {
		writeFailure(w, f, docRunnerGroups)
		return
	}
	writeJSON(w, http.StatusOK, groupRunnersJSON{TotalCount: 0, Runners: []any{}})
}
