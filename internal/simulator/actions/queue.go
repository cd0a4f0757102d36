package actions

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// maxJobMessagesPerEnvelope caps an envelope body (PROTOCOL.md §5.7).
const maxJobMessagesPerEnvelope = 50

// emitLocked queues a job message for the scale set's active session. Without a
// session the event is dropped: a new session starts from the statistics and from
// the announcements of what is still available (§5.7).
func (s *Service) emitLocked(ss *scaleSet, msg jobMessage) {
	sess := ss.session
	if sess == nil || sess.ended {
		return
	}
	sess.events = append(sess.events, msg)
	sess.wake = broadcast(sess.wake)
}

// nextEnvelopeLocked returns the oldest undeleted message with an id above
// lastMessageID, packing waiting events into a new message when there is none.
// Events that arrive while a message is pending go into the next one.
func nextEnvelopeLocked(sess *session, lastMessageID int64) (envelope, bool) {
	for _, env := range sess.pending {
		if env.id > lastMessageID {
			return env, true
		}
	}
	if len(sess.events) == 0 {
		return envelope{}, false
	}
	n := min(len(sess.events), maxJobMessagesPerEnvelope)
	// Marshalling our own message structs cannot fail.
	body, _ := json.Marshal(sess.events[:n])
	sess.events = sess.events[n:]
	env := envelope{id: sess.nextMessageID, body: string(body)}
	sess.nextMessageID++
	sess.pending = append(sess.pending, env)
	return env, true
}

// deleteEnvelopeLocked acknowledges a message; an unknown id is not an error.
func deleteEnvelopeLocked(sess *session, id int64) {
	for i, env := range sess.pending {
		if env.id == id {
			sess.pending = append(sess.pending[:i], sess.pending[i+1:]...)
			return
		}
	}
}

// mqSessionLocked authenticates a message-queue call: the session of the path must
// exist in the tenant and the bearer must be its current token.
func (s *Service) mqSessionLocked(r *http.Request) (*session, bool) {
	sess, ok := s.st.sessions[r.PathValue("session")]
	if !ok || sess.scaleSet.tenant != r.PathValue("tenant") {
		return nil, false
	}
	return sess, s.mqTokenValidLocked(sess, bearerToken(r))
}

func writeMQUnauthorized(w http.ResponseWriter) {
	writeException(w, http.StatusUnauthorized, exUnauthorized, "the message queue token is invalid or has expired")
}

// parseCapacity reads X-ScaleSetMaxCapacity; absent or unreadable means unlimited.
func parseCapacity(h string) int {
	n, err := strconv.ParseInt(strings.TrimSpace(h), 10, 64)
	switch {
	case err != nil:
		return unlimitedCapacity
	case n < 0:
		return 0
	case n > unlimitedCapacity:
		return unlimitedCapacity
	default:
		return int(n)
	}
}

// handleGetMessage is the long poll of PROTOCOL.md §4.6: 200 with the next
// message at once when there is one, else wait for an event up to the long-poll
// timeout and answer 202.
func (s *Service) handleGetMessage(w http.ResponseWriter, r *http.Request) {
	var lastMessageID int64
	if v := r.URL.Query().Get("lastMessageId"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeException(w, http.StatusBadRequest, exArgument, "lastMessageId %q is not a number", v)
			return
		}
		lastMessageID = id
	}
	capacity := parseCapacity(r.Header.Get("X-ScaleSetMaxCapacity"))
	// The answer is written after the lock is released.
	s.waitMessage(r, lastMessageID, capacity)(w)
}

func (s *Service) waitMessage(r *http.Request, lastMessageID int64, capacity int) func(http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	sess, ok := s.mqSessionLocked(r)
	if !ok {
		return writeMQUnauthorized
	}
	ss := sess.scaleSet
	if ss.capacity != capacity {
		ss.capacity = capacity
		s.settleLocked()
	}
	sess.polls++
	defer func() {
		sess.polls--
		sess.lastPoll = s.now()
	}()

	timeout, stop := s.after(s.longPollTimeout())
	defer stop()
	for {
		if env, ok := nextEnvelopeLocked(sess, lastMessageID); ok {
			reply := wireEnvelope{
				MessageID:   env.id,
				MessageType: envelopeMessageType,
				Body:        env.body,
				Statistics:  s.statisticsLocked(ss),
			}
			return func(w http.ResponseWriter) { writeJSON(w, http.StatusOK, reply) }
		}
		wake := sess.wake
		s.mu.Unlock()
		select {
		case <-wake:
		case <-timeout:
			s.mu.Lock()
			return func(w http.ResponseWriter) { writeEmpty(w, http.StatusAccepted) }
		case <-s.closed:
			s.mu.Lock()
			return func(w http.ResponseWriter) { writeEmpty(w, http.StatusAccepted) }
		case <-r.Context().Done():
			s.mu.Lock()
			return func(http.ResponseWriter) {}
		}
		s.mu.Lock()
		s.sweepLocked()
		if sess.ended || !s.mqTokenValidLocked(sess, bearerToken(r)) {
			return writeMQUnauthorized
		}
	}
}

func (s *Service) handleDeleteMessage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	sess, ok := s.mqSessionLocked(r)
	if !ok {
		writeMQUnauthorized(w)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("message"), 10, 64)
	if err != nil {
		writeException(w, http.StatusBadRequest, exArgument, "message id %q is not a number", r.PathValue("message"))
		return
	}
	deleteEnvelopeLocked(sess, id)
	writeEmpty(w, http.StatusNoContent)
}

// handleAcquireJobs is POST {ss}/{id}/acquirejobs with the message-queue token of
// that scale set's session (PROTOCOL.md §4.7).
func (s *Service) handleAcquireJobs(w http.ResponseWriter, r *http.Request) {
	var ids []int64
	if err := decodeBody(r, &ids); err != nil {
		writeException(w, http.StatusBadRequest, exArgument, "%s", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	ss, ok := s.scaleSetForMQTokenLocked(r)
	if !ok {
		writeMQUnauthorized(w)
		return
	}
	held := s.acquireLocked(ss, ids)
	s.settleLocked()
	writeJSON(w, http.StatusOK, listOf(held))
}

// scaleSetForMQTokenLocked finds the scale set of the path and checks that the
// bearer is the current token of its session.
func (s *Service) scaleSetForMQTokenLocked(r *http.Request) (*scaleSet, bool) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		return nil, false
	}
	ss, ok := s.st.scaleSets[id]
	if !ok || ss.tenant != r.PathValue("tenant") || ss.session == nil {
		return nil, false
	}
	return ss, s.mqTokenValidLocked(ss.session, bearerToken(r))
}
