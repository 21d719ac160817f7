package console

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/web"
	"calldesk/internal/web/pages"
)

// handlerFunc is a console handler: it writes the page on success and returns an error
// otherwise, which adapt turns into the right page. v is nil on public routes.
type handlerFunc func(w http.ResponseWriter, r *http.Request, v *visit) error

// visit is the signed-in analyst making a request.
type visit struct {
	access.Session
	// Actor is who the store records in diaries and the audit trail, with the client's address.
	Actor desk.Actor
	// Token is the session cookie's value, for sign-out.
	Token string
	// mailroom says the console has a quarantine of incoming email (Console.Quarantine).
	mailroom bool
	// Grant is the running supplier grant a supplier-only account works under (issue 20 item
	// 1): it alone decides what the visit may open (access.GrantAllows); nil for everyone else.
	Grant *store.Grant
}

// Admin reports whether the visitor is an administrator (the layout offers the admin pages).
func (v *visit) Admin() bool { return access.Can(v.Account, access.Administer) }

// DPO reports whether the visitor keeps the Data Protection Officer's records.
func (v *visit) DPO() bool { return access.Can(v.Account, access.KeepDPORecords) }

// SeesRetention reports whether the visitor may see the retention schedule (the layout offers it).
func (v *visit) SeesRetention() bool { return access.Can(v.Account, access.SeeRetention) }

// SeesDPORecords reports whether the visitor may read the DPO's records that are about no
// person (the layout offers the Data protection area).
func (v *visit) SeesDPORecords() bool { return access.Can(v.Account, access.SeeDPORecords) }

// ReadsEmail reports whether the visitor may read emails' content (S13).
func (v *visit) ReadsEmail() bool { return access.Can(v.Account, access.ReadEmails) }

// reader is what the visitor may read of calls' text (access.ReaderOf, with their groups).
func (c *Console) reader(ctx context.Context, v *visit) (desk.Reader, error) {
	groups, err := c.Store.GroupsOf(ctx, v.Person.ID)
	if err != nil {
		return desk.Reader{}, err
	}
	return v.readerWith(groups), nil
}

// readerWith is the visitor's reader given their groups: a supplier under a grant sees
// special-category text masked, always (S14).
func (v *visit) readerWith(groups []int64) desk.Reader {
	rd := access.ReaderOf(v.Account, groups)
	if v.Grant != nil {
		rd.NoSpecial = true
	}
	return rd
}

// grantHome is where a supplier under a grant starts: the first page its scope opens.
func grantHome(g store.Grant) string {
	switch g.Scope {
	case store.GrantConfig:
		return "/admin/sla"
	case store.GrantCalls:
		return "/queues/unassigned"
	}
	if len(g.CallRefs) > 0 {
		return "/calls/" + g.CallRefs[0]
	}
	return "/account/second-factor"
}

// grantScopeWords says what a grant's scope opens.
func grantScopeWords(g store.Grant) string {
	switch g.Scope {
	case store.GrantConfig:
		return "the configuration"
	case store.GrantCalls:
		return "calls, queues and people"
	}
	return "the calls " + strings.Join(g.CallRefs, ", ")
}

// Support reports whether the visitor may read incoming email (S13; the layout offers the
// quarantine).
func (v *visit) Support() bool { return v.mailroom && v.ReadsEmail() }

// csp allows only the console's own scripts, styles and images: no inline script, no eval, no
// framing, forms only to this site.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"

// adapt turns a route into an http.Handler: security headers, the session check, the capability
// the route declares (access.Require: 403 saying which role it needs), the handler, and its error
// turned into a page. A panic becomes a logged 500; the store's transaction has
// rolled back by then, so nothing is half-saved.
func (c *Console) adapt(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				c.fail(w, r, nil, fmt.Errorf("panic: %v", p))
			}
		}()
		pages.Secure(w.Header(), csp)
		var v *visit
		if rt.Needs == access.Public {
			web.LimitBody(w, r, rt.anonymousBody()) // a sign-in form is small: nobody may make us read more first
		} else {
			var err error
			if v, err = c.authenticate(r); err != nil {
				c.fail(w, r, nil, err)
				return
			}
			if v.Pending != "" && !finishesSignin(rt) {
				// Password given, second factor not yet: nothing opens but the pages that finish
				// signing in, to which a page asked for leads (and comes back after).
				if r.Method == http.MethodGet && !isHTMX(r) {
					http.Redirect(w, r, pendingPage(v.Pending, localPath(r.URL.RequestURI())), http.StatusSeeOther)
					return
				}
				c.fail(w, r, nil, desk.Errorf(desk.EFORBIDDEN, "signing in is not finished: give the code from your authenticator app first"))
				return
			}
			if v.Grant != nil {
				// A supplier under a grant: its scope alone decides, read-only, never an export,
				// and every request is recorded against the grant.
				if rt.Pattern == "/{$}" && r.Method == http.MethodGet {
					http.Redirect(w, r, grantHome(*v.Grant), http.StatusSeeOther) // the console's home is not theirs
					return
				}
				if !access.GrantAllows(*v.Grant, r.Method, rt.Pattern, r.PathValue("ref")) {
					c.fail(w, r, v, desk.Errorf(desk.EFORBIDDEN, "supplier grant %d (%s) does not open this: it is for %s, read-only, without exports or downloads",
						v.Grant.ID, v.Grant.Reason, grantScopeWords(*v.Grant)))
					return
				}
				if err := c.Audit.Add(desk.AuditRecord{At: c.now(), ActorID: v.Actor.PersonID, Actor: v.Actor.Name, Action: "grant.use",
					ObjectType: "grant", ObjectID: strconv.FormatInt(v.Grant.ID, 10), Persons: []int64{v.Person.ID}, ClientAddr: v.Actor.Addr,
					Reason: v.Actor.Reason, Detail: desk.DetailConsole + r.Method + " " + r.URL.Path, Surface: desk.SurfaceConsole}); err != nil {
					c.fail(w, r, v, err)
					return
				}
			} else if err := access.Require(v.Account, rt.Needs); err != nil {
				c.fail(w, r, v, err)
				return
			}
		}
		if err := web.CheckRequest(r); err != nil { // no NUL or bad UTF-8 reaches a handler
			c.fail(w, r, v, err)
			return
		}
		if err := rt.handle(w, r, v); err != nil {
			c.fail(w, r, v, err)
		}
	})
}

// authenticate checks the session cookie. No cookie, or an ended session, is EUNAUTHORIZED with
// a message saying why.
func (c *Console) authenticate(r *http.Request) (*visit, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil, desk.Errorf(desk.EUNAUTHORIZED, "please sign in")
	}
	addr := c.Proxies.ClientAddr(r)
	check := c.Sessions.Check
	if isPoll(r) {
		check = c.Sessions.Peek // a page refreshing itself is not the analyst using it
	}
	ss, err := check(r.Context(), ck.Value, store.SurfaceConsole, addr)
	if err != nil {
		return nil, err
	}
	v := &visit{Session: ss, Token: ck.Value, mailroom: c.Quarantine != nil, Actor: desk.Actor{PersonID: ss.Person.ID, AccountID: ss.Account.ID,
		Name: ss.Person.Name(), Addr: addr, Surface: desk.SurfaceConsole}}
	// The console is for those who work calls: a customer's session (begun on the portal) is
	// refused, saying why; a supplier's only while a grant of theirs runs, checked on every
	// request, so that access stops the moment the grant ends.
	if err := access.Require(ss.Account, access.WorkCalls); err != nil {
		if !access.SupplierOnly(ss.Account) {
			return nil, err
		}
		g, gerr := c.Store.LiveGrant(r.Context(), ss.Account.ID, c.now())
		if desk.ErrorCode(gerr) == desk.EFORBIDDEN {
			// No grant running: refused, saying why; the wind-up job (access.Grants.EndDue)
			// deletes the sessions of a grant that ended.
			return nil, err
		} else if gerr != nil {
			return nil, gerr
		}
		v.Grant = &g
		v.Actor.Reason = g.Words()
		v.Actor.Name = ss.Person.Name() + " (" + g.Words() + ")"
	}
	return v, nil
}

// fail turns an error into a response: sign-in for a missing or ended session (keeping a form
// that was being sent), otherwise an error page with the status of the error's code. Internal
// errors are logged here, once, and shown without their detail.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	if r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		return // the client went away (closed the tab, cancelled a refresh): nobody to answer, nothing to log
	}
	code := desk.ErrorCode(err)
	if code == desk.EUNAUTHORIZED {
		c.signinAgain(w, r, err)
		return
	}
	status := web.StatusOf(code)
	var de *desk.Error
	msg := "Something went wrong on our side, and it has been logged. Nothing you sent was half-saved: try again, and if it keeps happening tell the calldesk administrators."
	var kept *pages.Kept
	retry := ""
	if status == http.StatusServiceUnavailable {
		// The database cannot serve just now: a calm page, with what was typed kept.
		web.Unavailable(w, r, c.log(), "console", err)
		errors.As(err, &de)
		msg = sentenceOf(de.Message)
		if kept = pages.KeepForm(r); kept == nil && r.Method == http.MethodGet {
			retry = r.URL.RequestURI()
		}
	} else if status == http.StatusInternalServerError {
		c.log().Error("console request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else if errors.As(err, &de) {
		msg = c.zone().Text(desk.MessageWithFields(de)) // instants the message keeps, in the desk's zone
	}
	if isHTMX(r) {
		// A request from part of a page: the message alone; console.js shows it on the page,
		// which keeps everything typed into it.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<p class="alert" role="alert">%s</p>`, template.HTMLEscapeString(msg))
		return
	}
	title := pages.ErrorTitle(status, "")
	if de != nil {
		title = pages.ErrorTitle(status, de.Message)
	}
	c.renderOrLog(w, r, status, "error", errorPage{page: c.page(v, title), Status: status, Message: msg, Kept: kept, Retry: retry})
}

// errorPage is the page shown for an error.
type errorPage struct {
	page
	Status  int
	Message string
	// Kept is the form sent while the desk was briefly unavailable, shown to send again.
	Kept *pages.Kept
	// Retry is the page to try again, for a page that could not be shown while the desk was
	// briefly unavailable.
	Retry string
}

// sentenceOf starts s with a capital and ends it with a full stop.
func sentenceOf(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// notFound answers paths the console does not have.
func (c *Console) notFound(w http.ResponseWriter, r *http.Request, _ *visit) error {
	v, _ := c.authenticate(r)
	return c.render(w, r, http.StatusNotFound, "error", errorPage{page: c.page(v, pages.ErrorTitle(http.StatusNotFound, "")), Status: http.StatusNotFound,
		Message: "There is no page at " + r.URL.Path + "."})
}

// forbidCrossOrigin answers a form posted from another site (a forged request).
func (c *Console) forbidCrossOrigin(w http.ResponseWriter, r *http.Request) {
	pages.Secure(w.Header(), csp)
	c.renderOrLog(w, r, http.StatusForbidden, "error", errorPage{page: c.page(nil, "This form was sent from another site"), Status: http.StatusForbidden,
		Message: "This form was sent from another site, so calldesk refused it and changed nothing. " +
			"If you meant to do this, open calldesk yourself and do it there."})
}

func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// pollHeader marks the requests a page makes by itself to refresh (hx-headers on the queue).
const pollHeader = "X-Calldesk-Poll"

func isPoll(r *http.Request) bool { return isHTMX(r) && r.Header.Get(pollHeader) == "1" }

// localPath returns p, cleaned, when it is a path on this site, "/" otherwise: a next= parameter
// must never send someone to another site (pages.LocalPath, shared with the portal).
func localPath(p string) string { return pages.LocalPath(p, "/") }
