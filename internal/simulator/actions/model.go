package actions

import (
	"strings"
	"time"
)

// state is everything the service knows; Service.mu guards all of it.
type state struct {
	nextScaleSetID int
	nextRunnerID   int
	nextRequestID  int64
	nextJobID      int64
	nextRunID      int64

	scaleSets map[int]*scaleSet
	sessions  map[string]*session
	runners   map[int]*runner
	// runnersByName indexes runners by tenant, then lower-cased name: names are
	// unique per tenant (PROTOCOL.md §5.6).
	runnersByName map[string]map[string]*runner

	jobs map[int64]*job
	// open lists the jobs that are not completed, oldest first: the queue order
	// in which requests are announced and assigned.
	open []*job
	// requests maps a live runnerRequestId to its job; an id dies when the job
	// is requeued (a new id) or completes.
	requests map[int64]*job

	// jobsChanged is closed and replaced on every job state change; admin waits
	// park on it.
	jobsChanged chan struct{}
}

func newState() state {
	return state{
		scaleSets:     map[int]*scaleSet{},
		sessions:      map[string]*session{},
		runners:       map[int]*runner{},
		runnersByName: map[string]map[string]*runner{},
		jobs:          map[int64]*job{},
		requests:      map[int64]*job{},
		jobsChanged:   make(chan struct{}),
	}
}

// scaleSet is a runner scale set (PROTOCOL.md §4.4, §5.9).
type scaleSet struct {
	id            int
	tenant        string
	name          string
	groupID       int64
	labels        []label
	disableUpdate bool
	createdOn     time.Time

	session *session
	// capacity is X-ScaleSetMaxCapacity from the latest poll (§5.3).
	capacity int
	runners  map[int]*runner
	// jobsAssigned is closed and replaced whenever a request is assigned to this
	// scale set; runners waiting for a job park on it.
	jobsAssigned chan struct{}
}

type label struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// hasLabel compares case-insensitively (PROTOCOL.md §5.4).
func (ss *scaleSet) hasLabel(name string) bool {
	for _, l := range ss.labels {
		if strings.EqualFold(l.Name, name) {
			return true
		}
	}
	return false
}

// session is a message session with its queue (PROTOCOL.md §4.5, §5.7).
type session struct {
	id       string
	owner    string
	scaleSet *scaleSet

	token           string
	tokenGeneration int64
	tokenExpiresAt  time.Time

	lastPoll time.Time
	polls    int // long polls waiting right now

	// events are job messages not yet packed into an envelope.
	events []jobMessage
	// pending are envelopes served or ready to serve and not yet deleted, in id
	// order.
	pending       []envelope
	nextMessageID int64
	// announced holds the runnerRequestIds this session has seen JobAvailable for,
	// so a request is announced once per session.
	announced map[int64]bool

	// wake is closed and replaced when an event arrives or the session ends.
	wake  chan struct{}
	ended bool
}

type envelope struct {
	id   int64
	body string
}

type JobState string

// Job states as the admin API reports them.
const (
	JobQueued    JobState = "queued"
	JobAssigned  JobState = "assigned"
	JobStarted   JobState = "started"
	JobCompleted JobState = "completed"
)

// job is a workflow job; each assignment attempt is a runner request with its own
// id (PROTOCOL.md §5.1, §5.2).
type job struct {
	id            int64
	jobID         string // the opaque jobId of messages; stable across requests
	repository    string // owner/name
	owner, repo   string
	labels        []string
	duration      time.Duration
	result        string // the scripted result
	workflowRef   string
	displayName   string
	eventName     string
	workflowRunID int64

	state     JobState
	requestID int64
	scaleSet  *scaleSet // set while assigned or started
	runner    *runner   // set while started
	// wantedBy holds the scale sets whose acquirejobs asked for the request while
	// they had no free capacity; the request is assigned to one of them as soon
	// as it fits, so it is neither announced twice nor stuck (§5.3).
	wantedBy map[int]bool

	queuedAt, assignedAt, startedAt, completedAt time.Time
	scaleSetID                                   int // the scale set of the latest assignment
	runnerID                                     int
	runnerName                                   string
	finalResult                                  string
	expired                                      bool
	unassigned                                   int // times AssignTimeout took it back
	runs                                         int // times a runner started it
	attempts                                     int // runner requests so far
}

// runner is an ephemeral JIT runner (PROTOCOL.md §5.6).
type runner struct {
	id       int
	name     string
	tenant   string
	scaleSet *scaleSet
	secret   string
	workDir  string

	connected bool
	job       *job // the job it runs, if busy
	// spent is set once the runner started a job: an ephemeral runner never
	// takes a second one, even after its first was taken from it.
	spent bool
	// gone is closed when the runner loses its claim to wait for a job: removed,
	// disconnected, or its job was taken away.
	gone chan struct{}
}

func (r *runner) status() string {
	switch {
	case r.job != nil:
		return "busy"
	case r.connected:
		return "idle"
	default:
		return "offline"
	}
}

// broadcast closes ch and returns a fresh channel for the next waiters.
func broadcast(ch chan struct{}) chan struct{} {
	close(ch)
	return make(chan struct{})
}
