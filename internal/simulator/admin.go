package simulator

import (
	"net/http"
	"time"
)

const docSimulator = "https://github.com/arc-crossplane/provider-github-arc/tree/main/internal/simulator"

// ClockRequest moves the simulated clock: POST /_sim/clock {"advance":"24h"}.
type ClockRequest struct {
	Advance Duration `json:"advance"`
}

// ClockResponse tells the simulated time.
type ClockResponse struct {
	Now time.Time `json:"now"`
}

// TenantsResponse lists every tenant: GET /_sim/tenants.
type TenantsResponse struct {
	Tenants []TenantInfo `json:"tenants"`
}

// adminRoutes registers the simulator's own control surface (PROTOCOL.md appendix A).
func (s *Server) adminRoutes() {
	s.mux.HandleFunc("POST /_sim/tenants", s.adminSetup)
	s.mux.HandleFunc("GET /_sim/tenants", s.adminTenants)
	s.mux.HandleFunc("GET /_sim/faults", s.adminGetFaults)
	s.mux.HandleFunc("POST /_sim/faults", s.adminSetFaults)
	s.mux.HandleFunc("POST /_sim/tokens/expire", s.adminExpireTokens)
	s.mux.HandleFunc("POST /_sim/ratelimits/reset", s.adminResetRateLimits)
	s.mux.HandleFunc("GET /_sim/clock", s.adminGetClock)
	s.mux.HandleFunc("POST /_sim/clock", s.adminAdvanceClock)
	s.mux.HandleFunc("GET /_sim/counters", s.adminCounters)
	s.mux.HandleFunc("POST /_sim/counters/reset", s.adminResetCounters)
}

func (s *Server) adminSetup(w http.ResponseWriter, r *http.Request) {
	var setup Setup
	if f := decodeBody(r, &setup, "Setup"); f != nil {
		writeFailure(w, f, docSimulator)
		return
	}
	res, err := s.Setup(setup)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error(), docSimulator)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

func (s *Server) adminTenants(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, TenantsResponse{Tenants: s.Tenants()})
}

func (s *Server) adminGetFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Faults())
}

// adminSetFaults replaces the faults in force with the body.
func (s *Server) adminSetFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if fail := decodeBody(r, &f, "Faults"); fail != nil {
		writeFailure(w, fail, docSimulator)
		return
	}
	if err := s.SetFaults(f); err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error(), docSimulator)
		return
	}
	writeJSON(w, http.StatusOK, s.Faults())
}

func (s *Server) adminExpireTokens(w http.ResponseWriter, _ *http.Request) {
	s.ExpireTokens()
	writeNoContent(w)
}

func (s *Server) adminResetRateLimits(w http.ResponseWriter, _ *http.Request) {
	s.ResetRateLimits()
	writeNoContent(w)
}

func (s *Server) adminGetClock(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, ClockResponse{Now: s.clock.Now()})
}

func (s *Server) adminAdvanceClock(w http.ResponseWriter, r *http.Request) {
	var req ClockRequest
	if f := decodeBody(r, &req, "Clock"); f != nil {
		writeFailure(w, f, docSimulator)
		return
	}
	if req.Advance < 0 {
		writeError(w, http.StatusUnprocessableEntity, "advance must not be negative", docSimulator)
		return
	}
	writeJSON(w, http.StatusOK, ClockResponse{Now: s.clock.Advance(time.Duration(req.Advance))})
}

func (s *Server) adminCounters(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Counters())
}

func (s *Server) adminResetCounters(w http.ResponseWriter, _ *http.Request) {
	s.ResetCounters()
	writeNoContent(w)
}
