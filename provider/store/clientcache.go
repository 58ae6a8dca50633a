package store

import (
	"slices"
	"sync"
	"time"
)

// clientCacheFor is how long a replica uses a client row it read without
// reading it again: a change made by another process (another replica, the
// CLI) is seen within this time; a change made through this store is seen
// at once.
const clientCacheFor = 3 * time.Second

// clientCache keeps recently read client rows, which every request of a
// sign-in and every token request needs. Only rows found are kept: a
// client added elsewhere is seen at its first use.
type clientCache struct {
	mu   sync.Mutex
	rows map[string]cachedClient
	// gen counts invalidations, so that a read that raced a change does
	// not put the row it read before the change back.
	gen uint64
}

type cachedClient struct {
	row   Client
	until time.Time
}

// maxCachedClients bounds the cache; beyond it the cache starts again.
const maxCachedClients = 4096

func (c *clientCache) get(id string, now time.Time) (*Client, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.rows[id]
	if !ok || !now.Before(e.until) {
		return nil, false
	}
	return e.row.clone(), true
}

// generation is the invalidation count before a read.
func (c *clientCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps row unless the cache was invalidated since gen.
func (c *clientCache) put(row *Client, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.rows == nil || len(c.rows) >= maxCachedClients {
		c.rows = map[string]cachedClient{}
	}
	c.rows[row.ID] = cachedClient{row: *row.clone(), until: now.Add(clientCacheFor)}
}

// forget drops id's row (every row when id is ""), after a change.
func (c *clientCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if id == "" {
		clear(c.rows)
		return
	}
	delete(c.rows, id)
}

// clone copies a client with its lists and sealed secret, so that no
// caller shares the cache's slices.
func (c *Client) clone() *Client {
	out := *c
	out.RedirectURIs = slices.Clone(c.RedirectURIs)
	out.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	out.SecretSealed = slices.Clone(c.SecretSealed)
	out.EntraTenants = slices.Clone(c.EntraTenants)
	out.GrantTypes = slices.Clone(c.GrantTypes)
	out.AllowedScopes = slices.Clone(c.AllowedScopes)
	return &out
}
