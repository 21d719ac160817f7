package web

import (
	"net/http"
	"slices"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
)

// APIPrefix is where the JSON API v1 lives.
const APIPrefix = "/api/v1/"

// PortalPrefix is where SupportMe, the self-service portal, lives (Server.Portal).
const PortalPrefix = "/portal/"

// SCIMPrefix is where the SCIM 2.0 service is mounted (Server.SCIM).
const SCIMPrefix = "/scim/v2/"

// Route is one endpoint: a ServeMux pattern split into method and path, what it does, and what
// it needs: access.Public (no token) or the capability the token's account must have, which the
// adapter checks before the handler runs.
type Route struct {
	Method  string // GET, POST...
	Pattern string // ServeMux path pattern, e.g. /api/v1/calls/{ref}; OpenAPI writes the same path
	Summary string
	Needs   access.Capability
	handle  handlerFunc
}

// Routes lists every endpoint of the API, in the order of the OpenAPI document.
func (s *Server) Routes() []Route {
	return []Route{
		{"GET", "/api/v1/openapi.json", "The OpenAPI 3.1 description of this API", access.Public, s.openAPI},

		{"POST", "/api/v1/calls", "Log a call", access.WorkCalls, s.createCall},
		{"GET", "/api/v1/calls", "List calls, filtered and paged", access.WorkCalls, s.listCalls},
		{"GET", "/api/v1/calls/{ref}", "A call with its diary (audited)", access.WorkCalls, s.showCall},
		{"GET", "/api/v1/calls/{ref}/entries", "A call's diary (audited)", access.WorkCalls, s.listEntries},
		{"POST", "/api/v1/calls/{ref}/entries", "Add a public update or an internal note", access.WorkCalls, s.addEntry},

		{"POST", "/api/v1/calls/{ref}/assign", "Assign the call to a group and optionally an analyst", access.WorkCalls, transition[assignRequest](s, desk.ActAssign)},
		{"POST", "/api/v1/calls/{ref}/accept", "Accept the call (an analyst takes it on)", access.WorkCalls, transition[acceptRequest](s, desk.ActAccept)},
		{"POST", "/api/v1/calls/{ref}/pend", "Set the call pending (waiting on the customer or a third party)", access.WorkCalls, transition[reasonRequest](s, desk.ActPend)},
		{"POST", "/api/v1/calls/{ref}/hold", "Put the call on hold until a time", access.WorkCalls, transition[holdRequest](s, desk.ActHold)},
		{"POST", "/api/v1/calls/{ref}/resolve", "Resolve the call", access.WorkCalls, transition[resolveRequest](s, desk.ActResolve)},
		{"POST", "/api/v1/calls/{ref}/close", "Close a resolved call", access.WorkCalls, transition[reasonRequest](s, desk.ActClose)},
		{"POST", "/api/v1/calls/{ref}/reopen", "Reopen a resolved call", access.WorkCalls, transition[reasonRequest](s, desk.ActReopen)},
		{"POST", "/api/v1/calls/{ref}/cancel", "Cancel the call", access.WorkCalls, transition[reasonRequest](s, desk.ActCancel)},
		{"POST", "/api/v1/calls/{ref}/change", "Change the call's profile, impact or urgency", access.WorkCalls, transition[changeRequest](s, desk.ActChange)},
		{"POST", "/api/v1/calls/{ref}/special-category", "Mark the call as holding special-category data, or take the mark off, with a reason (audited)", access.WorkCalls, s.markSpecial},

		{"GET", "/api/v1/people", "Search people", access.WorkCalls, s.listPeople},
		{"GET", "/api/v1/people/{id}", "A person's record (audited)", access.WorkCalls, s.showPerson},
		{"GET", "/api/v1/groups", "List support groups", access.WorkCalls, s.listGroups},
		{"PUT", "/api/v1/groups/{group_id}/leads/{person_id}", "Make a member of the group one of its leads (escalations email them)", access.Administer, s.setGroupLead(true)},
		{"DELETE", "/api/v1/groups/{group_id}/leads/{person_id}", "Make a lead of the group an ordinary member again", access.Administer, s.setGroupLead(false)},
		{"PUT", "/api/v1/groups/{group_id}/first-line", "Mark the group a first-line group of the Service Desk", access.Administer, s.setGroupFirstLine(true)},
		{"DELETE", "/api/v1/groups/{group_id}/first-line", "Mark the group not a first-line group", access.Administer, s.setGroupFirstLine(false)},
		{"GET", "/api/v1/profiles", "List the problem-profile tree", access.WorkCalls, s.listProfiles},

		{"GET", "/api/v1/reports", "List the statistical reports", access.WorkCalls, s.listReports},
		{"GET", "/api/v1/reports/{kind}", "A statistical report's figures (names only for service-level managers; audited when it names people)", access.WorkCalls, s.showReport},
	}
}

// allowed answers a request whose path matches a route but whose method does not: 405 with Allow.
type allowed string

func (allowed) ServeHTTP(http.ResponseWriter, *http.Request) {}

// mux registers every route, and under APIPrefix a fallback that answers unknown paths with a 404
// problem and known paths with a wrong method with a 405 problem (the ServeMux's own replies are
// plain text).
func (s *Server) mux() *http.ServeMux {
	mux := http.NewServeMux()
	methods := map[string][]string{}
	for _, rt := range s.Routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, s.adapt(rt))
		methods[rt.Pattern] = append(methods[rt.Pattern], rt.Method)
	}
	paths := http.NewServeMux()
	for p, ms := range methods {
		if slices.Contains(ms, "GET") {
			ms = append(ms, "HEAD")
		}
		paths.Handle(p, allowed(strings.Join(ms, ", ")))
	}
	mux.Handle(APIPrefix, s.adapt(Route{Needs: access.Public, handle: func(w http.ResponseWriter, r *http.Request, _ *caller) error {
		if h, pattern := paths.Handler(r); pattern != "" {
			if a, ok := h.(allowed); ok {
				w.Header().Set("Allow", string(a))
				return &httpError{status: http.StatusMethodNotAllowed,
					msg: r.Method + " is not allowed on " + r.URL.Path + "; use " + string(a)}
			}
		}
		return &httpError{status: http.StatusNotFound,
			msg: "there is no API endpoint " + r.URL.Path + "; the endpoints are listed in " + APIPrefix + "openapi.json"}
	}}))
	if s.SCIM != nil {
		mux.Handle(SCIMPrefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.inflight.Add(1)
			defer s.inflight.Done()
			r.Body = http.MaxBytesReader(w, r.Body, s.maxBody())
			s.SCIM.ServeHTTP(w, r)
		}))
	}
	if s.Portal != nil {
		mux.Handle(PortalPrefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.inflight.Add(1)
			defer s.inflight.Done()
			s.Portal.ServeHTTP(w, r)
		}))
	}
	if s.Console != nil {
		mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.inflight.Add(1)
			defer s.inflight.Done()
			s.Console.ServeHTTP(w, r)
		}))
	}
	return mux
}
