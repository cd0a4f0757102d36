package simulator

import "net/http"

// ResetState returns the server to what a newly started one holds: setup applied,
// faults in force, the clock back on its base time, no rate-limit usage, no counts
// and request ids counting from the start again. It lets a fuzz target give every
// input the same server without paying for a start (certificates, listener, route
// registration) per input.
func (s *Server) ResetState(setup Setup, faults Faults) error {
	fresh := newStore()
	s.store.mu.Lock()
	s.store.storeState = fresh.storeState
	s.store.mu.Unlock()
	s.clock.mu.Lock()
	s.clock.offset = 0
	s.clock.mu.Unlock()
	s.limiter.resetAll()
	s.requestNo.Store(0)
	s.ResetCounters()
	if err := s.SetFaults(faults); err != nil {
		return err
	}
	_, err := s.Setup(setup)
	return err
}

// HandleForTest serves pattern with h behind the server's middleware, as if it
// were one of the simulator's endpoints.
func (s *Server) HandleForTest(pattern string, h http.HandlerFunc) { s.mux.HandleFunc(pattern, h) }
