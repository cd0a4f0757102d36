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
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodFailureBackoff(t *testing.T) {
	// The sequence ARC users know: retry at once, then back off doubling from
	// 5 s, and never wait more than 80 s.
	want := map[int32]time.Duration{
		-1:      0,
		0:       0,
		1:       0,
		2:       5 * time.Second,
		3:       10 * time.Second,
		4:       20 * time.Second,
		5:       40 * time.Second,
		6:       80 * time.Second,
		7:       80 * time.Second,
		20:      80 * time.Second,
		1 << 30: 80 * time.Second,
	}
	for failures, w := range want {
		t.Run(fmt.Sprint(failures), func(t *testing.T) {
			if diff := cmp.Diff(w, PodFailureBackoff(failures)); diff != "" {
				t.Errorf("PodFailureBackoff(%d): -want, +got:\n%s", failures, diff)
			}
		})
	}
}

func TestRecordPodFailure(t *testing.T) {
	at := func(s int) metav1.Time { return metav1.NewTime(time.Unix(int64(s), 0)) }

	cases := map[string]struct {
		reason       string
		status       EphemeralRunnerStatus
		failure      PodFailure
		wantFailures int32
		wantHistory  []string
	}{
		"First": {
			reason:       "The first failure is counted and recorded.",
			failure:      PodFailure{PodName: "p1", FailedAt: at(1)},
			wantFailures: 1,
			wantHistory:  []string{"p1"},
		},
		"HistoryIsBounded": {
			reason: "Beyond the bound the oldest entries are dropped, but the count goes on.",
			status: func() EphemeralRunnerStatus {
				s := EphemeralRunnerStatus{Failures: 25}
				for i := range maxPodFailureHistory {
					s.PodFailures = append(s.PodFailures, PodFailure{PodName: fmt.Sprintf("p%d", i+6), FailedAt: at(i)})
				}
				return s
			}(),
			failure:      PodFailure{PodName: "p26", FailedAt: at(100)},
			wantFailures: 26,
			wantHistory: func() []string {
				var h []string
				for i := 7; i <= 26; i++ {
					h = append(h, fmt.Sprintf("p%d", i))
				}
				return h
			}(),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := tc.status
			s.RecordPodFailure(tc.failure)
			if diff := cmp.Diff(tc.wantFailures, s.Failures); diff != "" {
				t.Errorf("\n%s\nFailures: -want, +got:\n%s", tc.reason, diff)
			}
			var history []string
			for _, f := range s.PodFailures {
				history = append(history, f.PodName)
			}
			if diff := cmp.Diff(tc.wantHistory, history); diff != "" {
				t.Errorf("\n%s\nPodFailures: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestGaveUp(t *testing.T) {
	cases := map[string]struct {
		reason         string
		maxPodFailures int32
		failures       int32
		want           bool
	}{
		"BelowLimit":       {reason: "A runner below its limit gets another pod.", maxPodFailures: 3, failures: 2, want: false},
		"AtLimit":          {reason: "A runner at its limit gives up.", maxPodFailures: 3, failures: 3, want: true},
		"DefaultLimitUsed": {reason: "Without a limit (not defaulted by the API server) ARC's 5 applies.", failures: 4, want: false},
		"DefaultLimitHit":  {reason: "Without a limit ARC's 5 applies.", failures: 5, want: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := &EphemeralRunner{
				Spec:   EphemeralRunnerSpec{MaxPodFailures: tc.maxPodFailures},
				Status: EphemeralRunnerStatus{Failures: tc.failures},
			}
			if diff := cmp.Diff(tc.want, r.GaveUp()); diff != "" {
				t.Errorf("\n%s\nGaveUp(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestConditions(t *testing.T) {
	ready := metav1.Condition{Type: ConditionTypeReady, Status: metav1.ConditionTrue, Reason: "Running", Message: "listener pod runs"}

	type statusWithConditions interface {
		GetCondition(conditionType string) *metav1.Condition
		SetCondition(c metav1.Condition) bool
	}
	statuses := map[string]statusWithConditions{
		"EphemeralRunnerSet":  &EphemeralRunnerSetStatus{},
		"EphemeralRunner":     &EphemeralRunnerStatus{},
		"AutoscalingListener": &AutoscalingListenerStatus{},
	}
	ignoreTime := cmpopts.IgnoreFields(metav1.Condition{}, "LastTransitionTime")

	for name, s := range statuses {
		t.Run(name, func(t *testing.T) {
			if got := s.GetCondition(ConditionTypeReady); got != nil {
				t.Fatalf("GetCondition(Ready) on an empty status: want nil, got %+v", got)
			}
			if !s.SetCondition(ready) {
				t.Errorf("SetCondition(Ready) on an empty status: want changed")
			}
			if diff := cmp.Diff(&ready, s.GetCondition(ConditionTypeReady), ignoreTime); diff != "" {
				t.Errorf("GetCondition(Ready): -want, +got:\n%s", diff)
			}
			if s.SetCondition(ready) {
				t.Errorf("SetCondition(Ready) again: want unchanged")
			}
			notReady := ready
			notReady.Status = metav1.ConditionFalse
			if !s.SetCondition(notReady) {
				t.Errorf("SetCondition(Ready=False): want changed")
			}
			if diff := cmp.Diff(&notReady, s.GetCondition(ConditionTypeReady), ignoreTime); diff != "" {
				t.Errorf("GetCondition(Ready) after change: -want, +got:\n%s", diff)
			}
		})
	}
}
