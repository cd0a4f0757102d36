package autoscalinglistener

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/clients"
	"github.com/arc-crossplane/provider-github-arc/internal/listener"
)

func TestListenerConfig(t *testing.T) {
	base := func(change func(*listener.ListenerConfig)) listener.ListenerConfig {
		lc := listener.ListenerConfig{
			GitHubConfigURL: "https://github.com/acme", ScaleSetID: 3, ScaleSetName: "linux",
			EphemeralRunnerSetNamespace: "ci", EphemeralRunnerSetName: "linux-set",
			MaxRunners: math.MaxInt32, Token: "ghp_x",
			MetricsAddr: listener.DefaultMetricsAddr, HealthAddr: listener.DefaultHealthAddr, LogLevel: listener.LogLevelInfo,
		}
		if change != nil {
			change(&lc)
		}
		return lc
	}
	cases := map[string]struct {
		reason string
		spec   func(*v1alpha1.AutoscalingListenerSpec)
		want   listener.ListenerConfig
	}{
		"Defaults": {
			reason: "no bound and no batch window given: no bound, and the listener's own default window",
			want:   base(nil),
		},
		"BoundsAndWindow": {
			reason: "the spec's bounds and batch window reach the listener",
			spec: func(s *v1alpha1.AutoscalingListenerSpec) {
				s.MinRunners, s.MaxRunners, s.MessageBatchWindowMilliseconds = 1, new(int32(9)), new(int32(0))
			},
			want: base(func(lc *listener.ListenerConfig) {
				lc.MinRunners, lc.MaxRunners, lc.MessageBatchWindowMilliseconds = 1, 9, new(0)
			}),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			l := &v1alpha1.AutoscalingListener{
				ObjectMeta: metav1.ObjectMeta{Name: "linux", Namespace: "ci"},
				Spec: v1alpha1.AutoscalingListenerSpec{
					ScaleSet:               v1alpha1.ScaleSetReference{ID: 3, Name: "linux"},
					EphemeralRunnerSetName: "linux-set",
				},
			}
			if tc.spec != nil {
				tc.spec(&l.Spec)
			}
			got := listenerConfig(l, &clients.Config{ConfigURL: "https://github.com/acme", Token: "ghp_x"})
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nlistenerConfig(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
