package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// Labels and annotations the runtime controllers put on what they create. The
// component label is what the pod stand-in selects pods by (contract 4).
const (
	// LabelComponent says what a pod is: ComponentRunner or ComponentListener.
	LabelComponent = "app.kubernetes.io/component"
	// LabelPartOf marks everything the provider creates in a team namespace.
	LabelPartOf = "app.kubernetes.io/part-of"
	// LabelManagedBy names the provider as the manager.
	LabelManagedBy = "app.kubernetes.io/managed-by"

	// LabelEphemeralRunnerSet names the set an EphemeralRunner belongs to.
	LabelEphemeralRunnerSet = "runners.arc.crossplane.io/ephemeral-runner-set"
	// LabelEphemeralRunner names the runner a pod or Secret belongs to.
	LabelEphemeralRunner = "runners.arc.crossplane.io/ephemeral-runner"
	// LabelAutoscalingListener names the listener an object belongs to.
	LabelAutoscalingListener = "runners.arc.crossplane.io/autoscaling-listener"
	// LabelScaleSetID is the scale set's id in the Actions Service.
	LabelScaleSetID = "runners.arc.crossplane.io/scale-set-id"

	// AnnotationPatchID records the set's spec.patchID under which an
	// EphemeralRunner was created (ARC's patch-id annotation).
	AnnotationPatchID = "runners.arc.crossplane.io/patch-id"
	// AnnotationConfigHash is the hash of the listener config a listener pod
	// was started with; a pod with another hash is replaced.
	AnnotationConfigHash = "runners.arc.crossplane.io/config-hash"
)

// Values of LabelComponent.
const (
	ComponentRunner   = "runner"
	ComponentListener = "listener"
	// ComponentRunnerJITConfig marks a runner's JIT config Secret.
	ComponentRunnerJITConfig = "runner-jit-config"
	// ComponentListenerConfig marks a listener's config Secret.
	ComponentListenerConfig = "listener-config"
)

// Constant label values.
const (
	PartOf    = "provider-github-arc"
	ManagedBy = "provider-github-arc"
)

// RunnerContainerName is the container of the runner pod template that runs
// the GitHub Actions runner and receives the JIT config.
const RunnerContainerName = "runner"

// EnvJITConfig is the variable the runner reads its JIT config from.
const EnvJITConfig = "ACTIONS_RUNNER_INPUT_JITCONFIG"

// Keys of a runner's JIT config Secret. Only JITConfigKey is a credential;
// the others let the controller recover the registration if it crashed
// between creating the Secret and writing the runner's status.
const (
	JITConfigKey  = "jitToken"
	RunnerIDKey   = "runnerId"
	RunnerNameKey = "runnerName"
)

// CommonLabels are the labels of everything the runtime controllers create.
func CommonLabels(component string) map[string]string {
	return map[string]string{
		LabelComponent: component,
		LabelPartOf:    PartOf,
		LabelManagedBy: ManagedBy,
	}
}

// FormatInt64 formats an id for a label or annotation value.
func FormatInt64(v int64) string { return strconv.FormatInt(v, 10) }

// Hash is a short, stable digest of b for an annotation: it tells that a
// configuration changed without revealing it.
func Hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// RunnerFinalizer keeps an EphemeralRunner until its runner is removed from
// the service. Its set creates every runner with it, which spares each runner
// an update to add it.
const RunnerFinalizer = "runners.arc.crossplane.io/ephemeral-runner"

// FirstLine is s up to its first line break, for a status message.
func FirstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
