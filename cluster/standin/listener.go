package standin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
)

const (
	listenerContainer = "listener"
	// listenerTokenTTL is the lifetime of a listener's ServiceAccount token.
	listenerTokenTTL = time.Hour
	// stopGrace is how long a listener has to exit after SIGTERM, as a pod's
	// termination grace period.
	stopGrace = 30 * time.Second

	errNoListenerContainer = "the pod has no container named " + listenerContainer
	errWriteVolume         = "cannot write the pod's Secret volume"
	errToken               = "cannot request a token for the pod's ServiceAccount"
	errKubeconfig          = "cannot write the listener's kubeconfig"
	errStartListener       = "cannot start the listener"
)

// runListener runs the listener binary for a listener pod until the process
// exits (the pod then ends with its exit code) or the pod goes (the process
// gets SIGTERM).
func (s *StandIn) runListener(ctx context.Context, log logr.Logger, pod *corev1.Pod) error {
	if s.o.ListenerBinary == "" {
		return nil
	}
	var container *corev1.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == listenerContainer {
			container = &pod.Spec.Containers[i]
		}
	}
	if container == nil {
		return s.endPod(ctx, pod, 1, errNoListenerContainer)
	}
	root := s.o.WorkDir
	if root == "" {
		root = os.TempDir()
	}
	dir, err := os.MkdirTemp(root, "listener-"+pod.Name+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir) //nolint:errcheck // best effort: a temp folder.

	mounts, err := s.writeSecretVolumes(ctx, pod, container, dir)
	if err != nil {
		return s.endPod(ctx, pod, 1, err.Error())
	}
	kubeconfig, err := s.writeKubeconfig(ctx, pod, dir)
	if err != nil {
		return s.endPod(ctx, pod, 1, err.Error())
	}
	env := []string{"KUBECONFIG=" + kubeconfig, "HOME=" + dir}
	for _, e := range container.Env {
		v := e.Value
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			switch e.ValueFrom.FieldRef.FieldPath {
			case "metadata.name":
				v = pod.Name
			case "metadata.namespace":
				v = pod.Namespace
			}
		}
		for mountPath, local := range mounts {
			if v == mountPath || strings.HasPrefix(v, mountPath+"/") {
				v = local + strings.TrimPrefix(v, mountPath)
			}
		}
		env = append(env, e.Name+"="+v)
	}
	env = append(env, s.o.ListenerEnv...)

	// The process outlives ctx by its grace period: it is stopped with
	// SIGTERM, as the kubelet stops a container.
	cmd := exec.CommandContext(ctx, s.o.ListenerBinary, container.Args...) //nolint:gosec // the binary is the test's.
	cmd.Env = env
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logWriter{log: log, stream: "stdout"}, logWriter{log: log, stream: "stderr"}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = stopGrace
	if err := cmd.Start(); err != nil {
		return s.endPod(ctx, pod, 1, fmt.Sprintf("%s: %v", errStartListener, err))
	}
	log.Info("listener started", "pid", cmd.Process.Pid)
	err = cmd.Wait()
	if ctx.Err() != nil {
		log.Info("listener stopped: its pod went")
		return nil
	}
	code := int32(0)
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = int32(exitErr.ExitCode()) //nolint:gosec // exit codes are small.
		if code == 0 {
			code = 1
		}
	} else if err != nil {
		code = 1
	}
	log.Info("listener exited", "exitCode", code)
	return s.endPod(ctx, pod, code, "")
}

// writeSecretVolumes writes each Secret volume the container mounts into dir
// and returns the local folder of each mount path.
func (s *StandIn) writeSecretVolumes(ctx context.Context, pod *corev1.Pod, c *corev1.Container, dir string) (map[string]string, error) {
	mounts := map[string]string{}
	for _, vol := range pod.Spec.Volumes {
		if vol.Secret == nil {
			continue
		}
		var mountPath string
		for _, m := range c.VolumeMounts {
			if m.Name == vol.Name {
				mountPath = m.MountPath
			}
		}
		if mountPath == "" {
			continue
		}
		sec, err := s.kube.CoreV1().Secrets(pod.Namespace).Get(ctx, vol.Secret.SecretName, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", errWriteVolume, vol.Name, err)
		}
		local := filepath.Join(dir, "volumes", vol.Name)
		if err := os.MkdirAll(local, 0o700); err != nil {
			return nil, fmt.Errorf("%s %s: %w", errWriteVolume, vol.Name, err)
		}
		files := map[string]string{}
		for k := range sec.Data {
			files[k] = k
		}
		if len(vol.Secret.Items) > 0 {
			files = map[string]string{}
			for _, it := range vol.Secret.Items {
				files[it.Key] = it.Path
			}
		}
		for key, p := range files {
			if err := os.WriteFile(filepath.Join(local, filepath.Clean("/"+p)), sec.Data[key], 0o600); err != nil {
				return nil, fmt.Errorf("%s %s: %w", errWriteVolume, vol.Name, err)
			}
		}
		mounts[mountPath] = local
	}
	return mounts, nil
}

// writeKubeconfig writes a kubeconfig that reaches the API server with a
// token bound to the pod and issued for its ServiceAccount: what the pod's
// projected token would be.
func (s *StandIn) writeKubeconfig(ctx context.Context, pod *corev1.Pod, dir string) (string, error) {
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	tr, err := s.kube.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{
			ExpirationSeconds: ptr.To(int64(listenerTokenTTL / time.Second)),
			BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", errToken, sa, err)
	}
	ca := s.o.Config.CAData
	if len(ca) == 0 && s.o.Config.CAFile != "" {
		if ca, err = os.ReadFile(s.o.Config.CAFile); err != nil {
			return "", fmt.Errorf("%s: %w", errKubeconfig, err)
		}
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["cluster"] = &clientcmdapi.Cluster{Server: s.o.Config.Host, CertificateAuthorityData: ca}
	cfg.AuthInfos["listener"] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	cfg.Contexts["listener"] = &clientcmdapi.Context{Cluster: "cluster", AuthInfo: "listener", Namespace: pod.Namespace}
	cfg.CurrentContext = "listener"
	path := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", fmt.Errorf("%s: %w", errKubeconfig, err)
	}
	return path, nil
}

// logWriter passes a process's output to the log, one entry per write.
type logWriter struct {
	log    logr.Logger
	stream string
}

func (w logWriter) Write(p []byte) (int, error) {
	w.log.Info(strings.TrimRight(string(p), "\n"), "stream", w.stream)
	return len(p), nil
}
