package listener

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

// RunnerJob is what the listener records on an EphemeralRunner when the
// service reports that the runner started a job.
type RunnerJob struct {
	// RunnerID and RunnerName say which runner took the job: the job's
	// record is most often the first write of the runner's status.
	RunnerID          int64
	RunnerName        string
	JobRequestID      int64
	JobID             string
	JobRepositoryName string
	JobWorkflowRef    string
	JobDisplayName    string
	WorkflowRunID     int64
	JobStartedAt      time.Time
}

// Kube is all the listener does in Kubernetes. Its Role (contract 3) grants
// patch on its one EphemeralRunnerSet and on ephemeralrunners/status of its
// namespace, and nothing else: the listener never reads.
type Kube interface {
	// PatchReplicas merge-patches spec.replicas, spec.patchID and
	// spec.runningJobs of the listener's EphemeralRunnerSet.
	PatchReplicas(ctx context.Context, t ScaleTarget) error
	// PatchRunnerJob merge-patches the job, and that the runner (its id and
	// name) runs, into the status of the EphemeralRunner named runnerName,
	// in the set's namespace. A runner that does not exist gives an error for
	// which apierrors.IsNotFound holds.
	PatchRunnerJob(ctx context.Context, runnerName string, job RunnerJob) error
}

const (
	errNewKubeClient = "cannot create Kubernetes client"
	errPatchReplicas = "cannot patch replicas of EphemeralRunnerSet"
	errPatchRunner   = "cannot patch job status of EphemeralRunner"
	errEncodePatch   = "cannot encode patch"
)

var (
	ephemeralRunnerSets = v1alpha1.SchemeGroupVersion.WithResource("ephemeralrunnersets")
	ephemeralRunners    = v1alpha1.SchemeGroupVersion.WithResource("ephemeralrunners")
)

// DynamicKube is Kube over client-go's dynamic client, which needs neither
// discovery nor a cache, so nothing but the two patches reaches the API
// server.
type DynamicKube struct {
	client    dynamic.Interface
	namespace string
	setName   string
}

var _ Kube = (*DynamicKube)(nil)

// NewDynamicKube returns a Kube for the EphemeralRunnerSet namespace/setName,
// authenticated as cfg says (in a pod: the listener's ServiceAccount token).
func NewDynamicKube(cfg *rest.Config, namespace, setName string) (*DynamicKube, error) {
	c, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errNewKubeClient, err)
	}
	return &DynamicKube{client: c, namespace: namespace, setName: setName}, nil
}

// ScaleTarget is what the listener writes into its EphemeralRunnerSet's
// spec, each field without omitempty: 0 is a value the listener means to
// write.
type ScaleTarget struct {
	Replicas    int   `json:"replicas"`
	PatchID     int64 `json:"patchID"`
	RunningJobs int   `json:"runningJobs"`
}

// replicasPatch puts a ScaleTarget under spec.
type replicasPatch struct {
	Spec ScaleTarget `json:"spec"`
}

// ReplicasPatch is the merge patch body PatchReplicas sends for t, for
// tests that play the listener.
func ReplicasPatch(t ScaleTarget) any { return replicasPatch{Spec: t} }

// PatchReplicas implements Kube.
func (k *DynamicKube) PatchReplicas(ctx context.Context, t ScaleTarget) error {
	return k.patch(ctx, ephemeralRunnerSets, k.setName, ReplicasPatch(t), errPatchReplicas)
}

// runnerJobPatch uses the API type's own json names, so a renamed field
// cannot go unnoticed; empty fields stay out of the patch.
type runnerJobPatch struct {
	Status v1alpha1.EphemeralRunnerStatus `json:"status"`
}

// ReasonJobStarted is the reason of a runner's status and Ready condition
// once the listener recorded its job.
const ReasonJobStarted = "JobStarted"

// PatchRunnerJob implements Kube.
func (k *DynamicKube) PatchRunnerJob(ctx context.Context, runnerName string, job RunnerJob) error {
	return k.patch(ctx, ephemeralRunners, runnerName, runnerJobPatchFor(job, time.Now()), errPatchRunner, "status")
}

// runnerJobPatchFor records the job, and that the runner runs: a runner
// that started a job does. The runner controller records a running pod only
// once it ran for a while without a job (ephemeralrunner's recordPod), so a
// runner that takes its job at once is written once, here. The Ready
// condition dates from the job's start (from now when the service did not
// say).
func runnerJobPatchFor(job RunnerJob, now time.Time) runnerJobPatch {
	msg := fmt.Sprintf("runs job %s (request %d)", cmp.Or(job.JobDisplayName, job.JobID), job.JobRequestID)
	p := runnerJobPatch{Status: v1alpha1.EphemeralRunnerStatus{
		RunnerID:          job.RunnerID,
		RunnerName:        job.RunnerName,
		Phase:             v1alpha1.EphemeralRunnerRunning,
		Reason:            ReasonJobStarted,
		Message:           msg,
		Ready:             true,
		JobRequestID:      job.JobRequestID,
		JobID:             job.JobID,
		JobRepositoryName: job.JobRepositoryName,
		JobWorkflowRef:    job.JobWorkflowRef,
		JobDisplayName:    job.JobDisplayName,
		WorkflowRunID:     job.WorkflowRunID,
		Conditions: []metav1.Condition{{
			Type: v1alpha1.ConditionTypeReady, Status: metav1.ConditionTrue, Reason: ReasonJobStarted, Message: msg,
			LastTransitionTime: metav1.NewTime(now),
		}},
	}}
	if !job.JobStartedAt.IsZero() {
		t := metav1.NewTime(job.JobStartedAt)
		p.Status.JobStartedAt = &t
		p.Status.Conditions[0].LastTransitionTime = t
	}
	return p
}

func (k *DynamicKube) patch(ctx context.Context, res schema.GroupVersionResource, name string, patch any, errMsg string, subresources ...string) error {
	body, err := json.Marshal(patch)
	if err != nil {
		return fmt.Errorf("%s %s/%s: %s: %w", errMsg, k.namespace, name, errEncodePatch, err)
	}
	if _, err := k.client.Resource(res).Namespace(k.namespace).Patch(ctx, name, types.MergePatchType, body, metav1.PatchOptions{}, subresources...); err != nil {
		return fmt.Errorf("%s %s/%s: %w", errMsg, k.namespace, name, err)
	}
	return nil
}
