package web

import (
	"sync"
	"time"

	"calldesk/internal/desk"
)

// tokenCache remembers, for a few seconds, whom a token belongs to, so that a busy API client
// does not cost a database read per request. Only successful lookups are kept, and each for at
// most the TTL: a revoked, expired or disabled token stops working within that time on every
// instance. The cache is bounded; when full it is emptied rather than grown.
type tokenCache struct {
	ttl time.Duration
	now func() time.Time
	max int

	mu      sync.Mutex
	entries map[string]tokenEntry
}

type tokenEntry struct {
	acct    desk.Account
	person  desk.Person
	expires time.Time
}

func newTokenCache(ttl time.Duration, now func() time.Time, max int) *tokenCache {
	return &tokenCache{ttl: ttl, now: now, max: max, entries: map[string]tokenEntry{}}
}

// get returns the account and person cached for a token hash while the entry is fresh.
func (c *tokenCache) get(hash string) (desk.Account, desk.Person, bool) {
	if c == nil {
		return desk.Account{}, desk.Person{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || !c.now().Before(e.expires) {
		delete(c.entries, hash)
		return desk.Account{}, desk.Person{}, false
	}
	return e.acct, e.person, true
}

func (c *tokenCache) put(hash string, a desk.Account, p desk.Person) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[hash] = tokenEntry{acct: a, person: p, expires: c.now().Add(c.ttl)}
}
