package simulator

import (
	"sync"
	"time"
)

// Clock is the simulator's settable clock. It follows the wall clock plus an offset,
// so time keeps passing on its own while tests can jump ahead (token expiry, the
// 24 h unassignment of a queued job) without waiting.
type Clock struct {
	mu     sync.Mutex
	wall   func() time.Time
	offset time.Duration
}

// NewClock returns a Clock that starts at the wall clock.
func NewClock() *Clock {
	return &Clock{wall: time.Now}
}

// NewClockAt returns a Clock that follows wall (time.Now when nil), for tests that
// need a frozen or scripted base time.
func NewClockAt(wall func() time.Time) *Clock {
	if wall == nil {
		wall = time.Now
	}
	return &Clock{wall: wall}
}

// Now tells the simulated time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wall().Add(c.offset)
}

// Advance moves the clock forward by d; a negative d is ignored because the
// simulated services assume time never goes back.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.offset += d
	}
	return c.wall().Add(c.offset)
}
