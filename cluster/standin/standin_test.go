package standin_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/arc-crossplane/provider-github-arc/cluster/standin"
	"github.com/arc-crossplane/provider-github-arc/cluster/testenv"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator"
	"github.com/arc-crossplane/provider-github-arc/internal/simulator/simclient"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The stand-in runs a listener pod's process with the pod's environment
// (downward API included), its Secret volume written to a local folder (the
// env path rewritten to it) and a kubeconfig with a token of the pod's
// ServiceAccount; the process's exit ends the pod with its exit code, and a
// pod that goes gets its process stopped with SIGTERM. /bin/sh stands for the
// listener binary: the container's args are its script.
func TestListenerPodProcess(t *testing.T) {
	env := testenv.Get(t)
	ns := env.Namespace(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sim, err := simulator.Start(ctx, simulator.Options{})
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	sc, err := simclient.New(sim.URL, sim.CACertPEM)
	if err != nil {
		t.Fatal(err)
	}
	s, err := standin.Start(ctx, standin.Options{Config: env.Config, Namespace: ns, Simulator: sc, ListenerBinary: "/bin/sh", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatalf("stand-in: %v", err)
	}
	t.Cleanup(func() { cancel(); s.Wait() })

	for _, o := range []client.Object{
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "listener", Namespace: ns}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "config", Namespace: ns}, Data: map[string][]byte{"config.json": []byte(`{"hello":"world"}`)}},
	} {
		if err := env.Client.Create(ctx, o); err != nil {
			t.Fatalf("create %T: %v", o, err)
		}
	}
	marker := filepath.Join(t.TempDir(), "stopped")
	pod := func(name, script string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app.kubernetes.io/component": "listener"}},
			Spec: corev1.PodSpec{
				ServiceAccountName: "listener",
				RestartPolicy:      corev1.RestartPolicyNever,
				Containers: []corev1.Container{{
					Name: "listener", Image: "example.invalid/listener:1", Args: []string{"-c", script},
					Env: []corev1.EnvVar{
						{Name: "LISTENER_CONFIG_PATH", Value: "/etc/arc-listener/config.json"},
						{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
						{Name: "MARKER", Value: marker},
					},
					VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/arc-listener", ReadOnly: true}},
				}},
				Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "config"}}}},
			},
		}
	}

	// The environment the process sees; exit 3 when any of it is wrong, 0
	// when it is all there.
	check := `grep -q world "$LISTENER_CONFIG_PATH" || exit 3
[ "$POD_NAME" = checker ] || exit 4
grep -q "tokenFile: " "$KUBECONFIG" || exit 5
[ -s "$(sed -n 's/.*tokenFile: //p' "$KUBECONFIG")" ] || exit 6
exit 0`
	checker := pod("checker", check)
	failing := pod("failing", "exit 7")
	sleeper := pod("sleeper", `trap 'touch "$MARKER"; exit 0' TERM; while :; do sleep 0.1; done`)
	for _, p := range []*corev1.Pod{checker, failing, sleeper} {
		if err := env.Client.Create(ctx, p); err != nil {
			t.Fatalf("create pod %s: %v", p.Name, err)
		}
	}

	ended := func(p *corev1.Pod, phase corev1.PodPhase, code int32) {
		t.Helper()
		testenv.Eventually(t, time.Minute, fmt.Sprintf("pod %s %s with exit code %d", p.Name, phase, code), func(ctx context.Context) (bool, error) {
			got := &corev1.Pod{}
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(p), got); err != nil {
				return false, err
			}
			if got.Status.Phase != phase || len(got.Status.ContainerStatuses) != 1 || got.Status.ContainerStatuses[0].State.Terminated == nil {
				return false, fmt.Errorf("pod is %s", got.Status.Phase)
			}
			if c := got.Status.ContainerStatuses[0].State.Terminated.ExitCode; c != code {
				return false, fmt.Errorf("exit code %d", c)
			}
			return true, nil
		})
	}
	ended(checker, corev1.PodSucceeded, 0)
	ended(failing, corev1.PodFailed, 7)

	testenv.Eventually(t, time.Minute, "sleeper running", func(ctx context.Context) (bool, error) {
		got := &corev1.Pod{}
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(sleeper), got)
		return err == nil && got.Status.Phase == corev1.PodRunning, err
	})
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Fatalf("marker exists before the pod went: %v", err)
	}
	if err := env.Client.Delete(ctx, sleeper); err != nil {
		t.Fatalf("delete sleeper: %v", err)
	}
	testenv.Eventually(t, time.Minute, "sleeper's process stopped with SIGTERM", func(ctx context.Context) (bool, error) {
		_, err := os.Stat(marker)
		return err == nil, err
	})
	testenv.Eventually(t, time.Minute, "sleeper pod gone", func(ctx context.Context) (bool, error) {
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(sleeper), &corev1.Pod{})
		return kerrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
}
