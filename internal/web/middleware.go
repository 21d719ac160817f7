package web

import (
	"fmt"
	"net/http"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
)

// handlerFunc is an API handler: it writes the response on success and returns an error
// otherwise, which adapt turns into a problem response. c is nil on public routes.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c *caller) error

// caller is the authenticated client of a request.
type caller struct {
	Account desk.Account
	Person  desk.Person
	// Actor is who the store records in diaries and the audit trail, with the client's address.
	Actor desk.Actor
}

// adapt turns a route into an http.Handler: it sets the headers every API response carries,
// authenticates the caller unless the route is public and checks the capability the route
// declares (access.Require: 403 saying which role it needs), runs the handler and writes its error as a
// problem. A panic becomes a logged 500; the store's transaction has rolled back by then, so a
// crash mid-request leaves nothing half-written.
func (s *Server) adapt(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.inflight.Add(1)
		defer s.inflight.Done()
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.fail(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		h := w.Header()
		// Responses carry personal data: no shared cache may keep them.
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		var c *caller
		if rt.Needs != access.Public {
			var err error
			if c, err = s.authenticate(r); err == nil {
				err = access.Require(c.Account, rt.Needs)
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if err := CheckURL(r); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := rt.handle(w, r, c); err != nil {
			s.fail(w, r, err)
		}
	})
}

// authenticate finds the account behind the request's bearer token: one store lookup by the
// token's hash.
func (s *Server) authenticate(r *http.Request) (*caller, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return nil, desk.Errorf(desk.EUNAUTHORIZED, "this endpoint needs an API token: send it in the header "+
			"Authorization: Bearer <token>; an administrator can issue you one")
	}
	scheme, token, _ := strings.Cut(auth, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, desk.Errorf(desk.EUNAUTHORIZED, "the Authorization header must be \"Bearer <token>\"; other schemes are not accepted")
	}
	if !strings.HasPrefix(token, access.TokenPrefix) {
		return nil, desk.Errorf(desk.EUNAUTHORIZED, "that is not a calldesk API token (they start with %q); check you copied the whole token", access.TokenPrefix)
	}
	hash := access.TokenHash(token)
	acct, person, ok := s.tokens.get(hash)
	if !ok {
		var err error
		acct, person, err = s.Store.FindAccountByToken(r.Context(), hash)
		if err != nil {
			if de := desk.AsError(err); de != nil && de.Code == desk.EUNAUTHORIZED {
				return nil, desk.Errorf(desk.EUNAUTHORIZED, "%s; ask an administrator for a new token", de.Message)
			}
			return nil, fmt.Errorf("authenticate: %w", err)
		}
		s.tokens.put(hash, acct, person)
	}
	return &caller{Account: acct, Person: person, Actor: desk.Actor{
		PersonID: person.ID, AccountID: acct.ID, Name: person.Name(), Addr: s.Proxies.ClientAddr(r), Surface: desk.SurfaceAPI,
	}}, nil
}
