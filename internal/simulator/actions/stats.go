package actions

// statisticsLocked computes a scale set's statistics as PROTOCOL.md §5.5 defines
// them. They are computed whenever served, so a redelivered message carries the
// numbers of the moment it is served.
func (s *Service) statisticsLocked(ss *scaleSet) Statistics {
	var st Statistics
	for _, j := range s.st.open {
		switch {
		case j.state == JobQueued:
			// Requests held back by capacity are still available.
			if s.matchesLocked(j, ss) {
				st.TotalAvailableJobs++
			}
		case j.scaleSet != ss:
		case j.state == JobAssigned:
			st.TotalAssignedJobs++
		case j.state == JobStarted:
			st.TotalAssignedJobs++
			st.TotalRunningJobs++
		}
	}
	// Acquisition assigns at once or leaves the request available, so no request
	// rests in the acquired state: TotalAcquiredJobs stays 0.
	for _, rn := range ss.runners {
		st.TotalRegisteredRunners++
		switch rn.status() {
		case "busy":
			st.TotalBusyRunners++
		case "idle":
			st.TotalIdleRunners++
		}
	}
	return st
}
