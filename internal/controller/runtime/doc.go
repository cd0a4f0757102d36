// Package runtime holds what the controllers of the in-cluster runner runtime
// (EphemeralRunnerSet, EphemeralRunner and AutoscalingListener) share: the
// labels and names of the objects they create, the Actions Service clients
// they build from a scale set's provider configuration, and ARC's controller
// gauges.
package runtime
