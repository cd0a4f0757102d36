package listener

import "math"

// DesiredRunners is the scaling rule: the runners the scale set needs are its
// idle floor plus one per job the service assigned to it (waiting for a runner
// or running), never more than maxRunners. Assigned jobs come from the
// service's statistics, not from counting messages: message bodies are capped
// and a restarted listener has seen none of the earlier ones.
func DesiredRunners(minRunners, maxRunners, assignedJobs int) int {
	desired := minRunners + max(assignedJobs, 0)
	if desired > maxRunners {
		desired = maxRunners
	}
	return max(desired, 0)
}

// scaleState is what the listener last wrote to its EphemeralRunnerSet.
type scaleState struct {
	// written is false until the first patch of a session succeeds; a new
	// session may have missed events, so it starts without a previous target.
	written  bool
	replicas int
	patchID  int64
	// lastSeq is the last non-zero patchID handed out; it only grows, across
	// sessions too.
	lastSeq int64
}

// scaleInput is one batch as the scaling decision sees it.
type scaleInput struct {
	minRunners, maxRunners int
	assignedJobs           int
	// runningJobs are the assigned jobs that run: the set keeps a slot for
	// each whose runner exited before the next patch (the EphemeralRunnerSet
	// API's spec.runningJobs says why).
	runningJobs int
	// eventful tells that the batch held JobCompleted messages: runners
	// went, so the controller must look again even when the number stays
	// the same (as ARC's listener, which counts completed jobs only).
	eventful bool
}

// scaleDecision is what to write, or nothing. Its RunningJobs never keeps
// more slots than Replicas.
type scaleDecision struct {
	ScaleTarget
	// patch is false for a no-op: the patch would tell the controller
	// nothing it does not know.
	patch bool
}

// decideScale applies ARC's patchID rules to one batch:
//
//   - every patch that carries news gets the next patchID, so the controller
//     can tell a new desired state from runners that merely exited under the
//     current one;
//   - a batch without events that leaves the target at minRunners, where it
//     already was, gets patchID 0: every runner should then be idle, and 0
//     lets the controller reconcile the whole set (remove extra idle runners
//     a scale-down race left behind).
//
// Unlike ARC, which patches after every poll, a patch identical to the last
// one written, or one that would only raise the patchID without events or a
// new replica count, is skipped. A change of runningJobs alone is not news:
// it falls only with a completion, which is, and a value that lags a rise
// keeps fewer slots, never one a waiting job needs.
func decideScale(st scaleState, in scaleInput) scaleDecision {
	replicas := DesiredRunners(in.minRunners, in.maxRunners, in.assignedJobs)
	d := scaleDecision{ScaleTarget: ScaleTarget{Replicas: replicas, RunningJobs: min(max(in.runningJobs, 0), replicas)}}
	unchanged := st.written && replicas == st.replicas
	switch {
	case unchanged && !in.eventful && replicas == in.minRunners:
		// Idle at the floor: the full-reconcile patch, written once.
		d.PatchID, d.patch = 0, st.patchID != 0
	case unchanged && !in.eventful:
		d.PatchID, d.patch = st.patchID, false
	default:
		d.PatchID, d.patch = nextPatchID(st.lastSeq), true
	}
	return d
}

// nextPatchID never returns 0, which means "reconcile everything", and never
// overflows.
func nextPatchID(last int64) int64 {
	if last <= 0 || last == math.MaxInt64 {
		return 1
	}
	return last + 1
}

// commit records a decision the API server accepted.
func (st scaleState) commit(d scaleDecision) scaleState {
	st.written, st.replicas, st.patchID = true, d.Replicas, d.PatchID
	if d.PatchID != 0 {
		st.lastSeq = d.PatchID
	}
	return st
}
