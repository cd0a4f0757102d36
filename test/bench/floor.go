package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/arc-crossplane/provider-github-arc/cluster/demo"
)

const errFloor = "cannot measure the floor"

// measureFloor times creating n Secret + Pod pairs straight through the API server
// with 32 goroutines: what the cluster itself allows, with no controller, listener
// or GitHub between. Each pod refers to its Secret the way a runner pod refers to
// its JIT config. The caller removes the pairs' namespace it returns.
func measureFloor(ctx context.Context, kube kubernetes.Interface, n int) (time.Duration, string, error) {
	ns := fmt.Sprintf("bench-floor-%d", time.Now().Unix())
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: ns, Labels: map[string]string{demo.LabelDemo: "true"},
	}}, metav1.CreateOptions{}); err != nil {
		return 0, "", fmt.Errorf("%s: %w", errFloor, err)
	}
	// The namespace's default ServiceAccount must exist before pods are admitted.
	_ = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := kube.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})

	const workers = 32
	next := make(chan int)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := createPair(ctx, kube, ns, i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	took := time.Since(start)
	if firstErr != nil {
		return 0, ns, fmt.Errorf("%s: %w", errFloor, firstErr)
	}
	return took, ns, nil
}

func createPair(ctx context.Context, kube kubernetes.Interface, ns string, i int) error {
	name := fmt.Sprintf("floor-%04d", i)
	if _, err := kube.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Data:       map[string][]byte{"jitToken": []byte("floor-measurement-placeholder")},
	}, metav1.CreateOptions{}); err != nil {
		return err
	}
	_, err := kube.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app.kubernetes.io/component": "bench-floor"}},
		Spec: corev1.PodSpec{
			RestartPolicy:                 corev1.RestartPolicyNever,
			TerminationGracePeriodSeconds: ptr.To(int64(0)),
			Containers: []corev1.Container{{
				Name: "runner", Image: "ghcr.io/actions/actions-runner:latest", Command: []string{"/home/runner/run.sh"},
				Env: []corev1.EnvVar{{Name: "ACTIONS_RUNNER_INPUT_JITCONFIG", ValueFrom: &corev1.EnvVarSource{
					SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: "jitToken"},
				}}},
			}},
		},
	}, metav1.CreateOptions{})
	return err
}
