// Package listener is the scale-up trigger of a runner scale set: it holds the
// scale set's message session with the Actions Service, acquires the jobs the
// scale set can take, records which runner started which job, and patches the
// EphemeralRunnerSet's replicas from the service's statistics. cmd/listener
// runs it in an AutoscalingListener's pod; ListenerConfig is that pod's
// config.json.
//
// It uses github.com/actions/scaleset for the wire protocol (sessions, long
// polls, acquirejobs, token refresh) and does itself what that library's
// listener and ARC's do not:
//
//   - A session conflict (409) is waited out with bounded backoff, never a
//     crash; a lost session (404 on refresh) is replaced; credentials the
//     service refused make it build a new client. The session is deleted when
//     Run's context ends, within the pod's grace period.
//   - A message is deleted only after it was handled. A failure leaves it in
//     the queue, and the next poll (same lastMessageId) gets it again;
//     handling is idempotent, and its jobs are counted in the metrics once.
//   - Jobs are acquired only while maxRunners leaves room (none at 0). The
//     service announces a request once per session, so those it could not
//     take wait in a backlog until a batch shows room.
//   - Replicas are min(minRunners + totalAssignedJobs, maxRunners), from the
//     statistics of each message. The patchID follows ARC: a new id for every
//     patch that carries news, 0 once an idle set sits at minRunners; patches
//     that would say nothing new are skipped. Each patch also carries the
//     statistics' totalRunningJobs (spec.runningJobs), so that the set does
//     not replace runners whose jobs ended after them.
//
// Kubernetes is reached only through Kube: two merge patches, which the
// listener's Role (patch on its EphemeralRunnerSet and on
// ephemeralrunners/status) allows, with no reads.
package listener
