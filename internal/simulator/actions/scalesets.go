package actions

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// defaultGroupID is the default runner group of every tenant (PROTOCOL.md §3.3).
const defaultGroupID = 1

func (s *Service) handleGetRunnerGroup(w http.ResponseWriter, r *http.Request, tenant string) {
	name := r.URL.Query().Get("groupName")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	groups := []wireRunnerGroup{}
	// A missing group is 200 with count 0: the client turns that into its own
	// "no runner group found" error (PROTOCOL.md §4.3).
	if name != "" {
		if g, ok := s.cfg.Directory.RunnerGroupByName(tenant, name); ok {
			groups = append(groups, wireRunnerGroup{ID: g.ID, Name: g.Name, IsDefault: g.IsDefault, Size: s.groupSizeLocked(tenant, g.ID)})
		}
	}
	writeJSON(w, http.StatusOK, listOf(groups))
}

// groupSizeLocked counts the tenant's runners in the group.
func (s *Service) groupSizeLocked(tenant string, groupID int64) int {
	n := 0
	for _, ss := range s.st.scaleSets {
		if ss.tenant == tenant && ss.groupID == groupID {
			n += len(ss.runners)
		}
	}
	return n
}

func (s *Service) handleListScaleSets(w http.ResponseWriter, r *http.Request, tenant string) {
	q := r.URL.Query()
	var groupID int64
	if v := q.Get("runnerGroupId"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeException(w, http.StatusBadRequest, exArgument, "runnerGroupId %q is not a number", v)
			return
		}
		groupID = id
	}
	name := q.Get("name")

	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	found := []wireScaleSet{}
	for _, ss := range s.scaleSetsLocked(tenant) {
		if groupID != 0 && ss.groupID != groupID {
			continue
		}
		if name != "" && !strings.EqualFold(ss.name, name) {
			continue
		}
		found = append(found, s.scaleSetViewLocked(ss, true))
	}
	writeJSON(w, http.StatusOK, listOf(found))
}

func (s *Service) handleGetScaleSet(w http.ResponseWriter, r *http.Request, tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.scaleSetFromPathLocked(w, r, tenant)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.scaleSetViewLocked(ss, true))
}

func (s *Service) handleCreateScaleSet(w http.ResponseWriter, r *http.Request, tenant string) {
	var req scaleSetRequest
	if err := decodeBody(r, &req); err != nil {
		writeException(w, http.StatusBadRequest, exArgument, "%s", err)
		return
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		writeException(w, http.StatusBadRequest, exArgument, "the runner scale set name must not be empty")
		return
	}
	labels, err := normalizeLabels(req.Labels, name)
	if err != nil {
		writeException(w, http.StatusBadRequest, exArgument, "%s", err)
		return
	}
	groupID := req.RunnerGroupID
	if groupID == 0 {
		groupID = defaultGroupID
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	if _, ok := s.cfg.Directory.RunnerGroupByID(tenant, groupID); !ok {
		writeException(w, http.StatusNotFound, exRunnerGroupNotFound, "runner group %d not found", groupID)
		return
	}
	if other := s.scaleSetByNameLocked(tenant, groupID, name); other != nil {
		writeException(w, http.StatusConflict, exScaleSetExists, "a runner scale set named %q already exists in runner group %d", other.name, groupID)
		return
	}
	s.st.nextScaleSetID++
	ss := &scaleSet{
		id:            s.st.nextScaleSetID,
		tenant:        tenant,
		name:          name,
		groupID:       groupID,
		labels:        labels,
		disableUpdate: req.RunnerSetting.DisableUpdate,
		createdOn:     s.now(),
		capacity:      unlimitedCapacity,
		runners:       map[int]*runner{},
		jobsAssigned:  make(chan struct{}),
	}
	s.st.scaleSets[ss.id] = ss
	writeJSON(w, http.StatusOK, s.scaleSetViewLocked(ss, true))
}

// handlePatchScaleSet applies the rules of PROTOCOL.md §4.4: name when non-empty,
// runnerGroupId when non-zero, labels when non-empty, disableUpdate only when true.
func (s *Service) handlePatchScaleSet(w http.ResponseWriter, r *http.Request, tenant string) {
	var req scaleSetRequest
	if err := decodeBody(r, &req); err != nil && !errors.Is(err, errEmptyBody) {
		writeException(w, http.StatusBadRequest, exArgument, "%s", err)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.scaleSetFromPathLocked(w, r, tenant)
	if !ok {
		return
	}
	name := ss.name
	if n := strings.TrimSpace(req.Name); n != "" {
		name = n
	}
	groupID := ss.groupID
	if req.RunnerGroupID != 0 {
		groupID = req.RunnerGroupID
	}
	labels := ss.labels
	if len(req.Labels) > 0 {
		var err error
		if labels, err = normalizeLabels(req.Labels, name); err != nil {
			writeException(w, http.StatusBadRequest, exArgument, "%s", err)
			return
		}
	}
	if groupID != ss.groupID {
		if _, ok := s.cfg.Directory.RunnerGroupByID(tenant, groupID); !ok {
			writeException(w, http.StatusNotFound, exRunnerGroupNotFound, "runner group %d not found", groupID)
			return
		}
	}
	if other := s.scaleSetByNameLocked(tenant, groupID, name); other != nil && other != ss {
		writeException(w, http.StatusConflict, exScaleSetExists, "a runner scale set named %q already exists in runner group %d", other.name, groupID)
		return
	}
	ss.name, ss.groupID, ss.labels = name, groupID, labels
	if req.RunnerSetting.DisableUpdate {
		ss.disableUpdate = true
	}
	// Matching uses the new name, labels and group for requests not yet
	// assigned (§5.9).
	s.settleLocked()
	writeJSON(w, http.StatusOK, s.scaleSetViewLocked(ss, true))
}

// handleDeleteScaleSet follows PROTOCOL.md §5.9: refused while a runner runs a
// job; otherwise assigned requests go back to the queue, runners are removed and
// the session ends.
func (s *Service) handleDeleteScaleSet(w http.ResponseWriter, r *http.Request, tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.scaleSetFromPathLocked(w, r, tenant)
	if !ok {
		return
	}
	for _, rn := range ss.runners {
		if rn.job != nil {
			writeException(w, http.StatusConflict, exScaleSetBusy, "the runner scale set %q has runners running jobs", ss.name)
			return
		}
	}
	for _, j := range s.st.open {
		if j.scaleSet == ss {
			s.requeueLocked(j)
		}
	}
	for _, rn := range ss.runners {
		s.removeRunnerLocked(rn)
	}
	if ss.session != nil {
		s.endSessionLocked(ss.session)
	}
	delete(s.st.scaleSets, ss.id)
	s.settleLocked()
	writeEmpty(w, http.StatusNoContent)
}

// scaleSetFromPathLocked sweeps, then finds the {id} of the path in the tenant, or
// answers 404.
func (s *Service) scaleSetFromPathLocked(w http.ResponseWriter, r *http.Request, tenant string) (*scaleSet, bool) {
	s.sweepLocked()
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		writeException(w, http.StatusNotFound, exScaleSetNotFound, "runner scale set %q not found", r.PathValue("id"))
		return nil, false
	}
	ss, ok := s.st.scaleSets[id]
	if !ok || ss.tenant != tenant {
		writeException(w, http.StatusNotFound, exScaleSetNotFound, "runner scale set %d not found", id)
		return nil, false
	}
	return ss, true
}

// scaleSetsLocked returns the tenant's scale sets by id.
func (s *Service) scaleSetsLocked(tenant string) []*scaleSet {
	var out []*scaleSet
	for _, ss := range s.st.scaleSets {
		if tenant == "" || ss.tenant == tenant {
			out = append(out, ss)
		}
	}
	slices.SortFunc(out, func(a, b *scaleSet) int { return a.id - b.id })
	return out
}

// scaleSetByNameLocked finds a scale set by name in a group; names compare
// case-insensitively (PROTOCOL.md §4.4).
func (s *Service) scaleSetByNameLocked(tenant string, groupID int64, name string) *scaleSet {
	for _, ss := range s.st.scaleSets {
		if ss.tenant == tenant && ss.groupID == groupID && strings.EqualFold(ss.name, name) {
			return ss
		}
	}
	return nil
}

func (s *Service) scaleSetViewLocked(ss *scaleSet, withStats bool) wireScaleSet {
	v := wireScaleSet{
		ID:                 ss.id,
		Name:               ss.name,
		RunnerGroupID:      ss.groupID,
		Labels:             slices.Clone(ss.labels),
		RunnerSetting:      wireRunnerSetting{Ephemeral: true, IsElastic: true, DisableUpdate: ss.disableUpdate},
		CreatedOn:          ss.createdOn,
		RunnerJitConfigURL: s.cfg.BaseURL(ss.tenant) + "_apis/runtime/runnerscalesets/" + strconv.Itoa(ss.id) + "/generatejitconfig",
	}
	if g, ok := s.cfg.Directory.RunnerGroupByID(ss.tenant, ss.groupID); ok {
		v.RunnerGroupName = g.Name
	}
	if withStats {
		st := s.statisticsLocked(ss)
		v.Statistics = &st
	}
	return v
}

var errLabelName = errors.New("every label must have a name")

// normalizeLabels applies the client's own defaults: a scale set without labels
// carries its name, and a label without a type is a System label.
func normalizeLabels(in []label, name string) ([]label, error) {
	if len(in) == 0 {
		return []label{{Type: "System", Name: name}}, nil
	}
	out := make([]label, 0, len(in))
	for _, l := range in {
		l.Name = strings.TrimSpace(l.Name)
		if l.Name == "" {
			return nil, errLabelName
		}
		if l.Type == "" {
			l.Type = "System"
		}
		out = append(out, l)
	}
	return out, nil
}
