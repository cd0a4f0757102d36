package actions

import (
	"time"
)

// Wire forms of the Actions Service, with the JSON names scaleset v0.4.0 decodes
// (PROTOCOL.md §4.4, §4.6).

type wireRunnerGroup struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Size      int    `json:"size"`
	IsDefault bool   `json:"isDefaultGroup"`
}

type wireList[T any] struct {
	Count int `json:"count"`
	Value []T `json:"value"`
}

func listOf[T any](items []T) wireList[T] {
	if items == nil {
		items = []T{}
	}
	return wireList[T]{Count: len(items), Value: items}
}

type wireRunnerSetting struct {
	Ephemeral     bool `json:"ephemeral"`
	IsElastic     bool `json:"isElastic"`
	DisableUpdate bool `json:"disableUpdate"`
}

type wireScaleSet struct {
	ID                 int               `json:"id"`
	Name               string            `json:"name"`
	RunnerGroupID      int64             `json:"runnerGroupId"`
	RunnerGroupName    string            `json:"runnerGroupName"`
	Labels             []label           `json:"labels"`
	RunnerSetting      wireRunnerSetting `json:"RunnerSetting"`
	CreatedOn          time.Time         `json:"createdOn"`
	RunnerJitConfigURL string            `json:"runnerJitConfigUrl"`
	Statistics         *Statistics       `json:"statistics,omitempty"`
}

// scaleSetRequest is the body of create and patch. Pointers tell an absent field
// from a zero one only where the rules need it; the client omits zero fields.
type scaleSetRequest struct {
	Name          string  `json:"name"`
	RunnerGroupID int64   `json:"runnerGroupId"`
	Labels        []label `json:"labels"`
	RunnerSetting struct {
		DisableUpdate bool `json:"disableUpdate"`
	} `json:"RunnerSetting"`
}

type sessionRequest struct {
	SessionID string `json:"sessionId"`
	OwnerName string `json:"ownerName"`
}

type wireSession struct {
	SessionID               string        `json:"sessionId"`
	OwnerName               string        `json:"ownerName"`
	RunnerScaleSet          *wireScaleSet `json:"runnerScaleSet"`
	MessageQueueURL         string        `json:"messageQueueUrl"`
	MessageQueueAccessToken string        `json:"messageQueueAccessToken"`
	Statistics              Statistics    `json:"statistics"`
}

// Statistics are a scale set's numbers as every session and message carries them
// (PROTOCOL.md §5.5).
type Statistics struct {
	TotalAvailableJobs     int `json:"totalAvailableJobs"`
	TotalAcquiredJobs      int `json:"totalAcquiredJobs"`
	TotalAssignedJobs      int `json:"totalAssignedJobs"`
	TotalRunningJobs       int `json:"totalRunningJobs"`
	TotalRegisteredRunners int `json:"totalRegisteredRunners"`
	TotalBusyRunners       int `json:"totalBusyRunners"`
	TotalIdleRunners       int `json:"totalIdleRunners"`
}

const envelopeMessageType = "RunnerScaleSetJobMessages"

type wireEnvelope struct {
	MessageID   int64      `json:"messageId"`
	MessageType string     `json:"messageType"`
	Body        string     `json:"body"`
	Statistics  Statistics `json:"statistics"`
}

// Job message types (PROTOCOL.md §4.6).
const (
	msgJobAvailable = "JobAvailable"
	msgJobAssigned  = "JobAssigned"
	msgJobStarted   = "JobStarted"
	msgJobCompleted = "JobCompleted"
)

// jobMessage is one element of an envelope body. Zero times marshal as
// "0001-01-01T00:00:00Z", which is what the client expects for unset times.
type jobMessage struct {
	MessageType        string    `json:"messageType"`
	RunnerRequestID    int64     `json:"runnerRequestId"`
	RepositoryName     string    `json:"repositoryName"`
	OwnerName          string    `json:"ownerName"`
	JobID              string    `json:"jobId"`
	JobWorkflowRef     string    `json:"jobWorkflowRef"`
	JobDisplayName     string    `json:"jobDisplayName"`
	WorkflowRunID      int64     `json:"workflowRunId"`
	EventName          string    `json:"eventName"`
	RequestLabels      []string  `json:"requestLabels"`
	QueueTime          time.Time `json:"queueTime"`
	ScaleSetAssignTime time.Time `json:"scaleSetAssignTime"`
	RunnerAssignTime   time.Time `json:"runnerAssignTime"`
	FinishTime         time.Time `json:"finishTime"`
	AcquireJobURL      string    `json:"acquireJobUrl,omitempty"`
	RunnerID           int       `json:"runnerId"`
	RunnerName         string    `json:"runnerName"`
	Result             string    `json:"result,omitempty"`
}

type acquireResponse = wireList[int64]

type jitRequest struct {
	Name       string `json:"name"`
	WorkFolder string `json:"workFolder"`
}

type wireRunnerReference struct {
	ID               int    `json:"id"`
	Name             string `json:"name"`
	RunnerScaleSetID int    `json:"runnerScaleSetId"`
}

type wireJITConfig struct {
	Runner           wireRunnerReference `json:"runner"`
	EncodedJITConfig string              `json:"encodedJITConfig"`
}
