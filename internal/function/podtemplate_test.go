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
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
)

// The expected pod templates are written as YAML, the way ARC's chart
// documents its container modes, so that a reader can compare them with it.
func TestRunnerPodTemplate(t *testing.T) {
	cases := map[string]struct {
		reason string
		params Parameters
		want   string
	}{
		"Default": {
			reason: "Without a container mode the runner runs jobs in its own container.",
			params: Parameters{},
			want: `
spec:
  restartPolicy: Never
  containers:
  - name: runner
    image: ghcr.io/actions/actions-runner:latest
    command: [/home/runner/run.sh]
`,
		},
		"DefaultWithRunnerSettings": {
			reason: "The runner block sets the image, resources, variables and scheduling of the pod.",
			params: Parameters{
				ContainerMode: &ContainerMode{Type: ContainerModeDefault},
				Runner: &Runner{
					Image:           "ghcr.io/actions/actions-runner:2.329.0",
					ImagePullPolicy: corev1.PullIfNotPresent,
					Resources:       &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}},
					Env:             []corev1.EnvVar{{Name: "TZ", Value: "UTC"}},
					NodeSelector:    map[string]string{"kubernetes.io/arch": "amd64"},
					PodLabels:       map[string]string{"team": "a"},
				},
			},
			want: `
metadata:
  labels:
    team: a
spec:
  restartPolicy: Never
  nodeSelector:
    kubernetes.io/arch: amd64
  containers:
  - name: runner
    image: ghcr.io/actions/actions-runner:2.329.0
    imagePullPolicy: IfNotPresent
    command: [/home/runner/run.sh]
    env:
    - {name: TZ, value: UTC}
    resources:
      requests:
        cpu: 500m
`,
		},
		"DinD": {
			reason: "dind adds ARC's Docker daemon as a native sidecar and shares its socket and the runner's externals.",
			params: Parameters{ContainerMode: &ContainerMode{Type: ContainerModeDinD}, Runner: &Runner{Env: []corev1.EnvVar{{Name: "RUNNER_WAIT_FOR_DOCKER_IN_SECONDS", Value: "300"}}}},
			want: `
spec:
  restartPolicy: Never
  initContainers:
  - name: init-dind-externals
    image: ghcr.io/actions/actions-runner:latest
    command: [cp, -r, /home/runner/externals/., /home/runner/tmpDir/]
    volumeMounts:
    - {name: dind-externals, mountPath: /home/runner/tmpDir}
  - name: dind
    image: docker:dind
    restartPolicy: Always
    args: [dockerd, --host=unix:///var/run/docker.sock, --group=$(DOCKER_GROUP_GID)]
    env:
    - {name: DOCKER_GROUP_GID, value: "123"}
    securityContext:
      privileged: true
    startupProbe:
      exec:
        command: [docker, info]
      periodSeconds: 5
      failureThreshold: 24
    volumeMounts:
    - {name: work, mountPath: /home/runner/_work}
    - {name: dind-sock, mountPath: /var/run}
    - {name: dind-externals, mountPath: /home/runner/externals}
  containers:
  - name: runner
    image: ghcr.io/actions/actions-runner:latest
    command: [/home/runner/run.sh]
    env:
    - {name: DOCKER_HOST, value: unix:///var/run/docker.sock}
    - {name: RUNNER_WAIT_FOR_DOCKER_IN_SECONDS, value: "120"}
    - {name: RUNNER_WAIT_FOR_DOCKER_IN_SECONDS, value: "300"}
    volumeMounts:
    - {name: work, mountPath: /home/runner/_work}
    - {name: dind-sock, mountPath: /var/run}
  volumes:
  - {name: work, emptyDir: {}}
  - {name: dind-sock, emptyDir: {}}
  - {name: dind-externals, emptyDir: {}}
`,
		},
		"Kubernetes": {
			reason: "kubernetes mode points the runner at the container hooks and gives it an ephemeral work volume claim.",
			params: Parameters{ContainerMode: &ContainerMode{Type: ContainerModeKubernetes, Kubernetes: &KubernetesMode{
				ServiceAccountName: "team-c-runner",
				WorkVolumeClaim:    &WorkVolumeClaim{StorageClassName: ptr.To("standard"), Storage: ptr.To(resource.MustParse("5Gi"))},
			}}},
			want: `
spec:
  restartPolicy: Never
  serviceAccountName: team-c-runner
  containers:
  - name: runner
    image: ghcr.io/actions/actions-runner:latest
    command: [/home/runner/run.sh]
    env:
    - {name: ACTIONS_RUNNER_CONTAINER_HOOKS, value: /home/runner/k8s/index.js}
    - name: ACTIONS_RUNNER_POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - {name: ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER, value: "true"}
    volumeMounts:
    - {name: work, mountPath: /home/runner/_work}
  volumes:
  - name: work
    ephemeral:
      volumeClaimTemplate:
        spec:
          accessModes: [ReadWriteOnce]
          storageClassName: standard
          resources:
            requests:
              storage: 5Gi
`,
		},
		"KubernetesJobContainerOptional": {
			reason: "requireJobContainer false lets jobs without a container run in the runner pod.",
			params: Parameters{ContainerMode: &ContainerMode{Type: ContainerModeKubernetes, Kubernetes: &KubernetesMode{RequireJobContainer: ptr.To(false)}}},
			want: `
spec:
  restartPolicy: Never
  containers:
  - name: runner
    image: ghcr.io/actions/actions-runner:latest
    command: [/home/runner/run.sh]
    env:
    - {name: ACTIONS_RUNNER_CONTAINER_HOOKS, value: /home/runner/k8s/index.js}
    - name: ACTIONS_RUNNER_POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - {name: ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER, value: "false"}
    volumeMounts:
    - {name: work, mountPath: /home/runner/_work}
  volumes:
  - name: work
    ephemeral:
      volumeClaimTemplate:
        spec:
          accessModes: [ReadWriteOnce]
          resources:
            requests:
              storage: 1Gi
`,
		},
		"FullTemplate": {
			reason: "A full template is used as it is.",
			params: Parameters{Template: &runnersv1alpha1.RunnerPodTemplate{
				Metadata: runnersv1alpha1.PodTemplateMetadata{Annotations: map[string]string{"a": "b"}},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{Name: "runner", Image: "my/runner:1"}, {Name: "sidecar", Image: "my/sidecar:1"}},
				},
			}},
			want: `
metadata:
  annotations:
    a: b
spec:
  containers:
  - name: runner
    image: my/runner:1
  - name: sidecar
    image: my/sidecar:1
`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var want runnersv1alpha1.RunnerPodTemplate
			if err := yaml.UnmarshalStrict([]byte(tc.want), &want); err != nil {
				t.Fatalf("the expected template does not parse: %v", err)
			}
			got := runnerPodTemplate(tc.params)
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nrunnerPodTemplate(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestRunnerPodTemplateDoesNotShareTheTeamsTemplate: the rendered template
// is a copy, so rendering never changes the parameters it was given.
func TestRunnerPodTemplateDoesNotShareTheTeamsTemplate(t *testing.T) {
	in := &runnersv1alpha1.RunnerPodTemplate{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "runner"}}}}
	got := runnerPodTemplate(Parameters{Template: in})
	got.Spec.Containers[0].Image = "changed"
	if in.Spec.Containers[0].Image != "" {
		t.Errorf("changing the rendered template changed the team's template")
	}
}
