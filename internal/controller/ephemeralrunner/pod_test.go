package ephemeralrunner

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

func TestNewRunnerPod(t *testing.T) {
	jit := corev1.EnvVar{Name: "ACTIONS_RUNNER_INPUT_JITCONFIG", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: "r-1"}, Key: "jitToken",
	}}}
	cases := map[string]struct {
		reason     string
		containers []corev1.Container
		want       []corev1.Container
		wantErr    bool
	}{
		"RunnerGetsJITConfig": {
			reason:     "the runner container gets the JIT config from its Secret; other containers get nothing",
			containers: []corev1.Container{{Name: "runner", Env: []corev1.EnvVar{{Name: "A", Value: "1"}}}, {Name: "dind"}},
			want:       []corev1.Container{{Name: "runner", Env: []corev1.EnvVar{{Name: "A", Value: "1"}, jit}}, {Name: "dind"}},
		},
		"TemplateJITConfigReplaced": {
			reason:     "a JIT config in the template is replaced by the runner's own",
			containers: []corev1.Container{{Name: "runner", Env: []corev1.EnvVar{{Name: "ACTIONS_RUNNER_INPUT_JITCONFIG", Value: "stolen"}}}},
			want:       []corev1.Container{{Name: "runner", Env: []corev1.EnvVar{jit}}},
		},
		"NoRunnerContainer": {
			reason:     "a template without a runner container is refused",
			containers: []corev1.Container{{Name: "main"}},
			wantErr:    true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			er := &v1alpha1.EphemeralRunner{
				ObjectMeta: metav1.ObjectMeta{Name: "r-1", Namespace: "ns", Labels: map[string]string{"runners.arc.crossplane.io/ephemeral-runner-set": "set"}},
				Spec:       v1alpha1.EphemeralRunnerSpec{Template: v1alpha1.RunnerPodTemplate{Spec: corev1.PodSpec{Containers: tc.containers}}},
			}
			pod, err := newRunnerPod(er, "r-1")
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s\nnewRunnerPod: error %v, want error %v", tc.reason, err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tc.want, pod.Spec.Containers); diff != "" {
				t.Errorf("%s\ncontainers: -want +got:\n%s", tc.reason, diff)
			}
			if pod.Spec.RestartPolicy != corev1.RestartPolicyNever || pod.Labels["app.kubernetes.io/component"] != "runner" ||
				pod.Labels["runners.arc.crossplane.io/ephemeral-runner"] != "r-1" {
				t.Errorf("%s\nrestart policy %s, labels %v", tc.reason, pod.Spec.RestartPolicy, pod.Labels)
			}
		})
	}
}

func TestFailureRecorded(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "r-1", UID: "uid-2"}}
	cases := map[string]struct {
		reason   string
		failures []v1alpha1.PodFailure
		want     bool
	}{
		"None":        {reason: "no failure yet", want: false},
		"ThisPod":     {reason: "the last failure is this pod's", failures: []v1alpha1.PodFailure{{PodName: "r-1", Message: failureMessage(pod, podExit{message: "x"})}}, want: true},
		"EarlierPod":  {reason: "pods of a runner share its name: an earlier pod's failure is not this one's", failures: []v1alpha1.PodFailure{{PodName: "r-1", Message: "pod uid uid-1: x"}}, want: false},
		"EarlierLast": {reason: "only the last failure counts", failures: []v1alpha1.PodFailure{{PodName: "r-1", Message: "pod uid uid-2"}, {PodName: "r-1", Message: "pod uid uid-3"}}, want: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := failureRecorded(&v1alpha1.EphemeralRunnerStatus{PodFailures: tc.failures}, pod); got != tc.want {
				t.Errorf("%s\nfailureRecorded: got %v, want %v", tc.reason, got, tc.want)
			}
		})
	}
}
