package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// bench drives a running calldesk over its HTTP API, from this separate process, and prints what
// it measured. It sends traffic only to the URL given (scripts/bench.sh starts the server on
// 127.0.0.1) and stops by itself after its duration or request count.
func bench(ctx context.Context, e Env, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(e.Stdout, "Usage: calldesk bench create|queries|ceiling [flags]\n\nMeasures a running calldesk over its API; see calldesk bench create -h.\n"+
			"ceiling serves the bare create endpoint its rate is compared with; see calldesk bench ceiling -h.")
		return nil
	}
	if len(args) > 0 && args[0] == "ceiling" {
		return ceiling(ctx, e, args[1:])
	}
	if len(args) == 0 || (args[0] != "create" && args[0] != "queries") {
		return usageError{fmt.Errorf("say which benchmark: calldesk bench create|queries|ceiling [flags]")}
	}
	what := args[0]
	fs, st := flags(e, "bench "+what, "create: log calls over the API from concurrent clients and report the rate and latency.\n"+
		"queries: time a group's first page of open calls, the calls at risk and breached, a group's calls by deadline,\nfull-text search, and a call with 50 diary entries.")
	base := st.add("url", "http://127.0.0.1:8080", "calldesk to measure (a loopback address); for create, several instances of one\ndesk as URLs separated by commas, the clients spread over them in turn", false, checkLoopbackURLs)
	token := st.add("token", "", "API token", true, func(v string) error {
		if v == "" {
			return fmt.Errorf("is required")
		}
		return nil
	})
	clients := st.add("clients", "8", "concurrent clients (create)", false, checkInt(1, 256))
	duration := st.add("duration", "10s", "how long to send (create)", false, checkDuration(time.Second, 10*time.Minute))
	requests := st.add("requests", "300", "requests per query (queries)", false, checkInt(10, 100000))
	special := st.add("special", "false", "create: log special-category calls (health words in their text, special_category set), which\nare sealed at rest when the server holds master keys", false, checkOneOf("true", "false"))
	if err := parse(fs, st, args[1:]); err != nil {
		return err
	}
	nc, _ := strconv.Atoi(*clients)
	d, _ := time.ParseDuration(*duration)
	nr, _ := strconv.Atoi(*requests)
	var bases []string
	for _, u := range strings.Split(*base, ",") {
		bases = append(bases, strings.TrimSuffix(strings.TrimSpace(u), "/"))
	}
	b := &benchClient{base: bases[0], bases: bases, token: *token,
		hc: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}}
	if what == "create" {
		return b.create(ctx, e.Stdout, nc, d, *special == "true")
	}
	return b.queries(ctx, e.Stdout, nr)
}

// checkLoopbackURLs checks each of the comma-separated URLs of v (checkLoopbackURL).
func checkLoopbackURLs(v string) error {
	for _, u := range strings.Split(v, ",") {
		if err := checkLoopbackURL(strings.TrimSpace(u)); err != nil {
			return err
		}
	}
	return nil
}

func checkLoopbackURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return fmt.Errorf("is not a URL")
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
		return nil
	}
	return fmt.Errorf("load is only sent to this machine: use 127.0.0.1")
}

type benchClient struct {
	base, token string
	bases       []string // every instance measured (create), base first
	hc          *http.Client
}

func (b *benchClient) req(method, path string, body any) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(j)
	}
	r, err := http.NewRequest(method, b.base+path, rd)
	if err != nil {
		return nil, err
	}
	r.Header.Set("Authorization", "Bearer "+b.token)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	return r, nil
}

// get fetches path into v, failing on any status but 200.
func (b *benchClient) do(method, path string, body, v any, want int) error {
	r, err := b.req(method, path, body)
	if err != nil {
		return err
	}
	resp, err := b.hc.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, data)
	}
	if v != nil {
		return json.Unmarshal(data, v)
	}
	return nil
}

type benchIDs struct {
	People []struct {
		ID int64 `json:"id"`
	} `json:"people"`
	Profiles []struct {
		ID int64 `json:"id"`
	} `json:"profiles"`
	Groups []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"groups"`
}

func (b *benchClient) ids() (benchIDs, error) {
	var ids benchIDs
	if err := b.do("GET", "/api/v1/people?limit=200", nil, &ids, 200); err != nil {
		return ids, err
	}
	if err := b.do("GET", "/api/v1/profiles", nil, &ids, 200); err != nil {
		return ids, err
	}
	if err := b.do("GET", "/api/v1/groups", nil, &ids, 200); err != nil {
		return ids, err
	}
	if len(ids.People) == 0 || len(ids.Profiles) == 0 || len(ids.Groups) == 0 {
		return ids, fmt.Errorf("the server has no people, profiles or groups to log calls against: load demo data first")
	}
	return ids, nil
}

func (b *benchClient) create(ctx context.Context, w io.Writer, clients int, d time.Duration, special bool) error {
	ids, err := b.ids()
	if err != nil {
		return err
	}
	summaries := []string{"Cannot print to the library printer", "Outlook asks for my password again and again",
		"eduroam drops every few minutes in the Engineering building", "Projector in lecture theatre 2 shows no picture",
		"Moodle course page will not load", "Need access to the shared research drive"}
	// A rotation of 64 bodies, made once, so the load generator spends its share of the machine
	// on sending rather than on encoding.
	descriptions := []string{"Reported by the load generator (body %d). It started this morning."}
	if special {
		// What a customer writes when their health is why they call.
		summaries = []string{"Adjustments for my epilepsy: a screen that does not flicker", "Extra exam time for my dyslexia",
			"My hearing aid does not pair with the lecture capture", "Off sick with depression: extend my account",
			"Prayer room booking system rejects my request", "Screen reader for my visual impairment"}
		descriptions = []string{"Reported by the load generator (body %d). My doctor's letter says I need this.",
			"Reported by the load generator (body %d). The disability service asked me to log it."}
	}
	bodies := make([][]byte, 64)
	for n := range bodies {
		body := map[string]any{
			"summary":     summaries[n%len(summaries)],
			"description": fmt.Sprintf(descriptions[n%len(descriptions)], n),
			"customer_id": ids.People[(n*7)%len(ids.People)].ID,
			"profile_id":  ids.Profiles[(n*5)%len(ids.Profiles)].ID,
			"source":      "api",
		}
		if special {
			body["special_category"] = true
		}
		if bodies[n], err = json.Marshal(body); err != nil {
			return err
		}
	}
	res := runLoad(ctx, b.hc, clients, d, 0, http.StatusCreated, func(c, i int) (*http.Request, error) {
		r, err := http.NewRequest("POST", b.bases[c%len(b.bases)]+"/api/v1/calls", bytes.NewReader(bodies[(c*13+i)%len(bodies)]))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Authorization", "Bearer "+b.token)
		r.Header.Set("Content-Type", "application/json")
		return r, nil
	})
	on := ""
	if len(b.bases) > 1 {
		on = fmt.Sprintf(" spread over %d instances", len(b.bases))
	}
	what := "a call"
	if special {
		what = "a special-category call"
	}
	fmt.Fprintf(w, "create %s over the API, %d clients%s: %s\n", what, clients, on, res)
	if res.Errors > 0 {
		return fmt.Errorf("%d of %d requests failed", res.Errors, res.Requests)
	}
	return nil
}

func (b *benchClient) queries(ctx context.Context, w io.Writer, n int) error {
	ids, err := b.ids()
	if err != nil {
		return err
	}
	var total struct {
		Total int  `json:"total"`
		More  bool `json:"total_more"` // lists count up to 1,000
	}
	if err := b.do("GET", "/api/v1/calls?limit=1", nil, &total, 200); err != nil {
		return err
	}
	more := ""
	if total.More {
		more = "more than "
	}
	fmt.Fprintf(w, "the server holds %s%d calls\n", more, total.Total)
	failed := 0
	measure := func(name string, paths []string) {
		res := runLoad(ctx, b.hc, 1, 10*time.Minute, n, http.StatusOK, func(_, i int) (*http.Request, error) {
			return b.req("GET", paths[i%len(paths)], nil)
		})
		fmt.Fprintf(w, "%s: %s\n", name, res)
		if res.Errors > 0 {
			failed++
		}
	}
	var groupPages []string
	for _, g := range ids.Groups {
		groupPages = append(groupPages, fmt.Sprintf("/api/v1/calls?group=%d&open=true&limit=25", g.ID))
	}
	measure("first page of a group's open calls", groupPages)
	// Issue 17: the lists by service level and a group's queue by deadline.
	measure("first page of the calls at risk", []string{"/api/v1/calls?sla=at_risk&limit=25"})
	measure("first page of the breached calls", []string{"/api/v1/calls?sla=breached&limit=25"})
	var byDeadline []string
	for _, g := range ids.Groups {
		byDeadline = append(byDeadline, fmt.Sprintf("/api/v1/calls?group=%d&open=true&sort=due&limit=25", g.ID))
	}
	measure("first page of a group's open calls by deadline", byDeadline)
	var searches []string
	for _, q := range []string{"printer", "password reset", "eduroam", "outlook", "projector", "vpn", "moodle", "laptop screen"} {
		searches = append(searches, "/api/v1/calls?limit=25&q="+url.QueryEscape(q))
	}
	measure("full-text search", searches)

	var call struct {
		Ref string `json:"ref"`
	}
	if err := b.do("POST", "/api/v1/calls", map[string]any{"summary": "Benchmark call with a long diary",
		"description": "Made by calldesk bench queries.", "customer_id": ids.People[0].ID}, &call, http.StatusCreated); err != nil {
		return err
	}
	for i := 0; i < 50; i++ {
		kind := "note"
		if i%2 == 0 {
			kind = "update"
		}
		if err := b.do("POST", "/api/v1/calls/"+call.Ref+"/entries", map[string]any{"kind": kind,
			"text": fmt.Sprintf("Diary entry %d: checked the settings with the customer and tried again.", i+1)}, nil, http.StatusCreated); err != nil {
			return err
		}
	}
	measure("a call with 50 diary entries ("+call.Ref+")", []string{"/api/v1/calls/" + call.Ref})
	if failed > 0 {
		return fmt.Errorf("%d of the query benchmarks had errors", failed)
	}
	return nil
}
