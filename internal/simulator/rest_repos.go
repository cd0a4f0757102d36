package simulator

import (
	"net/http"
	"strings"
)

// getRepository serves GET /repos/{owner}/{repo}. A private repository the caller
// cannot see is GitHub's 404, not 403, so its existence does not leak.
func (s *Server) getRepository(w http.ResponseWriter, r *http.Request) {
	p, f := s.authenticate(r)
	if f != nil {
		writeFailure(w, f, docRepos)
		return
	}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	repo, ok := s.store.reposByName[strings.ToLower(r.PathValue("owner")+"/"+r.PathValue("repo"))]
	if !ok || p.app != nil || !p.canSee(repo) {
		writeFailure(w, errNotFound, docRepos)
		return
	}
	writeJSON(w, http.StatusOK, toRepositoryJSON(r, repo))
}

// listOrgRepositories serves GET /orgs/{org}/repos: the repositories the caller can
// see, in id order, paginated.
func (s *Server) listOrgRepositories(w http.ResponseWriter, r *http.Request) {
	p, f := s.authenticate(r)
	if f != nil {
		writeFailure(w, f, docRepos)
		return
	}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	o, ok := s.store.orgs[strings.ToLower(r.PathValue("org"))]
	if !ok || p.app != nil {
		writeFailure(w, errNotFound, docRepos)
		return
	}
	kind := r.URL.Query().Get("type")
	var visible []*repository
	for _, repo := range o.repos {
		if !p.canSee(repo) {
			continue
		}
		if (kind == "public" && repo.private) || (kind == "private" && !repo.private) {
			continue
		}
		visible = append(visible, repo)
	}
	page := paginate(w, r, visible)
	out := make([]repositoryJSON, 0, len(page))
	for _, repo := range page {
		out = append(out, toRepositoryJSON(r, repo))
	}
	writeJSON(w, http.StatusOK, out)
}
