package actions

import (
	"errors"
	"net/http"

	"github.com/google/uuid"
)

// firstMessageID is where a queue's message ids start; the client only needs them
// positive and increasing (PROTOCOL.md §5.7).
const firstMessageID = 1

func (s *Service) handleCreateSession(w http.ResponseWriter, r *http.Request, tenant string) {
	var req sessionRequest
	if err := decodeBody(r, &req); err != nil && !errors.Is(err, errEmptyBody) {
		writeException(w, http.StatusBadRequest, exArgument, "%s", err)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.scaleSetFromPathLocked(w, r, tenant)
	if !ok {
		return
	}
	// One active session per scale set, even for the same owner (§4.5).
	if cur := ss.session; cur != nil {
		writeException(w, http.StatusConflict, exSessionConflict,
			"The actions runner scale set %s already has an active session for owner %s.", ss.name, cur.owner)
		return
	}
	sess := &session{
		id:            uuid.NewString(),
		owner:         req.OwnerName,
		scaleSet:      ss,
		lastPoll:      s.now(),
		nextMessageID: firstMessageID,
		announced:     map[int64]bool{},
		wake:          make(chan struct{}),
	}
	s.newMQTokenLocked(sess)
	ss.session = sess
	// The capacity of the previous listener stands until the new one polls.
	s.st.sessions[sess.id] = sess
	// Requests still available are announced to the new session (§5.7).
	s.settleLocked()
	writeJSON(w, http.StatusOK, s.sessionViewLocked(sess))
}

// handleRefreshSession gives a new message-queue token; the old one stops working.
func (s *Service) handleRefreshSession(w http.ResponseWriter, r *http.Request, tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessionFromPathLocked(w, r, tenant)
	if !ok {
		return
	}
	s.newMQTokenLocked(sess)
	writeJSON(w, http.StatusOK, s.sessionViewLocked(sess))
}

func (s *Service) handleDeleteSession(w http.ResponseWriter, r *http.Request, tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessionFromPathLocked(w, r, tenant)
	if !ok {
		return
	}
	s.endSessionLocked(sess)
	writeEmpty(w, http.StatusNoContent)
}

// sessionFromPathLocked finds the {session} of the path's scale set, or answers 404.
func (s *Service) sessionFromPathLocked(w http.ResponseWriter, r *http.Request, tenant string) (*session, bool) {
	ss, ok := s.scaleSetFromPathLocked(w, r, tenant)
	if !ok {
		return nil, false
	}
	id := r.PathValue("session")
	sess, ok := s.st.sessions[id]
	if !ok || sess.scaleSet != ss {
		writeException(w, http.StatusNotFound, exSessionNotFound,
			"Message session %s for runner scale set %d not found: the session ID doesn't exist.", id, ss.id)
		return nil, false
	}
	return sess, true
}

// endSessionLocked deletes a session; its undeleted messages are discarded and its
// waiting polls wake up to find it gone (§5.8).
func (s *Service) endSessionLocked(sess *session) {
	if sess.ended {
		return
	}
	sess.ended = true
	sess.events, sess.pending = nil, nil
	ss := sess.scaleSet
	if ss.session == sess {
		ss.session = nil
	}
	// What the listener asked for dies with its session; the next session
	// hears of the still available requests again.
	for _, j := range s.st.open {
		delete(j.wantedBy, ss.id)
	}
	delete(s.st.sessions, sess.id)
	sess.wake = broadcast(sess.wake)
}

func (s *Service) sessionViewLocked(sess *session) wireSession {
	ss := sess.scaleSet
	view := s.scaleSetViewLocked(ss, false)
	return wireSession{
		SessionID:               sess.id,
		OwnerName:               sess.owner,
		RunnerScaleSet:          &view,
		MessageQueueURL:         s.cfg.BaseURL(ss.tenant) + "_mq/" + sess.id,
		MessageQueueAccessToken: sess.token,
		Statistics:              s.statisticsLocked(ss),
	}
}
