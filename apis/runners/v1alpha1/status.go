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

package v1alpha1

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GetCondition returns the condition of the given type, or nil.
func (s *EphemeralRunnerSetStatus) GetCondition(conditionType string) *metav1.Condition {
	return meta.FindStatusCondition(s.Conditions, conditionType)
}

// SetCondition adds or updates the condition of c's type. The transition time
// is kept unless the status changes. It reports whether anything changed, so
// a controller can skip a status write that would change nothing.
func (s *EphemeralRunnerSetStatus) SetCondition(c metav1.Condition) bool {
	return meta.SetStatusCondition(&s.Conditions, c)
}

// GetCondition returns the condition of the given type, or nil.
func (s *EphemeralRunnerStatus) GetCondition(conditionType string) *metav1.Condition {
	return meta.FindStatusCondition(s.Conditions, conditionType)
}

// SetCondition adds or updates the condition of c's type. The transition time
// is kept unless the status changes. It reports whether anything changed, so
// a controller can skip a status write that would change nothing.
func (s *EphemeralRunnerStatus) SetCondition(c metav1.Condition) bool {
	return meta.SetStatusCondition(&s.Conditions, c)
}

// GetCondition returns the condition of the given type, or nil.
func (s *AutoscalingListenerStatus) GetCondition(conditionType string) *metav1.Condition {
	return meta.FindStatusCondition(s.Conditions, conditionType)
}

// SetCondition adds or updates the condition of c's type. The transition time
// is kept unless the status changes. It reports whether anything changed, so
// a controller can skip a status write that would change nothing.
func (s *AutoscalingListenerStatus) SetCondition(c metav1.Condition) bool {
	return meta.SetStatusCondition(&s.Conditions, c)
}

// maxPodFailureHistory bounds status.podFailures (its MaxItems), so a runner
// that fails forever cannot grow its status without bound.
const maxPodFailureHistory = 20

// RecordPodFailure counts one more failed pod and appends it to the history,
// dropping the oldest entries beyond the history's bound. Failures keeps
// counting past the bound.
func (s *EphemeralRunnerStatus) RecordPodFailure(f PodFailure) {
	s.Failures++
	s.PodFailures = append(s.PodFailures, f)
	if n := len(s.PodFailures); n > maxPodFailureHistory {
		s.PodFailures = append([]PodFailure(nil), s.PodFailures[n-maxPodFailureHistory:]...)
	}
}

// GaveUp reports whether the runner has had as many failed pods as it may
// have, so it must be removed from the service and replaced rather than get
// another pod.
func (r *EphemeralRunner) GaveUp() bool {
	limit := r.Spec.MaxPodFailures
	if limit <= 0 {
		limit = DefaultMaxPodFailures
	}
	return r.Status.Failures >= limit
}

// PodFailureBackoff is how long to wait after the last failed pod before
// creating the next one, given how many pods failed so far: none after the
// first failure, then 5, 10, 20 and 40 seconds, and 80 seconds from the sixth
// failure on.
func PodFailureBackoff(failures int32) time.Duration {
	const (
		first   = 5 * time.Second
		ceiling = 80 * time.Second
	)
	if failures <= 1 {
		return 0
	}
	d := first
	for i := int32(2); i < failures && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}

// JobRecorded tells whether the listener recorded a job started on the
// runner (from the service's JobStarted message).
func (s *EphemeralRunnerStatus) JobRecorded() bool {
	return s.JobRequestID > 0 || s.JobID != ""
}
