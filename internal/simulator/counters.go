package simulator

import (
	"strconv"
	"sync"
	"time"
)

// UnmatchedEndpoint counts calls that matched no registered route.
const UnmatchedEndpoint = "unmatched"

// EndpointCount is how often one endpoint (a registered ServeMux pattern) was called.
type EndpointCount struct {
	Total int64 `json:"total"`
	// Classes counts answers by status class: "2xx", "3xx", "4xx", "5xx".
	Classes map[string]int64 `json:"classes"`
	// Statuses counts answers by exact status code.
	Statuses map[string]int64 `json:"statuses"`
	// Resets counts calls whose connection was closed without an answer.
	Resets int64 `json:"resets,omitempty"`
	// Panics counts handler panics (answered 500); any is a simulator bug.
	Panics int64 `json:"panics,omitempty"`
}

// Counters are the call counts since the simulator started or the counters were reset.
type Counters struct {
	Since     time.Time                `json:"since"`
	Endpoints map[string]EndpointCount `json:"endpoints"`
}

// Calls is the number of calls of endpoint.
func (c Counters) Calls(endpoint string) int64 { return c.Endpoints[endpoint].Total }

// Status is the number of calls of endpoint answered with status.
func (c Counters) Status(endpoint string, status int) int64 {
	return c.Endpoints[endpoint].Statuses[strconv.Itoa(status)]
}

// Class is the number of calls of endpoint answered with a status of class ("5xx").
func (c Counters) Class(endpoint, class string) int64 { return c.Endpoints[endpoint].Classes[class] }

// TotalCalls is the number of calls of every endpoint.
func (c Counters) TotalCalls() int64 {
	var n int64
	for _, e := range c.Endpoints {
		n += e.Total
	}
	return n
}

// TotalClass is the number of calls of every endpoint answered with a status of class.
func (c Counters) TotalClass(class string) int64 {
	var n int64
	for _, e := range c.Endpoints {
		n += e.Classes[class]
	}
	return n
}

// TotalPanics is the number of handler panics.
func (c Counters) TotalPanics() int64 {
	var n int64
	for _, e := range c.Endpoints {
		n += e.Panics
	}
	return n
}

type counters struct {
	mu        sync.Mutex
	since     time.Time
	endpoints map[string]*EndpointCount
}

func newCounters(now time.Time) *counters {
	return &counters{since: now, endpoints: map[string]*EndpointCount{}}
}

func (c *counters) entry(endpoint string) *EndpointCount {
	if endpoint == "" {
		endpoint = UnmatchedEndpoint
	}
	e, ok := c.endpoints[endpoint]
	if !ok {
		e = &EndpointCount{Classes: map[string]int64{}, Statuses: map[string]int64{}}
		c.endpoints[endpoint] = e
	}
	return e
}

func (c *counters) recordStatus(endpoint string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entry(endpoint)
	e.Total++
	e.Classes[strconv.Itoa(status/100)+"xx"]++
	e.Statuses[strconv.Itoa(status)]++
}

func (c *counters) recordReset(endpoint string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entry(endpoint)
	e.Total++
	e.Resets++
}

func (c *counters) recordPanic(endpoint string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entry(endpoint).Panics++
}

func (c *counters) snapshot() Counters {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := Counters{Since: c.since, Endpoints: make(map[string]EndpointCount, len(c.endpoints))}
	for k, e := range c.endpoints {
		cp := *e
		cp.Classes = make(map[string]int64, len(e.Classes))
		for ck, v := range e.Classes {
			cp.Classes[ck] = v
		}
		cp.Statuses = make(map[string]int64, len(e.Statuses))
		for sk, v := range e.Statuses {
			cp.Statuses[sk] = v
		}
		out.Endpoints[k] = cp
	}
	return out
}

func (c *counters) reset(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.since = now
	c.endpoints = map[string]*EndpointCount{}
}
