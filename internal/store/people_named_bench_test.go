package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// BenchmarkPeopleNamedIn is the audit of the people a call page names (PeopleNamedIn, run on
// every console call page view and API call/diary read) over 50,000 people, on each engine: the
// texts of a call with a diary of eight entries, one naming an address and one a username.
func BenchmarkPeopleNamedIn(b *testing.B) {
	const n = 50_000
	recs := make([]store.DirectoryRecord, n)
	for i := range recs {
		recs[i] = store.DirectoryRecord{Line: i + 2, Person: desk.Person{DirectoryKey: fmt.Sprintf("emp-%06d", i), FirstName: "Given",
			LastName: fmt.Sprintf("Family%06d", i), Username: fmt.Sprintf("u%06d", i), Email: fmt.Sprintf("u%06d@uni.example", i), Kind: desk.Student}}
	}
	texts := []string{"Outlook keeps asking for my password",
		"Since the update on Monday Outlook asks for the password every few minutes; webmail works.",
		"", "", "", "", "01234 567890"}
	for i := range 8 {
		texts = append(texts, fmt.Sprintf("Checked the account (step %d): the mailbox is fine, the profile was rebuilt and the cache cleared. "+
			"Rang the customer back, no answer; left a message asking them to try again after a restart.", i))
	}
	texts[9] += " Copied U001234@Uni.Example who had the same problem."
	texts[11] += " Same as for u004321 last week."
	ctx := context.Background()
	for _, engine := range storetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			e := storetest.NewEnv(b, engine, time.Now())
			if res, err := e.S.SyncPeople(ctx, recs, store.SyncOptions{Source: "bench", Full: true, By: "bench"}); err != nil || res.Created != n {
				b.Fatalf("import: %+v %v", res, err)
			}
			b.ResetTimer()
			for b.Loop() {
				ids, err := e.S.PeopleNamedIn(ctx, texts...)
				if err != nil || len(ids) == 0 {
					b.Fatalf("%v %v", ids, err)
				}
			}
		})
	}
}
