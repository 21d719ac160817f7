package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web"
)

// Wait holds the shutdown until every request being handled has finished: here, one whose body
// is still arriving.
func TestWaitHoldsForRequestsInFlight(t *testing.T) {
	s := storetest.Open(t, "sqlite", nil)
	f := storetest.Seed(t, s)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	buf := audit.NewRecorder(s)
	defer buf.Close()
	srv := &web.Server{Store: s, Audit: buf, Log: log}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	e := &env{t: t, s: s, f: f, ctx: context.Background()}
	token := e.tokenFor(f.Ann, time.Time{}, desk.RoleAnalyst)

	body, send := io.Pipe()
	req, _ := http.NewRequest("POST", hs.URL+"/api/v1/calls", body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	answered := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	send.Write([]byte(`{"summary": "Printer jams", `))
	time.Sleep(100 * time.Millisecond) // the handler is reading the body
	short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := srv.Wait(short); err == nil {
		t.Fatal("Wait returned while a request was still being handled")
	}
	send.Write([]byte(`"customer_id": ` + strconv.FormatInt(f.Dan.ID, 10) + `}`))
	send.Close()
	if code := <-answered; code != 201 {
		t.Fatalf("the request in flight got %d, want 201", code)
	}
	long, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if err := srv.Wait(long); err != nil {
		t.Fatalf("Wait after the request finished: %v", err)
	}
}
