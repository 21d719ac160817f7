package scim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"calldesk/internal/store/storetest"
	"calldesk/internal/web/scim"
)

// TestSCIMUniqueUnderConcurrency (issue 13 point 10): pushes at the same moment of one userName,
// or one email address, in two letter cases (different externalIds) create one person and
// answer the other 409 uniqueness, on both engines. The check before the write alone let both
// through on PostgreSQL (19 of 20 races); the unique indexes of lower(username) and
// lower(email) hold it.
func TestSCIMUniqueUnderConcurrency(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		svc := &scim.Service{Store: e.S, Token: token, BaseURL: "https://desk.uni.example"}
		hs := httptest.NewServer(svc.Handler())
		t.Cleanup(hs.Close)
		const pairs = 10
		type push struct {
			pair int
			body map[string]any
		}
		var pushes []push
		for i := range pairs {
			// A userName in two cases (distinct email addresses).
			pushes = append(pushes,
				push{i, entraUser(fmt.Sprintf("ojohnson%d", i), fmt.Sprintf("k-u%d-a", i), "Olu", "Johnson", fmt.Sprintf("olu%d@uni.example", i), "", true)},
				push{i, entraUser(fmt.Sprintf("OJOHNSON%d", i), fmt.Sprintf("k-u%d-b", i), "Oscar", "Johnson", fmt.Sprintf("oscar%d@uni.example", i), "", true)})
			// An email address in two cases (distinct userNames).
			pushes = append(pushes,
				push{pairs + i, entraUser(fmt.Sprintf("ajones%d", i), fmt.Sprintf("k-e%d-a", i), "Ann", "Jones", fmt.Sprintf("a.jones%d@uni.example", i), "", true)},
				push{pairs + i, entraUser(fmt.Sprintf("bjones%d", i), fmt.Sprintf("k-e%d-b", i), "Ben", "Jones", fmt.Sprintf("A.Jones%d@UNI.example", i), "", true)})
		}
		type answer struct {
			status    int
			scimType  string
			pair      int
			transport error
		}
		answers := make([]answer, len(pushes))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, p := range pushes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b, _ := json.Marshal(p.body)
				req, _ := http.NewRequest("POST", hs.URL+"/scim/v2/Users", bytes.NewReader(b))
				req.Header.Set("Content-Type", "application/scim+json")
				req.Header.Set("Authorization", "Bearer "+token)
				<-start
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					answers[i] = answer{transport: err}
					return
				}
				defer res.Body.Close()
				var out map[string]any
				json.NewDecoder(res.Body).Decode(&out)
				st, _ := out["scimType"].(string)
				answers[i] = answer{status: res.StatusCode, scimType: st, pair: p.pair}
			}()
		}
		close(start)
		wg.Wait()
		created, refused := map[int]int{}, map[int]int{}
		for i, a := range answers {
			switch {
			case a.transport != nil:
				t.Fatalf("push %d: %v", i, a.transport)
			case a.status == http.StatusCreated:
				created[a.pair]++
			case a.status == http.StatusConflict && a.scimType == "uniqueness":
				refused[a.pair]++
			default:
				t.Errorf("push %d: %d %q, want 201 or 409 uniqueness", i, a.status, a.scimType)
			}
		}
		for pair := range 2 * pairs {
			if created[pair] != 1 || refused[pair] != 1 {
				t.Errorf("pair %d: %d created, %d refused; want one of each", pair, created[pair], refused[pair])
			}
		}
		for i := range pairs {
			if n := e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE lower(username) = ?`, fmt.Sprintf("ojohnson%d", i)); n != 1 {
				t.Errorf("%d people hold ojohnson%d", n, i)
			}
			if n := e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE lower(email) = ?`, fmt.Sprintf("a.jones%d@uni.example", i)); n != 1 {
				t.Errorf("%d people hold a.jones%d@uni.example", n, i)
			}
		}
	})
}
