package console

import (
	"context"
	"net/http"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// The analyst's dashboard (issue 18 item 8), the console's home: their queues' counts, their own
// calls at risk or breached, soonest deadline first, and their team's figures (the calls of their
// groups) for today and this week.

func (c *Console) dashboardRoutes() []route {
	return []route{{"GET", "/{$}", access.WorkCalls, c.dashboard}}
}

// dashboardMine is how many of the analyst's own calls at risk or breached the dashboard lists.
const dashboardMine = 8

type dashboardPage struct {
	page
	Queues []queueTab
	// Mine are the analyst's open calls at risk or breached, soonest deadline first; More says
	// there are more than those shown.
	Mine []queueRow
	More bool
	// Today and Week are the team's figures; Groups names the groups they count.
	Today, Week store.TeamFigures
	Groups      []string
	WeekFrom    time.Time
	Now         time.Time
}

func (c *Console) dashboard(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	groups, err := c.Store.GroupsOf(ctx, v.Person.ID)
	if err != nil {
		return err
	}
	now := c.now()
	p := dashboardPage{page: c.page(v, "Your desk today"), Now: now}
	p.Section = "queues"
	counts, err := c.queueCounts(ctx, v, groups)
	if err != nil {
		return err
	}
	p.Queues = queueTabs(counts, "")
	// The analyst's own calls whose clocks are at risk or have run out, by deadline.
	var mine []desk.Call
	for _, level := range []string{"breached", "at_risk"} {
		page, err := c.Store.FindCallsPage(ctx, store.CallFilter{AnalystID: v.Person.ID, OpenOnly: true, SLA: level,
			Sort: "due", Limit: dashboardMine + 1, NoTotal: true})
		if err != nil {
			return err
		}
		mine = append(mine, page.Calls...)
	}
	if len(mine) > dashboardMine {
		mine, p.More = mine[:dashboardMine], true
	}
	if p.Mine, err = c.slaRows(ctx, access.CallsFor(v.readerWith(groups), mine), now); err != nil {
		return err
	}
	loc := c.zone().Location()
	l := now.In(loc)
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	p.WeekFrom = today.AddDate(0, 0, -((int(l.Weekday()) + 6) % 7)) // this week's Monday
	if p.Today, err = c.Store.TeamSince(ctx, groups, today); err != nil {
		return err
	}
	if p.Week, err = c.Store.TeamSince(ctx, groups, p.WeekFrom); err != nil {
		return err
	}
	all, err := c.Store.Groups(ctx)
	if err != nil {
		return err
	}
	for _, g := range all {
		if containsID(groups, g.ID) {
			p.Groups = append(p.Groups, g.Name)
		}
	}
	return c.render(w, r, http.StatusOK, "dashboard", p)
}

// slaRows are calls with their clocks as they stand at now, as a queue's table and the
// dashboard show them.
func (c *Console) slaRows(ctx context.Context, calls []desk.Call, now time.Time) ([]queueRow, error) {
	levels, err := c.Store.ServiceLevelsNow(ctx, calls, now)
	if err != nil {
		return nil, err
	}
	rows := make([]queueRow, len(calls))
	for i, call := range calls {
		row := queueRow{Call: call, Respond: newSLACell(levels[i].Respond), Resolve: newSLACell(levels[i].Resolve)}
		switch {
		case levels[i].Breached():
			row.Risk = "overdue"
		case levels[i].AtRisk():
			row.Risk = "at risk"
		}
		rows[i] = row
	}
	return rows, nil
}
