package console

import (
	"context"
	"html/template"
	"strconv"
	"strings"
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
	// groupsOf lists each analyst's groups ("1 4"), for the analyst pickers that follow the
	// chosen group; member tells whether an analyst is in a group.
	groupsOf map[int64]string
	member   map[[2]int64]bool
	loaded   time.Time
	// GroupChoices, AnalystChoices and ProfileChoices are the same lists as the options of a
	// select, escaped once per load: a queue page draws all three (over a hundred options), and
	// drawing each option through the template took half of the page's time.
	GroupChoices, AnalystChoices, ProfileChoices choices
}

// choices are the options of a select, made once.
type choices []choice

type choice struct {
	value           string
	plain, selected template.HTML
}

func (cs *choices) add(value, label string) {
	v, l := template.HTMLEscapeString(value), template.HTMLEscapeString(label)
	*cs = append(*cs, choice{value: value,
		plain:    template.HTML(`<option value="` + v + `">` + l + `</option>`),
		selected: template.HTML(`<option value="` + v + `" selected>` + l + `</option>`)})
}

// Options draws the options, the one whose value is sel selected.
func (cs choices) Options(sel string) template.HTML {
	var b strings.Builder
	for _, c := range cs {
		if c.value == sel {
			b.WriteString(string(c.selected))
		} else {
			b.WriteString(string(c.plain))
		}
	}
	return template.HTML(b.String())
}

// GroupName, AnalystName and ProfilePath name an id, "" for 0 or an unknown id; Profile gives
// the whole profile (zero for an unknown id).
func (n *names) GroupName(id int64) string     { return n.group[id].Name }
func (n *names) AnalystName(id int64) string   { return n.analyst[id].Name() }
func (n *names) ProfilePath(id int64) string   { return n.profile[id].Path }
func (n *names) Profile(id int64) desk.Profile { return n.profile[id] }

// IsMember reports whether analyst is a member of group (as the lists were last loaded).
func (n *names) IsMember(group, analyst int64) bool { return n.member[[2]int64{group, analyst}] }

// AnalystOptions draws the options of an analyst picker that follows a group picker (issue 16,
// defect 6): every analyst, each with the groups they belong to (data-groups, which console.js
// reads to narrow the list as the group changes); when group names a group, those not in it are
// hidden and disabled, so that without JavaScript the list is that group's members. sel is the
// chosen analyst's id; a chosen analyst outside the group stays chosen and shown, for the server's
// check to name the mistake beside the field.
func (n *names) AnalystOptions(group, sel string) template.HTML {
	g, _ := strconv.ParseInt(group, 10, 64)
	_, known := n.group[g]
	var b strings.Builder
	for _, p := range n.Analysts {
		id := strconv.FormatInt(p.ID, 10)
		b.WriteString(`<option value="` + id + `" data-groups="` + n.groupsOf[p.ID] + `"`)
		switch {
		case id == sel:
			b.WriteString(" selected")
		case known && !n.IsMember(g, p.ID):
			b.WriteString(" hidden disabled")
		}
		b.WriteString(">" + template.HTMLEscapeString(p.Name()) + "</option>")
	}
	return template.HTML(b.String())
}

// nameCache holds the current names; a Console field, so each console has its own.
type nameCache struct {
	mu  sync.Mutex
	cur *names
}

// names returns the lists, reloading them when older than namesTTL.
func (c *Console) names(ctx context.Context) (*names, error) {
	c.nameCache.mu.Lock()
	defer c.nameCache.mu.Unlock()
	now := c.now()
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
	n.groupsOf, n.member = map[int64]string{}, map[[2]int64]bool{}
	for _, g := range n.Groups {
		n.group[g.ID] = g
		n.GroupChoices.add(strconv.FormatInt(g.ID, 10), g.Name)
		ids, err := c.Store.Members(ctx, g.ID)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			n.member[[2]int64{g.ID, id}] = true
			n.groupsOf[id] = strings.TrimSpace(n.groupsOf[id] + " " + strconv.FormatInt(g.ID, 10))
		}
	}
	for _, p := range n.Analysts {
		n.analyst[p.ID] = p
		n.AnalystChoices.add(strconv.FormatInt(p.ID, 10), p.Name())
	}
	for _, p := range n.Profiles {
		n.profile[p.ID] = p
		n.ProfileChoices.add(strconv.FormatInt(p.ID, 10), p.Path)
	}
	c.nameCache.cur = n
	return n, nil
}
