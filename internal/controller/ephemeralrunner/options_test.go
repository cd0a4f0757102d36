package ephemeralrunner

import (
	"testing"

	xpcontroller "github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/google/go-cmp/cmp"

	"github.com/arc-crossplane/provider-github-arc/internal/controller"
)

func TestControllerOptionsWorkers(t *testing.T) {
	cases := map[string]struct {
		reason string
		o      controller.Options
		want   int
	}{
		"RunnerWorkers": {
			reason: "the runner controller has its own number of workers",
			o:      controller.Options{Options: xpcontroller.Options{MaxConcurrentReconciles: 50}, RunnerMaxConcurrentReconciles: 200},
			want:   200,
		},
		"Unset": {
			reason: "without its own number it has every controller's",
			o:      controller.Options{Options: xpcontroller.Options{MaxConcurrentReconciles: 50}},
			want:   50,
		},
		"Negative": {
			reason: "a number below one is no number of workers: every controller's applies",
			o:      controller.Options{Options: xpcontroller.Options{MaxConcurrentReconciles: 50}, RunnerMaxConcurrentReconciles: -1},
			want:   50,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := controllerOptions(tc.o).MaxConcurrentReconciles
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\ncontrollerOptions(...).MaxConcurrentReconciles: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
