/*
Copyright 2026 The provider-github-arc Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package function

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

// Paths and names of the runner image (ghcr.io/actions/actions-runner) and of
// the pod layouts of ARC's gha-runner-scale-set chart. Keeping ARC's names
// lets a team move a pod template between ARC and this provider unchanged.
const (
	runnerContainerName  = "runner"
	runnerCommand        = "/home/runner/run.sh"
	runnerWorkDir        = "/home/runner/_work"
	runnerExternalsDir   = "/home/runner/externals"
	externalsCopyDir     = "/home/runner/tmpDir"
	containerHooksScript = "/home/runner/k8s/index.js"

	workVolume          = "work"
	dindSocketVolume    = "dind-sock"
	dindExternalsVolume = "dind-externals"
	dindSocketDir       = "/var/run"
	dockerHost          = "unix:///var/run/docker.sock"

	// dockerGroupID is the docker group of the runner image: dockerd makes
	// its socket owned by it, so the runner user (a member) can use it.
	dockerGroupID = "123"
	// waitForDockerSeconds is how long the runner waits for the daemon
	// before it takes a job.
	waitForDockerSeconds = "120"
)

// runnerPodTemplate returns the pod template every runner of the set gets: the
// team's full template when it gave one, otherwise the layout of its container
// mode.
func runnerPodTemplate(p Parameters) runnersv1alpha1.RunnerPodTemplate {
	if p.Template != nil {
		return *p.Template.DeepCopy()
	}
	r := ptr.Deref(p.Runner, Runner{})
	t := runnersv1alpha1.RunnerPodTemplate{
		Metadata: runnersv1alpha1.PodTemplateMetadata{Labels: r.PodLabels, Annotations: r.PodAnnotations},
		Spec: corev1.PodSpec{
			// A runner runs one job and exits: its pod is never restarted in
			// place; the EphemeralRunner controller decides what comes next.
			RestartPolicy: corev1.RestartPolicyNever,
			NodeSelector:  r.NodeSelector,
			Tolerations:   r.Tolerations,
		},
	}
	runner := corev1.Container{
		Name:            runnerContainerName,
		Image:           r.Image,
		ImagePullPolicy: r.ImagePullPolicy,
		Command:         []string{runnerCommand},
	}
	if runner.Image == "" {
		runner.Image = DefaultRunnerImage
	}
	if r.Resources != nil {
		runner.Resources = *r.Resources
	}

	mode := ptr.Deref(p.ContainerMode, ContainerMode{})
	switch mode.Type {
	case ContainerModeDinD:
		dindMode(&t.Spec, &runner, ptr.Deref(mode.DinD, DinDMode{}))
	case ContainerModeKubernetes:
		kubernetesMode(&t.Spec, &runner, ptr.Deref(mode.Kubernetes, KubernetesMode{}))
	case ContainerModeDefault, "":
	}
	// The team's variables come last so that they can override the mode's.
	runner.Env = append(runner.Env, r.Env...)
	t.Spec.Containers = append([]corev1.Container{runner}, t.Spec.Containers...)
	return t
}

// dindMode adds a Docker daemon as a native sidecar (an init container that
// keeps running), as ARC's chart does since Kubernetes 1.29: the daemon starts
// before the runner and stops after it. An init container first copies the
// runner's externals (node and friends) to a volume the daemon mounts, so
// actions that run in job containers find them.
func dindMode(spec *corev1.PodSpec, runner *corev1.Container, m DinDMode) {
	image := m.Image
	if image == "" {
		image = DefaultDinDImage
	}
	spec.InitContainers = append(spec.InitContainers,
		corev1.Container{
			Name:            "init-dind-externals",
			Image:           runner.Image,
			ImagePullPolicy: runner.ImagePullPolicy,
			Command:         []string{"cp", "-r", runnerExternalsDir + "/.", externalsCopyDir + "/"},
			VolumeMounts:    []corev1.VolumeMount{{Name: dindExternalsVolume, MountPath: externalsCopyDir}},
		},
		corev1.Container{
			Name:          "dind",
			Image:         image,
			RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways),
			Args:          []string{"dockerd", "--host=" + dockerHost, "--group=$(DOCKER_GROUP_GID)"},
			Env:           []corev1.EnvVar{{Name: "DOCKER_GROUP_GID", Value: dockerGroupID}},
			// Docker in Docker needs a privileged container; the kubernetes
			// mode is the choice for clusters that forbid one.
			SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)},
			// The runner starts only once the daemon answers.
			StartupProbe: &corev1.Probe{
				ProbeHandler:     corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"docker", "info"}}},
				PeriodSeconds:    5,
				FailureThreshold: 24,
			},
			VolumeMounts: []corev1.VolumeMount{
				{Name: workVolume, MountPath: runnerWorkDir},
				{Name: dindSocketVolume, MountPath: dindSocketDir},
				{Name: dindExternalsVolume, MountPath: runnerExternalsDir},
			},
		},
	)
	runner.Env = append(runner.Env,
		corev1.EnvVar{Name: "DOCKER_HOST", Value: dockerHost},
		corev1.EnvVar{Name: "RUNNER_WAIT_FOR_DOCKER_IN_SECONDS", Value: waitForDockerSeconds},
	)
	runner.VolumeMounts = append(runner.VolumeMounts,
		corev1.VolumeMount{Name: workVolume, MountPath: runnerWorkDir},
		corev1.VolumeMount{Name: dindSocketVolume, MountPath: dindSocketDir},
	)
	spec.Volumes = append(spec.Volumes,
		corev1.Volume{Name: workVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		corev1.Volume{Name: dindSocketVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		corev1.Volume{Name: dindExternalsVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	)
}

// kubernetesMode configures the runner container hooks: the runner creates a
// pod of its own for each job container, sharing the work volume, which is
// therefore an ephemeral claim rather than an emptyDir.
func kubernetesMode(spec *corev1.PodSpec, runner *corev1.Container, m KubernetesMode) {
	requireJobContainer := "true"
	if m.RequireJobContainer != nil && !*m.RequireJobContainer {
		requireJobContainer = "false"
	}
	runner.Env = append(runner.Env,
		corev1.EnvVar{Name: "ACTIONS_RUNNER_CONTAINER_HOOKS", Value: containerHooksScript},
		corev1.EnvVar{Name: "ACTIONS_RUNNER_POD_NAME", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"},
		}},
		corev1.EnvVar{Name: "ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER", Value: requireJobContainer},
	)
	runner.VolumeMounts = append(runner.VolumeMounts, corev1.VolumeMount{Name: workVolume, MountPath: runnerWorkDir})

	claim := ptr.Deref(m.WorkVolumeClaim, WorkVolumeClaim{})
	accessModes := claim.AccessModes
	if len(accessModes) == 0 {
		accessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	storage := resource.MustParse(DefaultWorkVolumeStorage)
	if claim.Storage != nil {
		storage = claim.Storage.DeepCopy()
	}
	spec.Volumes = append(spec.Volumes, corev1.Volume{
		Name: workVolume,
		VolumeSource: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{
			VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes:      accessModes,
					StorageClassName: claim.StorageClassName,
					Resources: corev1.VolumeResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceStorage: storage},
					},
				},
			},
		}},
	})
	spec.ServiceAccountName = m.ServiceAccountName
}
