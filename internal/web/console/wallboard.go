package console

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/report"
	"calldesk/internal/store"
)

// The wallboard (issue 18 item 7): the desk's figures in large type for a screen in the Service
// Desk's office or at a public counter, refreshing itself, reached through its own link (a random
// token, revocable) so that the screen needs no analyst signed in. It shows counts only: no
// names, no summaries, nothing about any call a passer-by could read. Administrators make and
// revoke the links at /admin/wallboards.

func (c *Console) wallboardRoutes() []route {
	return []route{
		{"GET", "/wallboard/{token}", access.Public, c.wallboard},
		{"GET", "/admin/wallboards", access.Administer, c.wallboards},
		{"POST", "/admin/wallboards", access.Administer, c.createWallboard},
		{"POST", "/admin/wallboards/{id}/revoke", access.Administer, c.revokeWallboard},
	}
}

// boardCache keeps the figures for boardFresh, so that several screens refreshing cost one count.
type boardCache struct {
	mu   sync.Mutex
	at   time.Time
	figs store.DeskFigures
}

// boardFresh is how long a wallboard's figures are reused; boardRefresh how often the page
// reloads itself.
const (
	boardFresh   = 10 * time.Second
	boardRefresh = 30
)

func (c *Console) deskFigures(ctx context.Context) (store.DeskFigures, time.Time, error) {
	b := &c.board
	b.mu.Lock()
	defer b.mu.Unlock()
	now := c.now()
	if !b.at.IsZero() && now.Sub(b.at) < boardFresh && !now.Before(b.at) {
		return b.figs, b.at, nil
	}
	l := now.In(c.zone().Location())
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, l.Location())
	figs, err := c.Store.DeskFiguresNow(ctx, today)
	if err != nil {
		return figs, now, err
	}
	b.figs, b.at = figs, now
	return figs, now, nil
}

// boardFigure is one figure of the wallboard.
type boardFigure struct {
	Label string
	N     int
	Text  string // N for people: "1,204"
	More  bool   // a count that stopped at its bound: "more than N"
	Tone  string // alert, warn or "": the figure's frame, always with its words
}

type wallboardPage struct {
	page
	Name    string
	Figures []boardFigure
	States  []boardFigure
	At      time.Time
	Refresh int
	Self    string // the page's own path, which it reloads its figures from
}

func (c *Console) wallboard(w http.ResponseWriter, r *http.Request, _ *visit) error {
	h := w.Header()
	h.Set("Referrer-Policy", "no-referrer") // the link is the key: it must not leak to another site
	h.Set("X-Robots-Tag", "noindex, nofollow")
	b, err := c.Store.WallboardByToken(r.Context(), access.TokenHash(r.PathValue("token")))
	if err != nil {
		return err
	}
	figs, at, err := c.deskFigures(r.Context())
	if err != nil {
		return err
	}
	tone := func(n int, t string) string {
		if n > 0 {
			return t
		}
		return ""
	}
	p := wallboardPage{page: page{Title: "Wallboard: " + b.Name}, Name: b.Name, At: at, Refresh: boardRefresh}
	unassigned := figs.ByState[desk.Unassigned]
	p.Figures = []boardFigure{
		{Label: "Open calls", N: figs.Open()},
		{Label: "Unassigned", N: unassigned, Tone: tone(unassigned, "warn")},
		{Label: "At risk of missing a target", N: figs.SLA.AtRisk, More: figs.SLA.AtRiskMore, Tone: tone(figs.SLA.AtRisk, "warn")},
		{Label: "Breached", N: figs.SLA.Breached, More: figs.SLA.BreachedMore, Tone: tone(figs.SLA.Breached, "alert")},
		{Label: "Logged today", N: figs.LoggedToday},
	}
	for _, st := range []desk.State{desk.Assigned, desk.Accepted, desk.Pending, desk.OnHold, desk.OffHold, desk.Resolved} {
		f := boardFigure{Label: sentence(st.Words()), N: figs.ByState[st]}
		if st == desk.OffHold {
			f.Tone = tone(f.N, "warn")
		}
		p.States = append(p.States, f)
	}
	for _, fs := range [][]boardFigure{p.Figures, p.States} {
		for i := range fs {
			fs[i].Text = report.Thousands(fs[i].N)
		}
	}
	p.Self = r.URL.Path
	return c.render(w, r, http.StatusOK, "wallboard", p)
}

type wallboardsPage struct {
	page
	Boards []store.Wallboard
	// Made is the link just made, shown once; Name and Error the form as typed and its error.
	Made        string
	Name, Error string
}

func (c *Console) wallboardsPage(ctx context.Context, v *visit) (wallboardsPage, error) {
	p := wallboardsPage{page: c.page(v, "Wallboards")}
	p.Section = "wallboards"
	var err error
	p.Boards, err = c.Store.Wallboards(ctx)
	return p, err
}

func (c *Console) wallboards(w http.ResponseWriter, r *http.Request, v *visit) error {
	p, err := c.wallboardsPage(r.Context(), v)
	if err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "wallboards", p)
}

// createWallboard makes a link and shows it once: only its hash is kept.
func (c *Console) createWallboard(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read: %v", err)
	}
	token, hash, err := access.NewToken()
	if err != nil {
		return err
	}
	name := r.PostForm.Get("name")
	_, err = c.Store.CreateWallboard(r.Context(), v.Actor, name, hash)
	p, perr := c.wallboardsPage(r.Context(), v)
	if perr != nil {
		return perr
	}
	if de := desk.AsError(err); de != nil && de.Code == desk.EINVALID {
		p.Title, p.Name, p.Error = "Error: Wallboards", name, "Name "+de.Fields["name"]+"."
		return c.render(w, r, http.StatusUnprocessableEntity, "wallboards", p)
	} else if err != nil {
		return err
	}
	p.Made = "/wallboard/" + token
	return c.render(w, r, http.StatusOK, "wallboards", p)
}

func (c *Console) revokeWallboard(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return desk.Errorf(desk.ENOTFOUND, "there is no wallboard link %q", r.PathValue("id"))
	}
	if err := c.Store.RevokeWallboard(r.Context(), v.Actor, id); err != nil {
		return err
	}
	return seeOther(w, r, "/admin/wallboards")
}
