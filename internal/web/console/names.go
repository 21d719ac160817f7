package console

import (
	"context"
	"strconv"
	"sync"
	"time"

	"calldesk/internal/desk"
)

// namesTTL is how long the console reuses the lists of groups, analysts and profiles: they change
// rarely, and every queue and call page needs them.
const namesTTL = 10 * time.Second

// names are the groups, analysts and profiles, for pickers and for showing names instead of ids.
type names struct {
	Groups   []desk.Group
	Analysts []desk.Person
	Profiles []desk.Profile
	group    map[int64]desk.Group
	analyst  map[int64]desk.Person
	profile  map[int64]desk.Profile
	loaded   time.Time
	// GroupOptions, AnalystOptions and ProfileOptions are the same lists as choices of a select,
	// made once per load: a queue page draws all three, and formatting and naming each entry in
	// the template took a third of the page's time.
	GroupOptions, AnalystOptions, ProfileOptions []option
}

// GroupName, AnalystName and ProfilePath name an id, "" for 0 or an unknown id.
func (n *names) GroupName(id int64) string     { return n.group[id].Name }
func (n *names) AnalystName(id int64) string   { return n.analyst[id].Name() }
func (n *names) ProfilePath(id int64) string   { return n.profile[id].Path }
func (n *names) Profile(id int64) desk.Profile { return n.profile[id] }

// nameCache holds the current names; a Console field, so each console has its own.
type nameCache struct {
	mu  sync.Mutex
	cur *names
}

// names returns the lists, reloading them when older than namesTTL.
func (c *Console) names(ctx context.Context) (*names, error) {
	c.nameCache.mu.Lock()
	defer c.nameCache.mu.Unlock()
	now := time.Now()
	if n := c.nameCache.cur; n != nil && now.Sub(n.loaded) < namesTTL {
		return n, nil
	}
	n := &names{loaded: now, group: map[int64]desk.Group{}, analyst: map[int64]desk.Person{}, profile: map[int64]desk.Profile{}}
	var err error
	if n.Groups, err = c.Store.Groups(ctx); err != nil {
		return nil, err
	}
	if n.Analysts, err = c.Store.Analysts(ctx); err != nil {
		return nil, err
	}
	if n.Profiles, err = c.Store.Profiles(ctx); err != nil {
		return nil, err
	}
	for _, g := range n.Groups {
		n.group[g.ID] = g
		n.GroupOptions = append(n.GroupOptions, option{strconv.FormatInt(g.ID, 10), g.Name})
	}
	for _, p := range n.Analysts {
		n.analyst[p.ID] = p
		n.AnalystOptions = append(n.AnalystOptions, option{strconv.FormatInt(p.ID, 10), p.Name()})
	}
	for _, p := range n.Profiles {
		n.profile[p.ID] = p
		n.ProfileOptions = append(n.ProfileOptions, option{strconv.FormatInt(p.ID, 10), p.Path})
	}
	c.nameCache.cur = n
	return n, nil
}
