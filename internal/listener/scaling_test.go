package listener

import (
	"math"
	"testing"

	"github.com/actions/scaleset"
	"github.com/google/go-cmp/cmp"
)

func TestDesiredRunners(t *testing.T) {
	type args struct{ minRunners, maxRunners, assigned int }
	cases := map[string]struct {
		reason string
		args   args
		want   int
	}{
		"IdleAtFloor":      {reason: "no assigned jobs leaves minRunners", args: args{2, 10, 0}, want: 2},
		"OnePerJob":        {reason: "each assigned job adds a runner above the floor", args: args{2, 10, 3}, want: 5},
		"CappedByMax":      {reason: "maxRunners caps the sum", args: args{2, 10, 50}, want: 10},
		"ExactlyMax":       {reason: "reaching maxRunners is allowed", args: args{0, 5, 5}, want: 5},
		"ZeroMax":          {reason: "maxRunners 0 means no runners at all", args: args{0, 0, 7}, want: 0},
		"MinEqualsMax":     {reason: "a fixed-size set stays fixed", args: args{3, 3, 9}, want: 3},
		"NegativeAssigned": {reason: "a nonsensical negative count never lowers the floor", args: args{2, 10, -4}, want: 2},
		"Unlimited":        {reason: "ARC's unset maxRunners is MaxInt32", args: args{0, math.MaxInt32, 1000}, want: 1000},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := DesiredRunners(tc.args.minRunners, tc.args.maxRunners, tc.args.assigned)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nDesiredRunners(%+v): -want, +got:\n%s", tc.reason, tc.args, diff)
			}
		})
	}
}

func TestDecideScale(t *testing.T) {
	type args struct {
		state scaleState
		in    scaleInput
	}
	bounds := func(assigned int, eventful bool) scaleInput {
		return scaleInput{minRunners: 1, maxRunners: 5, assignedJobs: assigned, eventful: eventful}
	}
	cases := map[string]struct {
		reason string
		args   args
		want   scaleDecision
	}{
		"FirstPatchOfSession": {
			reason: "a session's first batch is always written, with the next patchID, even at the floor",
			args:   args{state: scaleState{lastSeq: 41}, in: bounds(0, false)},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 1, PatchID: 42}, patch: true},
		},
		"ScaleUp": {
			reason: "more assigned jobs raise replicas under a new patchID",
			args:   args{state: scaleState{written: true, replicas: 1, patchID: 42, lastSeq: 42}, in: bounds(3, true)},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 4, PatchID: 43}, patch: true},
		},
		"ScaleUpWithoutEvents": {
			reason: "statistics alone (no started or completed job) still raise replicas",
			args:   args{state: scaleState{written: true, replicas: 1, patchID: 42, lastSeq: 42}, in: bounds(2, false)},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 3, PatchID: 43}, patch: true},
		},
		"CappedAtMax": {
			reason: "maxRunners caps replicas",
			args:   args{state: scaleState{written: true, replicas: 4, patchID: 43, lastSeq: 43}, in: bounds(50, true)},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 5, PatchID: 44}, patch: true},
		},
		"SameCountWithEvents": {
			reason: "a job that finished while another was assigned keeps the count, but the exited runner must be replaced: new patchID",
			args:   args{state: scaleState{written: true, replicas: 3, patchID: 44, lastSeq: 44}, in: bounds(2, true)},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 3, PatchID: 45}, patch: true},
		},
		"SameCountWithoutEventsIsNoOp": {
			reason: "nothing happened and the count stands: the patch would say nothing new",
			args:   args{state: scaleState{written: true, replicas: 3, patchID: 44, lastSeq: 44}, in: bounds(2, false)},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 3, PatchID: 44}, patch: false},
		},
		"ScaleDownToFloor": {
			reason: "the last job completed: back to minRunners under a new patchID",
			args:   args{state: scaleState{written: true, replicas: 2, patchID: 45, lastSeq: 45}, in: bounds(0, true)},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 1, PatchID: 46}, patch: true},
		},
		"IdleAtFloorResets": {
			reason: "idle at the floor with nothing happening: patchID 0 lets the controller reconcile the whole set",
			args:   args{state: scaleState{written: true, replicas: 1, patchID: 46, lastSeq: 46}, in: bounds(0, false)},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 1, PatchID: 0}, patch: true},
		},
		"IdleAtFloorAgainIsNoOp": {
			reason: "the full-reconcile patch is written once, not after every poll",
			args:   args{state: scaleState{written: true, replicas: 1, patchID: 0, lastSeq: 46}, in: bounds(0, false)},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 1, PatchID: 0}, patch: false},
		},
		"AfterResetSequenceContinues": {
			reason: "after a 0 the next patch continues the sequence, never reusing an id",
			args:   args{state: scaleState{written: true, replicas: 1, patchID: 0, lastSeq: 46}, in: bounds(1, true)},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 2, PatchID: 47}, patch: true},
		},
		"EventsAtFloor": {
			reason: "events at the floor (a job canceled before a runner took it) get a new patchID, not 0",
			args:   args{state: scaleState{written: true, replicas: 1, patchID: 0, lastSeq: 47}, in: bounds(0, true)},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 1, PatchID: 48}, patch: true},
		},
		"SequenceWraps": {
			reason: "the sequence wraps to 1, never to 0 or a negative id",
			args:   args{state: scaleState{written: true, replicas: 1, patchID: 7, lastSeq: math.MaxInt64}, in: bounds(2, true)},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 3, PatchID: 1}, patch: true},
		},
		"RunningJobsGoOut": {
			reason: "the running jobs of the statistics go out with replicas, for the set to keep their slots",
			args:   args{state: scaleState{written: true, replicas: 1, patchID: 42, lastSeq: 42}, in: scaleInput{minRunners: 1, maxRunners: 5, assignedJobs: 3, runningJobs: 2, eventful: true}},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 4, PatchID: 43, RunningJobs: 2}, patch: true},
		},
		"RunningJobsNeverBeyondReplicas": {
			reason: "jobs running beyond a lowered maxRunners keep no more slots than replicas",
			args:   args{state: scaleState{written: true, replicas: 5, patchID: 43, lastSeq: 43}, in: scaleInput{minRunners: 0, maxRunners: 2, assignedJobs: 4, runningJobs: 4}},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 2, PatchID: 44, RunningJobs: 2}, patch: true},
		},
		"RunningJobsAloneIsNoOp": {
			reason: "jobs that started, at an unchanged count without a completion, are no news: the set has their runners",
			args:   args{state: scaleState{written: true, replicas: 4, patchID: 43, lastSeq: 43}, in: scaleInput{minRunners: 1, maxRunners: 5, assignedJobs: 3, runningJobs: 3}},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 4, PatchID: 43, RunningJobs: 3}, patch: false},
		},
		"ZeroMaxRunners": {
			reason: "maxRunners 0 keeps replicas at 0 whatever is assigned",
			args:   args{state: scaleState{lastSeq: 9}, in: scaleInput{minRunners: 0, maxRunners: 0, assignedJobs: 4}},
			want:   scaleDecision{ScaleTarget: ScaleTarget{Replicas: 0, PatchID: 10}, patch: true},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := decideScale(tc.args.state, tc.args.in)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(scaleDecision{})); diff != "" {
				t.Errorf("%s\ndecideScale(%+v, %+v): -want, +got:\n%s", tc.reason, tc.args.state, tc.args.in, diff)
			}
		})
	}
}

// A whole run of batches through decideScale and commit: the patches a
// controller sees for a burst of jobs that comes and goes.
func TestDecideScaleSequence(t *testing.T) {
	type batch struct {
		assigned int
		eventful bool
	}
	type patch struct {
		Replicas int
		PatchID  int64
	}
	batches := []batch{
		{0, false}, // session start
		{0, false}, // idle poll: full reconcile
		{0, false}, // idle poll: nothing
		{3, false}, // three jobs assigned
		{3, true},  // they start
		{3, false}, // idle poll while they run: nothing
		{1, true},  // two complete
		{0, true},  // the last completes
		{0, false}, // idle poll: full reconcile
		{0, false}, // idle poll: nothing
	}
	want := []patch{{2, 101}, {2, 0}, {5, 102}, {5, 103}, {3, 104}, {2, 105}, {2, 0}}

	st := scaleState{lastSeq: 100}
	var got []patch
	for _, b := range batches {
		d := decideScale(st, scaleInput{minRunners: 2, maxRunners: 10, assignedJobs: b.assigned, eventful: b.eventful})
		if d.patch {
			got = append(got, patch{d.Replicas, d.PatchID})
			st = st.commit(d)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("patches written: -want, +got:\n%s", diff)
	}
}

func TestAcquireRoom(t *testing.T) {
	type args struct {
		maxRunners int
		stats      *scaleset.RunnerScaleSetStatistic
	}
	cases := map[string]struct {
		reason string
		args   args
		want   int
	}{
		"Empty":        {reason: "nothing held: room for maxRunners", args: args{5, &scaleset.RunnerScaleSetStatistic{}}, want: 5},
		"SomeAssigned": {reason: "assigned jobs take room", args: args{5, &scaleset.RunnerScaleSetStatistic{TotalAssignedJobs: 3}}, want: 2},
		"Acquired":     {reason: "acquired, not yet assigned jobs take room too", args: args{5, &scaleset.RunnerScaleSetStatistic{TotalAssignedJobs: 3, TotalAcquiredJobs: 1}}, want: 1},
		"Full":         {reason: "at maxRunners there is no room", args: args{5, &scaleset.RunnerScaleSetStatistic{TotalAssignedJobs: 5}}, want: 0},
		"Over":         {reason: "above maxRunners (it was lowered) there is no room, not a negative one", args: args{2, &scaleset.RunnerScaleSetStatistic{TotalAssignedJobs: 5}}, want: 0},
		"ZeroMax":      {reason: "maxRunners 0 acquires nothing (ARC issue 3446)", args: args{0, &scaleset.RunnerScaleSetStatistic{TotalAvailableJobs: 9}}, want: 0},
		"NoStatistics": {reason: "without statistics the listener cannot know its room", args: args{5, nil}, want: 0},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, AcquireRoom(tc.args.maxRunners, tc.args.stats)); diff != "" {
				t.Errorf("%s\nAcquireRoom: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
