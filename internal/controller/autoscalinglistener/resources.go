package autoscalinglistener

import (
	"encoding/json"
	"math"
	"path"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
	"github.com/arc-crossplane/provider-github-arc/internal/listener"
)

// Contract 3: how the listener pod finds its configuration.
const (
	ContainerName   = "listener"
	ConfigMountPath = "/etc/arc-listener"
	configVolume    = "config"
)

// Names of the objects a listener owns.

// ServiceAccountName is the listener's ServiceAccount, Role and RoleBinding.
func ServiceAccountName(l *v1alpha1.AutoscalingListener) string { return l.Name + "-listener" }

// ConfigSecretName is the listener's config Secret.
func ConfigSecretName(l *v1alpha1.AutoscalingListener) string { return l.Name + "-config" }

// PodName is the listener's pod.
func PodName(l *v1alpha1.AutoscalingListener) string { return l.Name + "-listener" }

func labels(l *v1alpha1.AutoscalingListener, component string) map[string]string {
	m := arcruntime.CommonLabels(component)
	m[arcruntime.LabelAutoscalingListener] = l.Name
	m[arcruntime.LabelScaleSetID] = arcruntime.FormatInt64(l.Spec.ScaleSet.ID)
	return m
}

func meta(l *v1alpha1.AutoscalingListener, name, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: l.Namespace, Labels: labels(l, component)}
}

// listenerConfig is the listener's config.json for the resolved credentials.
func listenerConfig(l *v1alpha1.AutoscalingListener, cfg *clients.Config) listener.ListenerConfig {
	maxRunners := math.MaxInt32
	if l.Spec.MaxRunners != nil {
		maxRunners = int(*l.Spec.MaxRunners)
	}
	lc := listener.ListenerConfig{
		GitHubConfigURL:             cfg.ConfigURL,
		ScaleSetID:                  l.Spec.ScaleSet.ID,
		ScaleSetName:                l.Spec.ScaleSet.Name,
		EphemeralRunnerSetNamespace: l.Namespace,
		EphemeralRunnerSetName:      l.Spec.EphemeralRunnerSetName,
		MinRunners:                  int(l.Spec.MinRunners),
		MaxRunners:                  maxRunners,
		CABundle:                    string(cfg.CABundle),
		MetricsAddr:                 listener.DefaultMetricsAddr,
		HealthAddr:                  listener.DefaultHealthAddr,
		LogLevel:                    listener.LogLevelInfo,
	}
	if w := l.Spec.MessageBatchWindowMilliseconds; w != nil {
		lc.MessageBatchWindowMilliseconds = new(int(*w))
	}
	if cfg.IsApp() {
		lc.AppID, lc.ClientID, lc.InstallationID, lc.PrivateKey = cfg.AppID, cfg.ClientID, cfg.InstallationID, string(cfg.PrivateKey)
	} else {
		lc.Token = cfg.Token
	}
	return lc
}

func configSecret(l *v1alpha1.AutoscalingListener, cfg *clients.Config) (*corev1.Secret, error) {
	raw, err := json.Marshal(listenerConfig(l, cfg))
	if err != nil {
		return nil, err
	}
	return &corev1.Secret{
		ObjectMeta: meta(l, ConfigSecretName(l), arcruntime.ComponentListenerConfig),
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{listener.ConfigFileKey: raw},
	}, nil
}

func serviceAccount(l *v1alpha1.AutoscalingListener) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: meta(l, ServiceAccountName(l), arcruntime.ComponentListener)}
}

// role allows the listener to patch its own EphemeralRunnerSet (replicas and
// patchID) and its runners' status (job fields), and nothing else.
func role(l *v1alpha1.AutoscalingListener) *rbacv1.Role {
	return &rbacv1.Role{
		ObjectMeta: meta(l, ServiceAccountName(l), arcruntime.ComponentListener),
		Rules: []rbacv1.PolicyRule{
			{
				APIGroups:     []string{v1alpha1.Group},
				Resources:     []string{"ephemeralrunnersets"},
				ResourceNames: []string{l.Spec.EphemeralRunnerSetName},
				Verbs:         []string{"patch"},
			},
			{
				APIGroups: []string{v1alpha1.Group},
				Resources: []string{"ephemeralrunners/status"},
				Verbs:     []string{"patch"},
			},
		},
	}
}

func roleBinding(l *v1alpha1.AutoscalingListener) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		ObjectMeta: meta(l, ServiceAccountName(l), arcruntime.ComponentListener),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: ServiceAccountName(l)},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: ServiceAccountName(l), Namespace: l.Namespace}},
	}
}

// listenerPod is the listener's pod (contract 3); configHash ties it to the
// config it was started with.
func listenerPod(l *v1alpha1.AutoscalingListener, image, configHash string) *corev1.Pod {
	if l.Spec.Image != "" {
		image = l.Spec.Image
	}
	c := corev1.Container{
		Name:            ContainerName,
		Image:           image,
		ImagePullPolicy: l.Spec.ImagePullPolicy,
		Command:         []string{"/listener"},
		Env: []corev1.EnvVar{
			{Name: listener.EnvConfigPath, Value: path.Join(ConfigMountPath, listener.ConfigFileKey)},
			{Name: listener.EnvPodName, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: listener.EnvPodNamespace, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
		},
		VolumeMounts: []corev1.VolumeMount{{Name: configVolume, MountPath: ConfigMountPath, ReadOnly: true}},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			RunAsNonRoot:             ptr.To(true),
			ReadOnlyRootFilesystem:   ptr.To(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
	}
	if l.Spec.Resources != nil {
		c.Resources = *l.Spec.Resources
	}
	pod := &corev1.Pod{
		ObjectMeta: meta(l, PodName(l), arcruntime.ComponentListener),
		Spec: corev1.PodSpec{
			ServiceAccountName: ServiceAccountName(l),
			RestartPolicy:      corev1.RestartPolicyNever,
			Containers:         []corev1.Container{c},
			Volumes: []corev1.Volume{{Name: configVolume, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
				SecretName: ConfigSecretName(l),
				Items:      []corev1.KeyToPath{{Key: listener.ConfigFileKey, Path: listener.ConfigFileKey}},
			}}}},
		},
	}
	pod.Annotations = map[string]string{arcruntime.AnnotationConfigHash: configHash}
	return pod
}
