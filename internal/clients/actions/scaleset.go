package actions

import (
	"context"
	"fmt"

	"github.com/actions/scaleset"
)

// ScalesetClient is the Client backed by scaleset.Client.
type ScalesetClient struct {
	client *scaleset.Client
}

var _ Client = (*ScalesetClient)(nil)

const (
	errGetRunnerGroup = "cannot get runner group"
	errGetScaleSet    = "cannot get runner scale set"
	errCreateScaleSet = "cannot create runner scale set"
	errUpdateScaleSet = "cannot update runner scale set"
	errDeleteScaleSet = "cannot delete runner scale set"
	errGenerateJIT    = "cannot generate JIT runner config"
	errGetRunner      = "cannot get runner"
	errRemoveRunner   = "cannot remove runner"
	errOpenSession    = "cannot open message session"
)

// MessageSessionClient opens a message session for the scale set, owned by
// owner. The session client inherits this client's HTTP options; opts override
// them. Close it to end the session.
func (c *ScalesetClient) MessageSessionClient(ctx context.Context, scaleSetID int, owner string, opts ...scaleset.HTTPOption) (*scaleset.MessageSessionClient, error) {
	s, err := c.client.MessageSessionClient(ctx, scaleSetID, owner, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errOpenSession, err)
	}
	return s, nil
}

// GetRunnerGroupByName implements Client.
func (c *ScalesetClient) GetRunnerGroupByName(ctx context.Context, name string) (*RunnerGroup, error) {
	g, err := c.client.GetRunnerGroupByName(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", errGetRunnerGroup, name, classifyRunnerGroupError(err))
	}
	return &RunnerGroup{ID: g.ID, Name: g.Name, IsDefault: g.IsDefault}, nil
}

// GetScaleSet implements Client.
func (c *ScalesetClient) GetScaleSet(ctx context.Context, runnerGroupID int, name string) (*ScaleSet, error) {
	ss, err := c.client.GetRunnerScaleSet(ctx, runnerGroupID, name)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", errGetScaleSet, name, err)
	}
	if ss == nil {
		return nil, fmt.Errorf("%s %q in runner group %d: %w", errGetScaleSet, name, runnerGroupID, ErrNotFound)
	}
	return scaleSetFrom(ss), nil
}

// GetScaleSetByID implements Client.
func (c *ScalesetClient) GetScaleSetByID(ctx context.Context, id int) (*ScaleSet, error) {
	ss, err := c.client.GetRunnerScaleSetByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%s %d: %w", errGetScaleSet, id, err)
	}
	if ss == nil {
		return nil, fmt.Errorf("%s %d: %w", errGetScaleSet, id, ErrNotFound)
	}
	return scaleSetFrom(ss), nil
}

// CreateScaleSet implements Client.
func (c *ScalesetClient) CreateScaleSet(ctx context.Context, spec ScaleSetSpec) (*ScaleSet, error) {
	ss, err := c.client.CreateRunnerScaleSet(ctx, spec.toScaleset())
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", errCreateScaleSet, spec.Name, err)
	}
	return scaleSetFrom(ss), nil
}

// UpdateScaleSet implements Client.
func (c *ScalesetClient) UpdateScaleSet(ctx context.Context, id int, spec ScaleSetSpec) (*ScaleSet, error) {
	ss, err := c.client.UpdateRunnerScaleSet(ctx, id, spec.toScaleset())
	if err != nil {
		return nil, fmt.Errorf("%s %d: %w", errUpdateScaleSet, id, err)
	}
	return scaleSetFrom(ss), nil
}

// DeleteScaleSet implements Client.
func (c *ScalesetClient) DeleteScaleSet(ctx context.Context, id int) error {
	if err := c.client.DeleteRunnerScaleSet(ctx, id); err != nil {
		return fmt.Errorf("%s %d: %w", errDeleteScaleSet, id, err)
	}
	return nil
}

// GenerateJITConfig implements Client.
func (c *ScalesetClient) GenerateJITConfig(ctx context.Context, scaleSetID int, runnerName, workFolder string) (*JITConfig, error) {
	jit, err := c.client.GenerateJitRunnerConfig(ctx, &scaleset.RunnerScaleSetJitRunnerSetting{Name: runnerName, WorkFolder: workFolder}, scaleSetID)
	if err != nil {
		return nil, fmt.Errorf("%s for runner %q: %w", errGenerateJIT, runnerName, err)
	}
	out := &JITConfig{EncodedJITConfig: jit.EncodedJITConfig}
	if jit.Runner != nil {
		out.Runner = runnerFrom(jit.Runner)
	}
	return out, nil
}

// GetRunner implements Client.
func (c *ScalesetClient) GetRunner(ctx context.Context, id int) (*Runner, error) {
	r, err := c.client.GetRunner(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%s %d: %w", errGetRunner, id, err)
	}
	if r == nil {
		return nil, fmt.Errorf("%s %d: %w", errGetRunner, id, ErrNotFound)
	}
	out := runnerFrom(r)
	return &out, nil
}

// GetRunnerByName implements Client.
func (c *ScalesetClient) GetRunnerByName(ctx context.Context, name string) (*Runner, error) {
	r, err := c.client.GetRunnerByName(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", errGetRunner, name, err)
	}
	if r == nil {
		return nil, fmt.Errorf("%s %q: %w", errGetRunner, name, ErrNotFound)
	}
	out := runnerFrom(r)
	return &out, nil
}

// RemoveRunner implements Client.
func (c *ScalesetClient) RemoveRunner(ctx context.Context, id int64) error {
	if err := c.client.RemoveRunner(ctx, id); err != nil {
		return fmt.Errorf("%s %d: %w", errRemoveRunner, id, err)
	}
	return nil
}

func (spec ScaleSetSpec) toScaleset() *scaleset.RunnerScaleSet {
	ss := &scaleset.RunnerScaleSet{
		Name:          spec.Name,
		RunnerGroupID: spec.RunnerGroupID,
		RunnerSetting: scaleset.RunnerSetting{DisableUpdate: spec.DisableUpdate},
	}
	for _, l := range spec.Labels {
		ss.Labels = append(ss.Labels, scaleset.Label{Name: l, Type: "System"})
	}
	return ss
}

func scaleSetFrom(ss *scaleset.RunnerScaleSet) *ScaleSet {
	out := &ScaleSet{
		ID:              ss.ID,
		Name:            ss.Name,
		RunnerGroupID:   ss.RunnerGroupID,
		RunnerGroupName: ss.RunnerGroupName,
		DisableUpdate:   ss.RunnerSetting.DisableUpdate,
		CreatedOn:       ss.CreatedOn,
		Statistics:      ss.Statistics,
	}
	for _, l := range ss.Labels {
		out.Labels = append(out.Labels, l.Name)
	}
	return out
}

func runnerFrom(r *scaleset.RunnerReference) Runner {
	return Runner{ID: r.ID, Name: r.Name, ScaleSetID: r.RunnerScaleSetID}
}
