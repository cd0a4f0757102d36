package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	actionsv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	ghclient "github.com/arc-crossplane/provider-github-arc/internal/clients/github"
	arcruntime "github.com/arc-crossplane/provider-github-arc/internal/controller/runtime"
	"github.com/arc-crossplane/provider-github-arc/internal/function"
)

// The kinds a team writes: the namespaced v2 composite and the legacy claim.
var (
	CompositeGVK = schema.GroupVersionKind{Group: function.CompositeGroup, Version: "v1alpha1", Kind: function.CompositeKind}
	ClaimGVK     = schema.GroupVersionKind{Group: function.CompositeGroup, Version: "v1alpha1", Kind: function.CompositeKind + "Claim"}
)

const (
	errExample  = "cannot read the team's example"
	errCreate   = "cannot create the team's runner pool"
	errReady    = "the team's runner pool did not become ready"
	errDelete   = "cannot remove the team's runner pool"
	errLeftover = "Crossplane left the team's resources behind"
	deleteWait  = 3 * time.Minute
)

// TeamSpec is one team's runner pool.
type TeamSpec struct {
	// Name is the team's namespace and the name of its composite resource.
	Name string
	// Example is a file with an AutoscalingRunnerSet (examples/teams/...) to start
	// from; empty starts from nothing. Its provider config, GitHub URL and runner
	// bounds are replaced with the demo's.
	Example string
	// ScaleSetName overrides the example's (or is the name without one).
	ScaleSetName string
	// MinRunners and MaxRunners bound the pool.
	MinRunners, MaxRunners int32
	// Claim asks through the legacy AutoscalingRunnerSetClaim instead of a
	// namespaced AutoscalingRunnerSet.
	Claim bool
}

// Team is a team's namespace with the composite resource (or claim) it wrote;
// Crossplane composes its runner pool.
type Team struct {
	Spec      TeamSpec
	Namespace string
	// ScaleSetName is what the team's jobs ask for in runs-on.
	ScaleSetName string
	// Object is what the team wrote, as it was created.
	Object *unstructured.Unstructured
	// Created is when it was created.
	Created time.Time

	env *Env

	// The last state read, for CachedState, and the scale set's id once known:
	// a scale set keeps its id for its life.
	stateMu    sync.Mutex
	state      TeamState
	stateAt    time.Time
	scaleSetID int64
}

// AddTeams creates each team's namespace and its AutoscalingRunnerSet or claim.
// Wait for them with WaitReady.
func (e *Env) AddTeams(ctx context.Context, specs ...TeamSpec) ([]*Team, error) {
	var out []*Team
	for _, s := range specs {
		t, err := e.newTeam(ctx, s)
		if err != nil {
			return out, err
		}
		e.mu.Lock()
		e.teams = append(e.teams, t)
		e.mu.Unlock()
		out = append(out, t)
	}
	return out, nil
}

// Teams lists the teams added so far.
func (e *Env) Teams() []*Team {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*Team(nil), e.teams...)
}

func (e *Env) newTeam(ctx context.Context, s TeamSpec) (*Team, error) {
	obj, err := e.composite(s)
	if err != nil {
		return nil, err
	}
	scaleSet, _, _ := unstructured.NestedString(obj.Object, "spec", "scaleSetName")
	if scaleSet == "" {
		scaleSet = s.Name
	}
	t := &Team{Spec: s, Namespace: s.Name, ScaleSetName: scaleSet, Object: obj, env: e}
	if err := e.createNamespace(ctx, s.Name); err != nil {
		return nil, err
	}
	if err := e.Kube.Create(ctx, obj.DeepCopy()); err != nil {
		return nil, fmt.Errorf("%s %s: %w", errCreate, s.Name, err)
	}
	t.Created = time.Now()
	e.opts.progress("team %s: %s %s/%s created (scale set %q)", s.Name, obj.GetKind(), s.Name, s.Name, scaleSet)
	return t, nil
}

// composite builds the team's AutoscalingRunnerSet (or claim): from its example when
// it has one, pointed at the simulator and the platform's ClusterProviderConfig.
func (e *Env) composite(s TeamSpec) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{}}}
	if s.Example != "" {
		path := s.Example
		if !filepath.IsAbs(path) {
			path = filepath.Join(e.opts.RepoRoot, path)
		}
		raw, err := os.ReadFile(path) //nolint:gosec // the repository's examples
		if err != nil {
			return nil, fmt.Errorf("%s: %w", errExample, err)
		}
		if err := yaml.Unmarshal(raw, &u.Object); err != nil {
			return nil, fmt.Errorf("%s %s: %w", errExample, path, err)
		}
	}
	gvk := CompositeGVK
	if s.Claim {
		gvk = ClaimGVK
	}
	u.SetGroupVersionKind(gvk)
	u.SetName(s.Name)
	u.SetNamespace(s.Name)
	spec, _ := u.Object["spec"].(map[string]any)
	spec["providerConfigRef"] = map[string]any{"kind": arcv1alpha1.ClusterProviderConfigKind, "name": ProviderConfigName}
	spec["githubConfigURL"] = e.OrgURL()
	spec["minRunners"] = int64(s.MinRunners)
	spec["maxRunners"] = int64(s.MaxRunners)
	if s.ScaleSetName != "" {
		spec["scaleSetName"] = s.ScaleSetName
	}
	return u, nil
}

// Get reads what the team wrote, as it is now.
func (t *Team) Get(ctx context.Context) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(t.Object.GroupVersionKind())
	err := t.env.Kube.Get(ctx, client.ObjectKeyFromObject(t.Object), u)
	return u, err
}

// TeamState is what Crossplane shows on the team's object.
type TeamState struct {
	// Ready and Synced are the object's conditions, "Unknown" while it has none.
	Ready, Synced string
	// Message is why it is not ready or not synced, when it says.
	Message string
	// ScaleSetID is the scale set's id, 0 while unknown.
	ScaleSetID int64
}

// State reads the team's object and its conditions.
func (t *Team) State(ctx context.Context) (TeamState, error) {
	u, err := t.Get(ctx)
	if err != nil {
		return TeamState{Ready: "Unknown", Synced: "Unknown"}, err
	}
	ready, synced := Condition(u, "Ready"), Condition(u, "Synced")
	s := TeamState{Ready: string(ready.Status), Synced: string(synced.Status)}
	switch {
	case synced.Status != corev1.ConditionTrue && synced.Message != "":
		s.Message = synced.Message
	case ready.Status != corev1.ConditionTrue && ready.Message != "":
		s.Message = ready.Message
	}
	id, _, _ := unstructured.NestedInt64(u.Object, "status", "scaleSetID")
	s.ScaleSetID = id
	return s, nil
}

// CachedState is State read at most every 2 s: a view refreshed every half second
// then adds little to the API server's load.
func (t *Team) CachedState(ctx context.Context) TeamState {
	t.stateMu.Lock()
	defer t.stateMu.Unlock()
	if time.Since(t.stateAt) > 2*time.Second {
		if s, err := t.State(ctx); err == nil {
			t.state, t.stateAt = s, time.Now()
		}
	}
	return t.state
}

// ScaleSetID is the team's scale set id as its composite shows it, 0 while unknown;
// the composite is read only until it shows one.
func (t *Team) ScaleSetID() int64 {
	t.stateMu.Lock()
	defer t.stateMu.Unlock()
	if t.scaleSetID == 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, _ := t.State(ctx)
		t.scaleSetID = s.ScaleSetID
	}
	return t.scaleSetID
}

// WaitReady waits until Crossplane reports the team's object Ready and the team's
// listener holds a message session at the simulator: from then on jobs scale the
// pool.
func (t *Team) WaitReady(ctx context.Context, timeout time.Duration) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		s, err := t.State(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				last = err.Error()
			}
			return false, nil
		case s.Ready != string(corev1.ConditionTrue):
			last = fmt.Sprintf("Ready=%s Synced=%s %s", s.Ready, s.Synced, s.Message)
			return false, nil
		case s.ScaleSetID == 0:
			last = "no scale set id yet"
			return false, nil
		}
		st, err := t.env.SimClient.ActionsState(ctx)
		if err != nil {
			if ctx.Err() == nil {
				last = err.Error()
			}
			return false, nil
		}
		for _, ss := range st.ScaleSets {
			if int64(ss.ID) == s.ScaleSetID && ss.Session != nil {
				return true, nil
			}
		}
		last = "the listener has no message session yet"
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("%s %s (%s): %w", errReady, t.Namespace, strings.TrimSpace(last), err)
	}
	return nil
}

// composedKinds are what Crossplane composes for a team, in the team's namespace,
// and what the provider makes of them.
func composedKinds() []client.ObjectList {
	return []client.ObjectList{
		&actionsv1alpha1.RunnerGroupList{}, &actionsv1alpha1.RunnerScaleSetList{},
		&runnersv1alpha1.EphemeralRunnerSetList{}, &runnersv1alpha1.EphemeralRunnerList{},
		&runnersv1alpha1.AutoscalingListenerList{},
	}
}

// Delete deletes what the team wrote and waits until Crossplane and the provider
// removed everything of its runner pool (Leftovers says what), then removes the
// namespace. Finalizers still there after the deadline are removed, so a demo never
// leaves a namespace stuck.
func (t *Team) Delete(ctx context.Context) error {
	var errs []error
	before, _ := t.Leftovers(ctx)
	start := time.Now()
	if err := t.env.Kube.Delete(ctx, t.Object.DeepCopy()); client.IgnoreNotFound(err) != nil {
		errs = append(errs, fmt.Errorf("%s %s: %w", errDelete, t.Namespace, err))
	}
	var left []string
	err := wait.PollUntilContextTimeout(ctx, time.Second, deleteWait, true, func(ctx context.Context) (bool, error) {
		var err error
		left, err = t.Leftovers(ctx)
		return err == nil && len(left) == 0, nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("%s within %s: %s", errLeftover, deleteWait, strings.Join(left, ", ")))
	} else {
		t.env.opts.progress("%s: Crossplane and the provider removed all %d of its objects in %s: %s",
			t.Namespace, len(before), time.Since(start).Round(100*time.Millisecond), strings.Join(before, ", "))
	}
	if err := t.env.DeleteAndWait(ctx, client.ObjectKey{Name: t.Namespace}, &corev1.Namespace{}, 2*time.Minute); err != nil {
		// Objects of the provider still held by finalizers (it could not
		// finish in time): let them go, so the namespace does not hang.
		t.releaseFinalizers(ctx)
		if err := t.env.DeleteAndWait(ctx, client.ObjectKey{Name: t.Namespace}, &corev1.Namespace{}, time.Minute); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Leftovers lists what is left of the team's runner pool: its object, the composed
// resources and the provider's pods and Secrets in its namespace, its scale set and
// its own runner group at GitHub.
func (t *Team) Leftovers(ctx context.Context) ([]string, error) {
	var left []string
	if _, err := t.Get(ctx); err == nil {
		left = append(left, t.Object.GetKind()+" "+t.Object.GetName())
	} else if !kerrors.IsNotFound(err) {
		return nil, err
	}
	lists := append(composedKinds(), &corev1.PodList{}, &corev1.SecretList{})
	for _, l := range lists {
		opts := []client.ListOption{client.InNamespace(t.Namespace)}
		switch l.(type) {
		case *corev1.PodList, *corev1.SecretList:
			opts = append(opts, client.MatchingLabels{arcruntime.LabelManagedBy: arcruntime.ManagedBy})
		}
		if err := t.env.Kube.List(ctx, l, opts...); err != nil {
			if meta.IsNoMatchError(err) {
				continue
			}
			return nil, err
		}
		_ = meta.EachListItem(l, func(o runtime.Object) error {
			obj := o.(client.Object)
			left = append(left, fmt.Sprintf("%T %s", o, obj.GetName()))
			return nil
		})
	}
	// The Usages that order the deletion go last, once what they protect is gone.
	usages := &unstructured.UnstructuredList{}
	usages.SetGroupVersionKind(schema.GroupVersionKind{Group: "protection.crossplane.io", Version: "v1beta1", Kind: "UsageList"})
	if err := t.env.Kube.List(ctx, usages, client.InNamespace(t.Namespace)); err != nil && !meta.IsNoMatchError(err) {
		return nil, err
	}
	for _, u := range usages.Items {
		left = append(left, "Usage "+u.GetName())
	}
	st, err := t.env.SimClient.ActionsState(ctx)
	if err != nil {
		return nil, err
	}
	for _, ss := range st.ScaleSets {
		if ss.Name == t.ScaleSetName {
			left = append(left, fmt.Sprintf("scale set %s (id %d) at GitHub", ss.Name, ss.ID))
		}
	}
	if group, create := t.ownGroup(); create {
		gh, err := ghclient.New(ghclient.Config{BaseURL: t.env.Sim.URL, CABundle: t.env.Sim.CACertPEM, Organization: Org, PersonalAccessToken: PAT})
		if err != nil {
			return nil, err
		}
		if _, err := gh.GetRunnerGroupByName(ctx, group); err == nil {
			left = append(left, "runner group "+group+" at GitHub")
		} else if !ghclient.IsNotFound(err) {
			return nil, err
		}
	}
	return left, nil
}

// ownGroup is the runner group the team asked to create, if it did.
func (t *Team) ownGroup() (string, bool) {
	create, _, _ := unstructured.NestedBool(t.Object.Object, "spec", "runnerGroup", "create")
	name, _, _ := unstructured.NestedString(t.Object.Object, "spec", "runnerGroup", "name")
	return name, create && name != ""
}

// DeleteAndWait deletes obj (of key) and waits, at most timeout, until it is
// gone; one that is not gone by then has its finalizers removed.
func (e *Env) DeleteAndWait(ctx context.Context, key client.ObjectKey, obj client.Object, timeout time.Duration) error {
	if err := e.Kube.Get(ctx, key, obj); err != nil {
		return client.IgnoreNotFound(err)
	}
	if err := e.Kube.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("%s: %T %s: %w", errDelete, obj, key, err)
	}
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		err := e.Kube.Get(ctx, key, obj)
		return kerrors.IsNotFound(err), nil
	})
	if err == nil {
		return nil
	}
	// The provider did not finish in time (it may have been stopped): let go.
	if gerr := e.Kube.Get(context.Background(), key, obj); gerr == nil && len(obj.GetFinalizers()) > 0 {
		obj.SetFinalizers(nil)
		_ = e.Kube.Update(context.Background(), obj)
	}
	return fmt.Errorf("%s: %T %s not gone within %s; finalizers removed", errDelete, obj, key, timeout)
}

// releaseFinalizers removes the finalizers of every object of the provider's kinds
// left in the team's namespace.
func (t *Team) releaseFinalizers(ctx context.Context) {
	lists := append(composedKinds(), &arcv1alpha1.ProviderConfigList{}, &corev1.PodList{}, &corev1.SecretList{})
	for _, l := range lists {
		if err := t.env.Kube.List(ctx, l, client.InNamespace(t.Namespace)); err != nil {
			continue
		}
		_ = meta.EachListItem(l, func(o runtime.Object) error {
			obj, ok := o.(client.Object)
			if !ok || len(obj.GetFinalizers()) == 0 {
				return nil
			}
			patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
			obj.SetFinalizers(nil)
			_ = t.env.Kube.Patch(ctx, obj, patch)
			return nil
		})
	}
}

// toUnstructured converts a typed object (with its TypeMeta set) for apply.
func toUnstructured(o client.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		return nil, err
	}
	return &unstructured.Unstructured{Object: m}, nil
}
