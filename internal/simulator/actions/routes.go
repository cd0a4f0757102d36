package actions

import "net/http"

// Paths of the Actions Service under a tenant's base URL (PROTOCOL.md §1.3, §4.3).
const (
	actionsPrefix = "/_actions/{tenant}/"
	scaleSetsPath = actionsPrefix + "_apis/runtime/runnerscalesets"
	agentsPath    = actionsPrefix + "_apis/distributedtask/pools/0/agents"
	mqPath        = actionsPrefix + "_mq/{session}"
)

func (s *Service) registerActions(mux *http.ServeMux) {
	// The trailing slash is part of the client's path; {$} keeps the pattern
	// from matching a whole subtree.
	mux.HandleFunc("GET "+actionsPrefix+"_apis/runtime/runnergroups/{$}", s.adminAuth(s.handleGetRunnerGroup))

	mux.HandleFunc("GET "+scaleSetsPath, s.adminAuth(s.handleListScaleSets))
	mux.HandleFunc("POST "+scaleSetsPath, s.adminAuth(s.handleCreateScaleSet))
	mux.HandleFunc("GET "+scaleSetsPath+"/{id}", s.adminAuth(s.handleGetScaleSet))
	mux.HandleFunc("PATCH "+scaleSetsPath+"/{id}", s.adminAuth(s.handlePatchScaleSet))
	mux.HandleFunc("DELETE "+scaleSetsPath+"/{id}", s.adminAuth(s.handleDeleteScaleSet))

	mux.HandleFunc("POST "+scaleSetsPath+"/{id}/sessions", s.adminAuth(s.handleCreateSession))
	mux.HandleFunc("PATCH "+scaleSetsPath+"/{id}/sessions/{session}", s.adminAuth(s.handleRefreshSession))
	mux.HandleFunc("DELETE "+scaleSetsPath+"/{id}/sessions/{session}", s.adminAuth(s.handleDeleteSession))

	// acquirejobs carries the message-queue token, not the admin token.
	mux.HandleFunc("POST "+scaleSetsPath+"/{id}/acquirejobs", s.handleAcquireJobs)
	mux.HandleFunc("POST "+scaleSetsPath+"/{id}/generatejitconfig", s.adminAuth(s.handleGenerateJITConfig))

	mux.HandleFunc("GET "+agentsPath, s.adminAuth(s.handleGetRunnerByName))
	mux.HandleFunc("GET "+agentsPath+"/{id}", s.adminAuth(s.handleGetRunner))
	mux.HandleFunc("DELETE "+agentsPath+"/{id}", s.adminAuth(s.handleDeleteRunner))

	mux.HandleFunc("GET "+mqPath, s.handleGetMessage)
	mux.HandleFunc("DELETE "+mqPath+"/{message}", s.handleDeleteMessage)
}

func (s *Service) registerAdmin(mux *http.ServeMux) {
	mux.HandleFunc("POST /_sim/jobs", s.handleSubmitJob)
	mux.HandleFunc("GET /_sim/jobs", s.handleListJobs)
	mux.HandleFunc("GET /_sim/jobs/{id}", s.handleGetJob)
	mux.HandleFunc("POST /_sim/jobs/{id}/complete", s.handleCompleteJob)
	mux.HandleFunc("POST /_sim/jobs/{id}/cancel", s.handleCancelJob)

	mux.HandleFunc("POST /_sim/runners/connect", s.handleConnectRunner)
	mux.HandleFunc("POST /_sim/runners/run", s.handleRunRunner)
	mux.HandleFunc("GET /_sim/runners/{id}/job", s.handleRunnerJob)
	mux.HandleFunc("POST /_sim/runners/{id}/disconnect", s.handleDisconnectRunner)

	mux.HandleFunc("GET /_sim/actions/state", s.handleState)
}
