package simulator

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Runner group visibilities.
const (
	visibilityAll      = "all"
	visibilitySelected = "selected"
	visibilityPrivate  = "private"
)

const (
	resourceRunnerGroup = "RunnerGroup"
	maxGroupNameLength  = 255
)

type runnerGroup struct {
	id                    int64
	name                  string
	visibility            string
	isDefault             bool
	allowsPublic          bool
	restrictedToWorkflows bool
	selectedWorkflows     []string
	// selected holds repository ids for organization groups and organization ids for
	// enterprise groups; it matters only while visibility is "selected".
	selected map[int64]bool
}

func (g *runnerGroup) clone() runnerGroup {
	c := *g
	c.selectedWorkflows = append([]string(nil), g.selectedWorkflows...)
	c.selected = make(map[int64]bool, len(g.selected))
	for id := range g.selected {
		c.selected[id] = true
	}
	return c
}

func (g *runnerGroup) selectedIDs() []int64 {
	ids := make([]int64, 0, len(g.selected))
	for id := range g.selected {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// groupParams are the fields of a create or update request; nil means absent.
type groupParams struct {
	Name                  *string
	Visibility            *string
	AllowsPublic          *bool
	RestrictedToWorkflows *bool
	SelectedWorkflows     *[]string
	SelectedIDs           *[]int64 // create only
}

// failure is a REST answer other than success, produced by the domain logic.
type failure struct {
	status  int
	message string
	errs    []fieldError
}

func (f *failure) Error() string { return fmt.Sprintf("%d %s", f.status, f.message) }

var errNotFound = &failure{status: http.StatusNotFound, message: msgNotFound}

func validation(field, code, message string) *failure {
	return &failure{status: http.StatusUnprocessableEntity, message: msgValidationFailed,
		errs: []fieldError{{Resource: resourceRunnerGroup, Field: field, Code: code, Message: message}}}
}

// allowedVisibilities lists what a tenant kind accepts: enterprise groups select
// organizations and have no "private".
func allowedVisibilities(kind string) []string {
	if kind == KindEnterprise {
		return []string{visibilityAll, visibilitySelected}
	}
	return []string{visibilityAll, visibilitySelected, visibilityPrivate}
}

func (s *store) listGroups(t *tenant) []runnerGroup {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]runnerGroup, 0, len(t.groups))
	for _, g := range t.groups {
		out = append(out, g.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (s *store) getGroup(t *tenant, id int64) (runnerGroup, *failure) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := t.groups[id]
	if !ok {
		return runnerGroup{}, errNotFound
	}
	return g.clone(), nil
}

func (s *store) createGroup(t *tenant, p groupParams) (runnerGroup, *failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.kind == KindRepository {
		return runnerGroup{}, errNotFound
	}
	if p.Name == nil || strings.TrimSpace(*p.Name) == "" {
		return runnerGroup{}, validation("name", codeMissingField, "name wasn't supplied.")
	}
	g := &runnerGroup{id: t.nextGroupID, visibility: visibilityAll, selected: map[int64]bool{}}
	if f := s.applyGroupParams(t, g, p); f != nil {
		return runnerGroup{}, f
	}
	if p.SelectedIDs != nil {
		if f := s.checkSelectable(t, *p.SelectedIDs, selectedField(t)); f != nil {
			return runnerGroup{}, f
		}
		if g.visibility == visibilitySelected {
			for _, id := range *p.SelectedIDs {
				g.selected[id] = true
			}
		}
	}
	t.nextGroupID++
	t.groups[g.id] = g
	return g.clone(), nil
}

func (s *store) updateGroup(t *tenant, id int64, p groupParams) (runnerGroup, *failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := t.groups[id]
	if !ok {
		return runnerGroup{}, errNotFound
	}
	// Work on a copy so that a rejected update changes nothing.
	updated := g.clone()
	if f := s.applyGroupParams(t, &updated, p); f != nil {
		return runnerGroup{}, f
	}
	if updated.visibility != visibilitySelected {
		updated.selected = map[int64]bool{}
	}
	*g = updated
	return g.clone(), nil
}

// applyGroupParams validates p and writes it into g. Callers hold s.mu.
func (s *store) applyGroupParams(t *tenant, g *runnerGroup, p groupParams) *failure {
	if p.Name != nil {
		name := strings.TrimSpace(*p.Name)
		switch {
		case name == "":
			return validation("name", codeInvalid, "name must not be blank.")
		case len(name) > maxGroupNameLength:
			return validation("name", codeInvalid, fmt.Sprintf("name is too long (maximum is %d characters).", maxGroupNameLength))
		}
		for _, other := range t.groups {
			if other.id != g.id && strings.EqualFold(other.name, name) {
				return validation("name", codeAlreadyExists, "")
			}
		}
		g.name = name
	}
	if p.Visibility != nil {
		v := *p.Visibility
		allowed := allowedVisibilities(t.kind)
		if !contains(allowed, v) {
			return validation("visibility", codeInvalid, fmt.Sprintf("visibility must be one of %s.", strings.Join(allowed, ", ")))
		}
		g.visibility = v
	}
	if p.AllowsPublic != nil {
		g.allowsPublic = *p.AllowsPublic
	}
	if p.RestrictedToWorkflows != nil {
		g.restrictedToWorkflows = *p.RestrictedToWorkflows
	}
	if p.SelectedWorkflows != nil {
		for _, wf := range *p.SelectedWorkflows {
			if strings.TrimSpace(wf) == "" {
				return validation("selected_workflows", codeInvalid, "selected_workflows must not contain blank entries.")
			}
		}
		g.selectedWorkflows = append([]string{}, *p.SelectedWorkflows...)
	}
	return nil
}

func (s *store) deleteGroup(t *tenant, id int64) *failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := t.groups[id]
	if !ok {
		return errNotFound
	}
	if g.isDefault {
		return &failure{status: http.StatusUnprocessableEntity, message: "The default runner group cannot be deleted.",
			errs: []fieldError{{Resource: resourceRunnerGroup, Field: "id", Code: codeCustom, Message: "The default runner group cannot be deleted."}}}
	}
	delete(t.groups, id)
	return nil
}

// selectionChange says how changeGroupSelection applies ids to a group's selection.
type selectionChange int

const (
	selectionReplace selectionChange = iota
	selectionAdd
	selectionRemove
)

// changeGroupSelection replaces, adds or removes selected ids. Adding an id already
// selected or removing one that is not is a no-op, as on GitHub.
func (s *store) changeGroupSelection(t *tenant, id int64, change selectionChange, ids []int64) *failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := t.groups[id]
	if !ok {
		return errNotFound
	}
	if g.visibility != visibilitySelected {
		return validation("visibility", codeInvalid, "The runner group visibility must be set to 'selected' to change its access list.")
	}
	switch change {
	case selectionRemove:
		for _, id := range ids {
			if !s.selectable(t, id) {
				return errNotFound
			}
			delete(g.selected, id)
		}
	case selectionAdd, selectionReplace:
		if f := s.checkSelectable(t, ids, selectedField(t)); f != nil {
			return f
		}
		if change == selectionReplace {
			g.selected = map[int64]bool{}
		}
		for _, id := range ids {
			g.selected[id] = true
		}
	}
	return nil
}

// groupRepositories lists the repositories a group selects, in id order; empty unless
// its visibility is "selected".
func (s *store) groupRepositories(t *tenant, id int64) ([]*repository, *failure) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := t.groups[id]
	if !ok {
		return nil, errNotFound
	}
	out := []*repository{}
	if g.visibility != visibilitySelected {
		return out, nil
	}
	for _, rid := range g.selectedIDs() {
		if r, ok := s.repos[rid]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// groupOrganizations lists the organizations an enterprise group selects.
func (s *store) groupOrganizations(t *tenant, id int64) ([]*organization, *failure) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := t.groups[id]
	if !ok {
		return nil, errNotFound
	}
	out := []*organization{}
	if g.visibility != visibilitySelected {
		return out, nil
	}
	for _, oid := range g.selectedIDs() {
		for _, o := range t.enterprise.orgs {
			if o.id == oid {
				out = append(out, o)
			}
		}
	}
	return out, nil
}

func selectedField(t *tenant) string {
	if t.kind == KindEnterprise {
		return "selected_organization_ids"
	}
	return "selected_repository_ids"
}

// selectable tells whether id names a repository of the organization (or an
// organization of the enterprise). Callers hold s.mu.
func (s *store) selectable(t *tenant, id int64) bool {
	switch t.kind {
	case KindEnterprise:
		for _, o := range t.enterprise.orgs {
			if o.id == id {
				return true
			}
		}
		return false
	default:
		r, ok := s.repos[id]
		return ok && r.owner == t.org
	}
}

func (s *store) checkSelectable(t *tenant, ids []int64, field string) *failure {
	for _, id := range ids {
		if !s.selectable(t, id) {
			return validation(field, codeInvalid, fmt.Sprintf("%d is not a valid id for this runner group.", id))
		}
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, item := range list {
		if item == v {
			return true
		}
	}
	return false
}
