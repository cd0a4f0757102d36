package simulator

import (
	"net/http"
	"strconv"
	"strings"
)

// restRoutes registers GitHub's REST endpoints.
func (s *Server) restRoutes() {
	// Authentication and runner registration (PROTOCOL.md §2).
	s.restHandle("POST", "/app/installations/{installation_id}/access_tokens", s.createInstallationToken)
	s.restHandle("POST", "/orgs/{org}/actions/runners/registration-token", s.createOrgRegistrationToken)
	s.restHandle("POST", "/repos/{owner}/{repo}/actions/runners/registration-token", s.createRepoRegistrationToken)
	s.restHandle("POST", "/enterprises/{enterprise}/actions/runners/registration-token", s.createEnterpriseRegistrationToken)
	s.restHandle("POST", "/actions/runner-registration", s.runnerRegistration)

	// Organization runner groups (§3).
	const orgGroups = "/orgs/{org}/actions/runner-groups"
	s.restHandle("GET", orgGroups, s.orgGroupHandler(s.listGroupsHandler))
	s.restHandle("POST", orgGroups, s.orgGroupHandler(s.createGroupHandler))
	s.restHandle("GET", orgGroups+"/{runner_group_id}", s.orgGroupHandler(withGroupID(s.getGroupHandler)))
	s.restHandle("PATCH", orgGroups+"/{runner_group_id}", s.orgGroupHandler(withGroupID(s.updateGroupHandler)))
	s.restHandle("DELETE", orgGroups+"/{runner_group_id}", s.orgGroupHandler(withGroupID(s.deleteGroupHandler)))
	s.restHandle("GET", orgGroups+"/{runner_group_id}/repositories", s.orgGroupHandler(withGroupID(s.listGroupReposHandler)))
	s.restHandle("PUT", orgGroups+"/{runner_group_id}/repositories", s.orgGroupHandler(withGroupID(s.setGroupSelectionHandler)))
	s.restHandle("PUT", orgGroups+"/{runner_group_id}/repositories/{repository_id}", s.orgGroupHandler(withGroupID(s.addGroupSelectionHandler)))
	s.restHandle("DELETE", orgGroups+"/{runner_group_id}/repositories/{repository_id}", s.orgGroupHandler(withGroupID(s.removeGroupSelectionHandler)))
	s.restHandle("GET", orgGroups+"/{runner_group_id}/runners", s.orgGroupHandler(withGroupID(s.listGroupRunnersHandler)))

	// Enterprise runner groups (§3.4, optional in the contract).
	const entGroups = "/enterprises/{enterprise}/actions/runner-groups"
	s.restHandle("GET", entGroups, s.enterpriseGroupHandler(s.listGroupsHandler))
	s.restHandle("POST", entGroups, s.enterpriseGroupHandler(s.createGroupHandler))
	s.restHandle("GET", entGroups+"/{runner_group_id}", s.enterpriseGroupHandler(withGroupID(s.getGroupHandler)))
	s.restHandle("PATCH", entGroups+"/{runner_group_id}", s.enterpriseGroupHandler(withGroupID(s.updateGroupHandler)))
	s.restHandle("DELETE", entGroups+"/{runner_group_id}", s.enterpriseGroupHandler(withGroupID(s.deleteGroupHandler)))
	s.restHandle("GET", entGroups+"/{runner_group_id}/organizations", s.enterpriseGroupHandler(withGroupID(s.listGroupOrgsHandler)))
	s.restHandle("PUT", entGroups+"/{runner_group_id}/organizations", s.enterpriseGroupHandler(withGroupID(s.setGroupSelectionHandler)))
	s.restHandle("PUT", entGroups+"/{runner_group_id}/organizations/{org_id}", s.enterpriseGroupHandler(withGroupID(s.addGroupSelectionHandler)))
	s.restHandle("DELETE", entGroups+"/{runner_group_id}/organizations/{org_id}", s.enterpriseGroupHandler(withGroupID(s.removeGroupSelectionHandler)))
	s.restHandle("GET", entGroups+"/{runner_group_id}/runners", s.enterpriseGroupHandler(withGroupID(s.listGroupRunnersHandler)))

	// Repositories, so clients can resolve names to ids.
	s.restHandle("GET", "/repos/{owner}/{repo}", s.getRepository)
	s.restHandle("GET", "/orgs/{org}/repos", s.listOrgRepositories)

	// Every other GHES path is GitHub's JSON 404. (No such catch-all on the hosted
	// host: it would shadow the Actions and admin routes there.)
	s.mux.HandleFunc(apiPrefix+"/", notFoundHandler)
}

func notFoundHandler(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusNotFound, msgNotFound, docREST)
}

// writeFailure answers f with GitHub's error body.
func writeFailure(w http.ResponseWriter, f *failure, doc string) {
	writeError(w, f.status, f.message, doc, f.errs...)
}

// apiBase is the REST base the request came in through, ending in "/", for URLs in
// answers: https://HOST/api/v3/ or https://api.github.localhost[:PORT]/.
func apiBase(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, apiPrefix+"/") {
		return "https://" + r.Host + apiPrefix + "/"
	}
	return "https://" + r.Host + "/"
}

// htmlBase is the web base matching apiBase: the GHES host, or github.localhost.
func htmlBase(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, apiPrefix+"/") {
		return "https://" + r.Host + "/"
	}
	return "https://" + strings.TrimPrefix(r.Host, "api.") + "/"
}

// pathID reads a positive numeric path value; anything else is GitHub's 404.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

// repositoryJSON is the part of GitHub's repository object clients read.
type repositoryJSON struct {
	ID         int64     `json:"id"`
	NodeID     string    `json:"node_id"`
	Name       string    `json:"name"`
	FullName   string    `json:"full_name"`
	Private    bool      `json:"private"`
	Visibility string    `json:"visibility"`
	Owner      ownerJSON `json:"owner"`
	HTMLURL    string    `json:"html_url"`
	URL        string    `json:"url"`
}

type ownerJSON struct {
	Login   string `json:"login"`
	ID      int64  `json:"id"`
	NodeID  string `json:"node_id"`
	Type    string `json:"type"`
	URL     string `json:"url"`
	HTMLURL string `json:"html_url"`
}

type organizationJSON struct {
	Login  string `json:"login"`
	ID     int64  `json:"id"`
	NodeID string `json:"node_id"`
	URL    string `json:"url"`
}

func toRepositoryJSON(r *http.Request, repo *repository) repositoryJSON {
	visibility := "public"
	if repo.private {
		visibility = "private"
	}
	return repositoryJSON{
		ID: repo.id, NodeID: nodeID("R_", repo.id), Name: repo.name, FullName: repo.fullName(),
		Private: repo.private, Visibility: visibility,
		Owner:   toOwnerJSON(r, repo.owner),
		HTMLURL: htmlBase(r) + repo.fullName(),
		URL:     apiBase(r) + "repos/" + repo.fullName(),
	}
}

func toOwnerJSON(r *http.Request, o *organization) ownerJSON {
	return ownerJSON{Login: o.login, ID: o.id, NodeID: nodeID("O_", o.id), Type: "Organization",
		URL: apiBase(r) + "users/" + o.login, HTMLURL: htmlBase(r) + o.login}
}

func nodeID(prefix string, id int64) string {
	return prefix + strconv.FormatInt(id, 36)
}
