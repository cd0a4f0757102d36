package function

import (
	"fmt"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
)

// The condition the function sets on the composite and its claim. Crossplane shows a
// managed resource's failure (a missing ProviderConfig, a name GitHub refused) only
// on that resource, which the team that wrote the composite may never look at: this
// brings the first one to the object the team wrote.
const (
	TypeResourcesSynced     = "ResourcesSynced"
	ReasonAllSynced         = "AllSynced"
	ReasonResourceNotSynced = "ResourceNotSynced"
)

// unsynced is why the first managed resource that failed its last reconcile did so,
// as "<Kind> <name>: <message>"; empty when none failed.
func unsynced(o Observed) string {
	if g := o.RunnerGroup; g != nil {
		if c := g.GetCondition(xpv2.TypeSynced); c.Status == corev1.ConditionFalse {
			return fmt.Sprintf("RunnerGroup %s: %s", g.Name, c.Message)
		}
	}
	if s := o.RunnerScaleSet; s != nil {
		if c := s.GetCondition(xpv2.TypeSynced); c.Status == corev1.ConditionFalse {
			return fmt.Sprintf("RunnerScaleSet %s: %s", s.Name, c.Message)
		}
	}
	return ""
}
