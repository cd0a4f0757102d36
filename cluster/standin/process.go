package standin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	// tokenTTL is the lifetime of a played pod's ServiceAccount token; it is
	// renewed at four fifths of it, as the kubelet renews a projected token.
	tokenTTL = time.Hour
	// stopGrace is how long a process has to exit after SIGTERM, as a pod's
	// termination grace period.
	stopGrace = 30 * time.Second
	// volumeWait is how long a Secret volume may be missing before the
	// container fails: the kubelet waits for it too.
	volumeWait = 2 * time.Minute

	errWriteVolume = "cannot write the pod's Secret volume"
	errToken       = "cannot request a token for the pod's ServiceAccount"
	errKubeconfig  = "cannot write the pod's kubeconfig"
	errStart       = "cannot start the container's process"
)

// container is one container of a played pod, run as a local process: the
// binary that stands for its image, with the container's args, its
// environment (downward API and $(VAR) references resolved), its Secret
// volumes written to a folder of their own and a kubeconfig holding a token of
// the pod's ServiceAccount.
type container struct {
	pod    *corev1.Pod
	spec   *corev1.Container
	binary string
	// args are added after the container's own.
	args []string
	// env is added after the container's own.
	env []string
	// podIP is what status.podIP resolves to.
	podIP string
	log   logr.Logger
}

// prepared is a container ready to start: its folder and command line.
type prepared struct {
	dir  string
	args []string
	env  []string
}

// prepare writes the container's volumes and kubeconfig into a new folder
// under root and resolves its args and environment. The token in the
// kubeconfig is renewed until ctx ends.
func (s *StandIn) prepare(ctx context.Context, c container, root string) (*prepared, error) {
	dir, err := os.MkdirTemp(root, c.pod.Name+"-")
	if err != nil {
		return nil, err
	}
	mounts, err := s.writeSecretVolumes(ctx, c.pod, c.spec, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	kubeconfig, err := s.writeKubeconfig(ctx, c.pod, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	vars := map[string]string{}
	env := []string{"KUBECONFIG=" + kubeconfig, "HOME=" + dir}
	for _, e := range c.spec.Env {
		v := expand(e.Value, vars)
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			v = fieldValue(c.pod, e.ValueFrom.FieldRef.FieldPath, c.podIP)
		}
		for mountPath, local := range mounts {
			if v == mountPath || strings.HasPrefix(v, mountPath+"/") {
				v = local + strings.TrimPrefix(v, mountPath)
			}
		}
		vars[e.Name] = v
		env = append(env, e.Name+"="+v)
	}
	args := make([]string, 0, len(c.spec.Args)+len(c.args))
	for _, a := range c.spec.Args {
		args = append(args, expand(a, vars))
	}
	return &prepared{dir: dir, args: append(args, c.args...), env: append(env, c.env...)}, nil
}

// run runs the prepared container once, until it exits (its exit code is
// returned) or ctx ends (it gets SIGTERM, and SIGKILL after stopGrace; run
// then returns -1).
func (c container) run(ctx context.Context, p *prepared) (int32, error) {
	// The process outlives ctx by its grace period: it is stopped with
	// SIGTERM, as the kubelet stops a container.
	cmd := exec.CommandContext(ctx, c.binary, p.args...) //nolint:gosec // the binary is the test's.
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Dir = p.dir
	cmd.Stdout, cmd.Stderr = logWriter{log: c.log, stream: "stdout"}, logWriter{log: c.log, stream: "stderr"}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = stopGrace
	// A process group of its own: a Ctrl-C at the terminal reaches the
	// program that plays the pods, which stops them in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return 1, fmt.Errorf("%s: %w", errStart, err)
	}
	c.log.Info("process started", "binary", filepath.Base(c.binary), "pid", cmd.Process.Pid)
	err := cmd.Wait()
	if ctx.Err() != nil {
		return -1, nil
	}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code := int32(exitErr.ExitCode()) //nolint:gosec // exit codes are small.
		if code <= 0 {
			code = 137 // killed by a signal
		}
		return code, nil
	case err != nil:
		return 1, err
	}
	return 0, nil
}

// fieldValue is what the downward API gives for path.
func fieldValue(pod *corev1.Pod, path, podIP string) string {
	if m := labelPath.FindStringSubmatch(path); m != nil {
		if m[1] == "labels" {
			return pod.Labels[m[2]]
		}
		return pod.Annotations[m[2]]
	}
	switch path {
	case "metadata.name":
		return pod.Name
	case "metadata.namespace":
		return pod.Namespace
	case "metadata.uid":
		return string(pod.UID)
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName
	case "spec.nodeName":
		return pod.Spec.NodeName
	case "status.podIP":
		return podIP
	}
	return ""
}

var (
	labelPath = regexp.MustCompile(`^metadata\.(labels|annotations)\['([^']+)'\]$`)
	varRef    = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)`)
)

// expand resolves $(VAR) references to variables defined before, as the
// kubelet does in env values and args; unknown references stay as written.
func expand(s string, vars map[string]string) string {
	return varRef.ReplaceAllStringFunc(s, func(ref string) string {
		if v, ok := vars[ref[2:len(ref)-1]]; ok {
			return v
		}
		return ref
	})
}

// writeSecretVolumes writes each Secret volume the container mounts into dir
// and returns the local folder of each mount path. A Secret that does not
// exist yet is waited for, as the kubelet waits before it starts a container.
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
		sec, err := s.waitForSecret(ctx, pod.Namespace, vol.Secret.SecretName)
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

// waitForSecret reads a Secret, waiting up to volumeWait for it to exist and
// hold data (Crossplane fills its TLS Secrets after it creates them).
func (s *StandIn) waitForSecret(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	deadline := time.Now().Add(volumeWait)
	for {
		sec, err := s.kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil && len(sec.Data) > 0 {
			return sec, nil
		}
		if err == nil {
			err = errors.New("the Secret holds no data yet")
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// writeKubeconfig writes a kubeconfig that reaches the API server with a
// token bound to the pod and issued for its ServiceAccount, in a file of its
// own that is renewed until ctx ends: what the pod's projected token would be.
func (s *StandIn) writeKubeconfig(ctx context.Context, pod *corev1.Pod, dir string) (string, error) {
	tokenFile := filepath.Join(dir, "token")
	renew, err := s.writeToken(ctx, pod, tokenFile)
	if err != nil {
		return "", err
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(renew):
			}
			if next, err := s.writeToken(ctx, pod, tokenFile); err == nil {
				renew = next
			} else {
				renew = 10 * time.Second
			}
		}
	}()
	ca := s.o.Config.CAData
	if len(ca) == 0 && s.o.Config.CAFile != "" {
		if ca, err = os.ReadFile(s.o.Config.CAFile); err != nil {
			return "", fmt.Errorf("%s: %w", errKubeconfig, err)
		}
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["cluster"] = &clientcmdapi.Cluster{Server: s.o.Config.Host, CertificateAuthorityData: ca}
	cfg.AuthInfos["pod"] = &clientcmdapi.AuthInfo{TokenFile: tokenFile}
	cfg.Contexts["pod"] = &clientcmdapi.Context{Cluster: "cluster", AuthInfo: "pod", Namespace: pod.Namespace}
	cfg.CurrentContext = "pod"
	path := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", fmt.Errorf("%s: %w", errKubeconfig, err)
	}
	return path, nil
}

// writeToken writes a new token of the pod's ServiceAccount to path (through a
// rename: a reader never sees half a token) and returns when to renew it.
func (s *StandIn) writeToken(ctx context.Context, pod *corev1.Pod, path string) (time.Duration, error) {
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	tr, err := s.kube.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{
			ExpirationSeconds: ptr.To(int64(tokenTTL / time.Second)),
			BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", errToken, sa, err)
	}
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(tr.Status.Token), 0o600); err != nil {
		return 0, fmt.Errorf("%s: %w", errKubeconfig, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("%s: %w", errKubeconfig, err)
	}
	return time.Until(tr.Status.ExpirationTimestamp.Time) * 4 / 5, nil
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
