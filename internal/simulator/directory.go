package simulator

import (
	"strings"

	"github.com/arc-crossplane/provider-github-arc/internal/simulator/actions"
)

// directory is what the Actions Service sees of the store: the same tenants and the
// same runner group ids as the REST side.
type directory struct {
	store *store
}

var _ actions.Directory = (*directory)(nil)

func (d *directory) RunnerGroupByName(tenantID, name string) (actions.Group, bool) {
	d.store.mu.RLock()
	defer d.store.mu.RUnlock()
	t, ok := d.store.tenants[tenantID]
	if !ok {
		return actions.Group{}, false
	}
	for _, g := range t.groups {
		if strings.EqualFold(g.name, name) {
			return actions.Group{ID: g.id, Name: g.name, IsDefault: g.isDefault}, true
		}
	}
	return actions.Group{}, false
}

func (d *directory) RunnerGroupByID(tenantID string, id int64) (actions.Group, bool) {
	d.store.mu.RLock()
	defer d.store.mu.RUnlock()
	t, ok := d.store.tenants[tenantID]
	if !ok {
		return actions.Group{}, false
	}
	g, ok := t.groups[id]
	if !ok {
		return actions.Group{}, false
	}
	return actions.Group{ID: g.id, Name: g.name, IsDefault: g.isDefault}, true
}

func (d *directory) RepositoryAllowed(tenantID string, groupID int64, repo string) bool {
	d.store.mu.RLock()
	t, ok := d.store.tenants[tenantID]
	d.store.mu.RUnlock()
	return ok && d.store.groupAdmits(t, groupID, repo)
}

func (d *directory) TenantsForRepository(repo string) []string {
	d.store.mu.RLock()
	defer d.store.mu.RUnlock()
	r, ok := d.store.reposByName[strings.ToLower(repo)]
	if !ok {
		return nil
	}
	out := []string{r.tenant.id, r.owner.tenant.id}
	if e := r.owner.enterprise; e != nil {
		out = append(out, e.tenant.id)
	}
	return out
}

// groupAdmits applies a runner group's repository policy (PROTOCOL.md §5.4) to repo
// ("owner/name"). The workflow restriction needs the job's workflow ref, which the
// Actions Service checks itself.
func (s *store) groupAdmits(t *tenant, groupID int64, repo string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := t.groups[groupID]
	if !ok {
		return false
	}
	r, ok := s.reposByName[strings.ToLower(repo)]
	if !ok {
		return false
	}
	switch t.kind {
	case KindRepository:
		// A repository's own runners serve it whether it is public or not.
		return r == t.repo
	case KindOrganization:
		if r.owner != t.org {
			return false
		}
	case KindEnterprise:
		if r.owner.enterprise != t.enterprise {
			return false
		}
	}
	if !r.private && !g.allowsPublic {
		return false
	}
	switch g.visibility {
	case visibilitySelected:
		if t.kind == KindEnterprise {
			return g.selected[r.owner.id]
		}
		return g.selected[r.id]
	case visibilityPrivate:
		return r.private
	}
	return true
}
