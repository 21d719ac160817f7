// Package demo fills an empty calldesk with a believable UK university's service desk: people
// (staff, students, partners, visitors) with managers, eight support groups with their analysts
// and accounts, a problem-profile tree, and two years of calls in every state with diaries to match.
//
// The data is made from a seeded random source and the injected clock only, so the same seed and
// the same Now give the same data. It is written through store.Bulk, which is what lets a million
// calls load in minutes. Every name, address and number is fictional: emails are at .example
// domains and phone numbers in Ofcom's ranges reserved for drama.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Options say how much demo data to make.
type Options struct {
	// Seed chooses the data; 0 means 1. The same seed and Now make the same data.
	Seed int64
	// Calls is how many calls to make over the Years before Now; 0 means 20,000.
	Calls int
	// Years is how many years before Now the calls span; 0 means 2. The benchmarks' million calls
	// span six (issue 18's speed target).
	Years int
	// People is how many people to make, analysts included (at least 100); 0 means 2,000, or one
	// for every ten calls (up to 30,000, a large university) when Calls is over 20,000.
	People int
	// Now is the end of the years of calls, from the injected clock. Required.
	Now time.Time
	// Progress, when set, is called now and then with the work done so far and the work in all,
	// for a progress line: each call counts once when written, once when indexed for search and
	// once when its service level is evaluated.
	Progress func(done, total int)
}

// Result says what Load made.
type Result struct {
	Seed     int64
	People   int
	Kinds    map[desk.PersonKind]int // people of each kind
	Groups   int
	Members  int // group memberships
	Analysts int
	Accounts int
	Profiles int
	Calls    int
	Entries  int // diary entries
	// Special counts the calls logged special category (health or disability in their text);
	// Sealed those of them sealed at rest (all, when calldesk runs with a master key file).
	Special, Sealed int
	States          map[desk.State]int // calls in each state
	// AtRisk and Breached count the open calls at risk of missing a service-level target and
	// those that have missed one, when the load ended.
	AtRisk, Breached int
	// The demo administrator, for whom a caller may make an API token or a password.
	AdminPersonID  int64
	AdminAccountID int64
	AdminLogin     string
}

// Empty reports whether the database holds no people and no calls, the only kind Load fills.
func Empty(ctx context.Context, s *store.Store) (bool, error) {
	_, people, err := s.FindPeople(ctx, store.PersonFilter{Limit: 1})
	if err != nil {
		return false, fmt.Errorf("demo: count people: %w", err)
	}
	calls, _, err := s.FindCalls(ctx, store.CallFilter{Limit: 1, NoTotal: true})
	if err != nil {
		return false, fmt.Errorf("demo: look for calls: %w", err)
	}
	return people == 0 && len(calls) == 0, nil
}

// Load fills the empty database behind s with demo data. It refuses a database that already holds
// people, calls, support groups or profiles. The load is not one transaction: if it fails half
// way, start again with a new database.
func Load(ctx context.Context, s *store.Store, opt Options) (Result, error) {
	if err := opt.fill(); err != nil {
		return Result{}, err
	}
	empty, err := Empty(ctx, s)
	if err != nil {
		return Result{}, err
	}
	if empty {
		gs, err := s.Groups(ctx)
		if err != nil {
			return Result{}, err
		}
		ps, err := s.Profiles(ctx)
		if err != nil {
			return Result{}, err
		}
		empty = len(gs) == 0 && len(ps) == 0
	}
	if !empty {
		return Result{}, desk.Errorf(desk.ECONFLICT,
			"the database is not empty: demo data loads only into a new database, so start calldesk on a new one (another --db) to see the demo")
	}

	now := opt.Now.UTC().Truncate(time.Microsecond)
	start := now.AddDate(0, 0, -spanDays(opt.Years))
	goLive := time.Date(start.Year(), start.Month(), start.Day(), 7, 0, 0, 0, time.UTC).AddDate(0, 0, -14)

	b, err := s.Bulk(ctx)
	if err != nil {
		return Result{}, err
	}
	defer b.Close()
	res, err := load(ctx, b, opt, now, goLive)
	if err == nil {
		if err = b.Close(); err == nil {
			err = markFirstLine(ctx, s)
		}
		if err == nil {
			err = loadServiceLevels(ctx, s)
		}
		if err == nil {
			err = loadDPORecords(ctx, s)
		}
		if err == nil {
			err = evaluateServiceLevels(ctx, s, opt, &res)
		}
		if err == nil {
			err = loadBreachesDisclosures(ctx, s, now)
		}
		if err == nil {
			err = loadConsentsProcessorsAssessments(ctx, s, now)
		}
		if err == nil {
			err = sealSpecial(ctx, s, &res)
		}
		// The bulk load analysed the tables it filled; the service levels, the DPO's records and
		// the sealing wrote more since (a million call_sla rows on a million calls). The planner
		// gets their statistics now, not at the server's first hourly pass (issue 22 point 4).
		if err == nil {
			err = s.Optimize(ctx)
		}
	}
	if err != nil {
		return res, fmt.Errorf("%w (the database may now hold part of the demo data: load into a new one)", err)
	}
	return res, nil
}

func load(ctx context.Context, b *store.Bulk, opt Options, now, goLive time.Time) (Result, error) {
	seed := uint64(opt.Seed)
	u, err := buildUniversity(ctx, rand.New(rand.NewPCG(seed, 1)), b, opt.People, now, goLive)
	if err != nil {
		return Result{}, err
	}

	// The calls are made on one goroutine and written on this one: two cores, twice the speed.
	gen := newCallGen(rand.New(rand.NewPCG(seed, 2)), u, now, opt.Calls, opt.Years)
	genCtx, stop := context.WithCancel(ctx)
	defer stop()
	batches := make(chan []item, 8)
	go func() {
		defer close(batches)
		gen.run(func(batch []item) bool {
			select {
			case batches <- batch:
				return true
			case <-genCtx.Done():
				return false
			}
		})
	}()
	res := Result{Seed: opt.Seed, States: map[desk.State]int{}}
	written := 0
	for batch := range batches {
		for i := range batch {
			it := &batch[i]
			want := int64(written + 1)
			if err := b.AddCall(ctx, &it.call, it.diary); err != nil {
				stop()
				return res, fmt.Errorf("demo call %d: %w", want, err)
			}
			if _, n, _ := desk.ParseReference(it.call.Ref); n != want {
				stop()
				return res, fmt.Errorf("demo call %d got the reference %s: was something else writing calls?", want, it.call.Ref)
			}
			written++
			res.States[it.call.State]++
			if it.call.SpecialCategory {
				res.Special++
			}
		}
		if opt.Progress != nil {
			opt.Progress(written, 3*opt.Calls)
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	var indexed func(done, total int)
	if opt.Progress != nil {
		indexed = func(done, total int) { opt.Progress(opt.Calls+done, 3*opt.Calls) }
	}
	counts := b.Counts()
	detail := fmt.Sprintf("loaded demo data (seed %d, calls up to %s): %d people, %d support groups, %d analysts, %d accounts, %d problem profiles, %d calls, %d diary entries",
		opt.Seed, now.Format(time.RFC3339), counts.People, counts.Groups, len(u.analysts), counts.Accounts, counts.Profiles, counts.Calls, counts.Entries)
	counts, err = b.Finish(ctx, desk.System("demo data"), "demo.load", detail, indexed)
	if err != nil {
		return res, err
	}
	res.People, res.Kinds = counts.People, u.kinds
	res.Groups, res.Members, res.Analysts, res.Accounts = counts.Groups, counts.Members, len(u.analysts), counts.Accounts
	res.Profiles, res.Calls, res.Entries = counts.Profiles, counts.Calls, counts.Entries
	res.AdminPersonID, res.AdminAccountID, res.AdminLogin = u.admin.ID, u.adminAcct.ID, u.adminAcct.Login
	return res, nil
}

// fill checks the options and fills in the defaults.
func (o *Options) fill() error {
	f := map[string]string{}
	if o.Now.IsZero() {
		f["now"] = "is required: the end of the years of calls, from calldesk's clock"
	}
	switch {
	case o.Years < 0 || o.Years > 20:
		f["years"] = "must be from 0 (the default, 2) to 20"
	case o.Years == 0:
		o.Years = 2
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	switch {
	case o.Calls < 0 || o.Calls > 10_000_000:
		f["calls"] = "must be from 0 (the default, 20,000) to 10,000,000"
	case o.Calls == 0:
		o.Calls = 20_000
	}
	switch {
	case o.People == 0 && o.Calls > 20_000:
		o.People = min(30_000, o.Calls/10)
	case o.People == 0:
		o.People = 2_000
	case o.People < 100 || o.People > 1_000_000:
		f["people"] = "must be from 100 to 1,000,000"
	}
	return desk.Invalid("the demo data cannot be made", f)
}

// markFirstLine marks the Service Desk the demo's first-line group, for the first-contact
// resolution and first-line fix report (issue 18).
func markFirstLine(ctx context.Context, s *store.Store) error {
	groups, err := s.Groups(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g.Name == "Service Desk" {
			if _, err := s.SetGroupFirstLine(ctx, desk.System("demo data"), g.ID, true); err != nil {
				return fmt.Errorf("demo first-line group: %w", err)
			}
		}
	}
	return nil
}
