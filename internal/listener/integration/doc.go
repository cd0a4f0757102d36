// Package integration tests the listener against the real pieces: the
// simulator over HTTPS with the real Actions client, and the local cluster's
// API server with the listener's own ServiceAccount token bound by the Role
// of contract 3. The tests play the runners themselves (simclient); the
// end-to-end test with the runtime controllers and the pod stand-in lives
// with them.
package integration
