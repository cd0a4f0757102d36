package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	actionsv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/actions/v1alpha1"
	arcv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/arc/v1alpha1"
	runnersv1alpha1 "github.com/arc-crossplane/provider-github-arc/apis/runners/v1alpha1"
	"github.com/arc-crossplane/provider-github-arc/internal/function"
)

// ProviderConfigName is the ProviderConfig (and, with a suffix, Secret) each team
// namespace gets.
const (
	ProviderConfigName = "github"
	credentialsSecret  = "github-credentials"
	compositionOwner   = client.FieldOwner("arc-demo-composition")
)

const (
	errExample = "cannot read the team's example"
	errRender  = "cannot render the team's runner pool"
	errApply   = "cannot apply a composed resource"
	errReady   = "the team's runner pool did not become ready"
	errDelete  = "cannot remove the team's runner pool"
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
}

// Team is a team's namespace with its credentials and its runner pool, kept
// composed by a loop that plays Crossplane's part: render with the composition
// function, apply, observe, render again.
type Team struct {
	Spec      TeamSpec
	Namespace string
	// ScaleSetName is what the team's jobs ask for in runs-on.
	ScaleSetName string

	env *Env
	xr  function.Composite

	mu         sync.Mutex
	status     function.Status
	waiting    []string
	lastErr    error
	cancel     context.CancelFunc
	composeEnd chan struct{}
}

// AddTeams creates each team's namespace, Secret and ProviderConfig, starts its pod
// stand-in, starts (or restarts) the provider, and starts composing its runner pool.
// Wait for it with WaitReady.
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
	if err := e.ensureProvider(); err != nil {
		return out, err
	}
	for _, t := range out {
		cctx, cancel := context.WithCancel(e.bgCtx)
		t.cancel, t.composeEnd = cancel, make(chan struct{})
		go t.composeLoop(cctx)
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
	xr, err := e.composite(s)
	if err != nil {
		return nil, err
	}
	t := &Team{Spec: s, Namespace: s.Name, ScaleSetName: xr.Parameters.ScaleSetName, env: e, xr: xr}
	e.opts.progress("team %s: namespace, credentials Secret and ProviderConfig %q", s.Name, ProviderConfigName)
	if err := e.createNamespace(ctx, s.Name); err != nil {
		return nil, err
	}
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: s.Name, Name: credentialsSecret},
		Data:       map[string][]byte{arcv1alpha1.DefaultTokenKey: []byte(PAT)},
	}
	pc := &arcv1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: s.Name, Name: ProviderConfigName},
		Spec: arcv1alpha1.ProviderConfigSpec{
			GitHubConfigURL: arcv1alpha1.GitHubConfigURL(e.OrgURL()),
			Credentials: arcv1alpha1.Credentials{
				Source: arcv1alpha1.CredentialsSourceSecret, Type: arcv1alpha1.CredentialsTypePAT,
				SecretRef: xpv2.LocalSecretReference{Name: credentialsSecret},
			},
			CABundle: &arcv1alpha1.CABundle{PEM: arcv1alpha1.PEMBundle(e.Sim.CACertPEM)},
		},
	}
	for _, o := range []client.Object{sec, pc} {
		if err := e.Kube.Create(ctx, o); err != nil {
			return nil, fmt.Errorf("%s %s: %w", errCredentials, s.Name, err)
		}
	}
	if err := e.startStandIn(s.Name); err != nil {
		return nil, err
	}
	return t, nil
}

// composite builds the team's AutoscalingRunnerSet: from its example when it has
// one, pointed at the simulator and this namespace's ProviderConfig.
func (e *Env) composite(s TeamSpec) (function.Composite, error) {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": function.CompositeGroup + "/v1alpha1", "kind": function.CompositeKind,
		"metadata": map[string]any{}, "spec": map[string]any{},
	}}
	if s.Example != "" {
		path := s.Example
		if !filepath.IsAbs(path) {
			path = filepath.Join(e.opts.RepoRoot, path)
		}
		raw, err := os.ReadFile(path) //nolint:gosec // the repository's examples
		if err != nil {
			return function.Composite{}, fmt.Errorf("%s: %w", errExample, err)
		}
		if err := yaml.Unmarshal(raw, &u.Object); err != nil {
			return function.Composite{}, fmt.Errorf("%s %s: %w", errExample, path, err)
		}
	}
	u.SetName(s.Name)
	u.SetNamespace(s.Name)
	spec, _ := u.Object["spec"].(map[string]any)
	if spec == nil {
		spec = map[string]any{}
		u.Object["spec"] = spec
	}
	spec["providerConfigRef"] = map[string]any{"kind": arcv1alpha1.ProviderConfigKind, "name": ProviderConfigName}
	spec["githubConfigURL"] = e.OrgURL()
	spec["minRunners"] = int64(s.MinRunners)
	spec["maxRunners"] = int64(s.MaxRunners)
	if s.ScaleSetName != "" {
		spec["scaleSetName"] = s.ScaleSetName
	}
	xr, err := function.ReadComposite(u)
	if err != nil {
		return function.Composite{}, fmt.Errorf("%s: %w", errExample, err)
	}
	return xr, nil
}

// composeLoop renders and applies the team's composed resources every second, as
// Crossplane's composite reconciler would with this composition function.
func (t *Team) composeLoop(ctx context.Context) {
	defer close(t.composeEnd)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		err := t.compose(ctx)
		t.mu.Lock()
		changed := (err == nil) != (t.lastErr == nil) || (err != nil && err.Error() != t.lastErr.Error())
		t.lastErr = err
		t.mu.Unlock()
		if changed && err != nil && ctx.Err() == nil {
			t.env.opts.progress("team %s: composing: %v (retrying every second)", t.Namespace, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (t *Team) observed(ctx context.Context) (function.Observed, error) {
	var o function.Observed
	key := client.ObjectKey{Namespace: t.Namespace, Name: t.xr.Name}
	rg, rss := &actionsv1alpha1.RunnerGroup{}, &actionsv1alpha1.RunnerScaleSet{}
	ers, al := &runnersv1alpha1.EphemeralRunnerSet{}, &runnersv1alpha1.AutoscalingListener{}
	for _, get := range []struct {
		obj client.Object
		set func()
	}{
		{rg, func() { o.RunnerGroup = rg }},
		{rss, func() { o.RunnerScaleSet = rss }},
		{ers, func() { o.EphemeralRunnerSet = ers }},
		{al, func() { o.AutoscalingListener = al }},
	} {
		err := t.env.Kube.Get(ctx, key, get.obj)
		switch {
		case err == nil:
			get.set()
		case !kerrors.IsNotFound(err):
			return o, err
		}
	}
	return o, nil
}

func (t *Team) compose(ctx context.Context) error {
	o, err := t.observed(ctx)
	if err != nil {
		return err
	}
	r, err := function.Render(t.xr, o)
	if err != nil {
		return fmt.Errorf("%s: %w", errRender, err)
	}
	// r.Usages are left out: only Crossplane core acts on them, and the local
	// cluster runs the provider without it.
	for _, c := range r.Resources {
		u, err := function.ToComposed(c.Object)
		if err != nil {
			return fmt.Errorf("%s: %w", errRender, err)
		}
		obj := &u.Unstructured
		if err := t.env.Kube.Patch(ctx, obj, client.Apply, compositionOwner, client.ForceOwnership); err != nil { //nolint:staticcheck // a whole object, as Crossplane applies it
			return fmt.Errorf("%s %s %s: %w", errApply, obj.GetKind(), obj.GetName(), err)
		}
	}
	t.mu.Lock()
	t.status, t.waiting = r.Status, r.Waiting
	t.mu.Unlock()
	return nil
}

// Status is the composite's status as the function last computed it, what it
// waits for, and the last error of the loop.
func (t *Team) Status() (function.Status, []string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status, append([]string(nil), t.waiting...), t.lastErr
}

// ScaleSetID is the team's scale set id, 0 while unknown.
func (t *Team) ScaleSetID() int64 {
	s, _, _ := t.Status()
	return s.ScaleSetID
}

// WaitReady waits until every composed resource is rendered and the team's listener
// holds a message session at the simulator: from then on jobs scale the pool.
func (t *Team) WaitReady(ctx context.Context, timeout time.Duration) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		if perr := t.env.providerExited(); perr != nil {
			last = "the provider is not running"
			return false, perr
		}
		s, waiting, lerr := t.Status()
		switch {
		case lerr != nil:
			last = lerr.Error()
			return false, nil
		case len(waiting) > 0:
			last = waiting[0]
			return false, nil
		case s.ScaleSetID == 0:
			last = "no scale set id yet"
			return false, nil
		}
		st, err := t.env.SimClient.ActionsState(ctx)
		if err != nil {
			last = err.Error()
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
		return fmt.Errorf("%s %s (%s): %w", errReady, t.Namespace, last, err)
	}
	return nil
}

// Delete removes the team's runner pool in the order Crossplane would (listener,
// runners, scale set, group), waits while the provider honours its finalizers, then
// removes the namespace. Finalizers still there after the deadline are removed, so a
// demo never leaves a namespace stuck.
func (t *Team) Delete(ctx context.Context) error {
	if t.cancel != nil {
		t.cancel()
		<-t.composeEnd
	}
	key := client.ObjectKey{Namespace: t.Namespace, Name: t.xr.Name}
	var errs []error
	for _, obj := range []client.Object{
		&runnersv1alpha1.AutoscalingListener{}, &runnersv1alpha1.EphemeralRunnerSet{},
		&actionsv1alpha1.RunnerScaleSet{}, &actionsv1alpha1.RunnerGroup{},
	} {
		if err := t.env.DeleteAndWait(ctx, key, obj, 2*time.Minute); err != nil {
			errs = append(errs, err)
		}
	}
	// The ProviderConfig is in use (a finalizer) until the provider saw its users go.
	pcKey := client.ObjectKey{Namespace: t.Namespace, Name: ProviderConfigName}
	if err := t.env.DeleteAndWait(ctx, pcKey, &arcv1alpha1.ProviderConfig{}, time.Minute); err != nil {
		errs = append(errs, err)
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
	for _, l := range []client.ObjectList{
		&runnersv1alpha1.EphemeralRunnerList{}, &runnersv1alpha1.EphemeralRunnerSetList{}, &runnersv1alpha1.AutoscalingListenerList{},
		&actionsv1alpha1.RunnerScaleSetList{}, &actionsv1alpha1.RunnerGroupList{}, &arcv1alpha1.ProviderConfigList{},
		&corev1.PodList{}, &corev1.SecretList{},
	} {
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
