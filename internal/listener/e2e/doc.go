// Package e2e tests the listener within the whole runner runtime: the
// AutoscalingListener, EphemeralRunnerSet and EphemeralRunner controllers, and
// the pod stand-in that runs the real cmd/listener binary for the listener pod
// and plays the runner pods against the simulator. It is apart from package
// integration because it depends on the runtime's test harness.
package e2e
