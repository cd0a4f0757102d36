package ephemeralrunnerset

import (
	"maps"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
)

// newEphemeralRunner is one more runner of the set, created under the set's
// current patchID.
func newEphemeralRunner(set *v1alpha1.EphemeralRunnerSet, scheme *kruntime.Scheme) (*v1alpha1.EphemeralRunner, error) {
	labels := arcruntime.CommonLabels(arcruntime.ComponentRunner)
	maps.Copy(labels, map[string]string{
		arcruntime.LabelEphemeralRunnerSet: set.Name,
		arcruntime.LabelScaleSetID:         arcruntime.FormatInt64(set.Spec.ScaleSet.ID),
	})
	er := &v1alpha1.EphemeralRunner{
		ObjectMeta: metav1.ObjectMeta{
			// The API server completes the name; it stays within 63
			// characters, so it can be a label value and a pod name.
			GenerateName: set.Name + "-",
			Namespace:    set.Namespace,
			Labels:       labels,
			Annotations:  map[string]string{arcruntime.AnnotationPatchID: arcruntime.FormatInt64(set.Spec.PatchID)},
			Finalizers:   []string{arcruntime.RunnerFinalizer},
		},
		Spec: v1alpha1.EphemeralRunnerSpec{
			ScaleSet:        set.Spec.ScaleSet,
			Template:        *set.Spec.Template.DeepCopy(),
			MaxPodFailures:  set.Spec.MaxPodFailures,
			RunnerGroupName: set.Spec.RunnerGroupName,
			GitHubConfigURL: set.Spec.GitHubConfigURL,
		},
	}
	if err := controllerutil.SetControllerReference(set, er, scheme); err != nil {
		return nil, err
	}
	return er, nil
}
