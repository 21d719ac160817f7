package sso

import (
	"context"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// AuditRefusal records a refused single sign-on, whichever page (console or portal) refused it:
// who tried (the person, when the identity matched one), from where (addr), through which
// protocol (via) and why. Refusals that are not the sign-in's fault (an internal error) are not
// recorded here; they are logged by the caller.
func AuditRefusal(ctx context.Context, st *store.Store, at time.Time, addr, via string, res Result, err error) error {
	switch desk.ErrorCode(err) {
	case desk.EUNAUTHORIZED, desk.ENOTFOUND, desk.EFORBIDDEN:
	default:
		return nil
	}
	rec := desk.AuditRecord{At: at, Actor: "single sign-on", Action: "session.sso_refused", ObjectType: "signin",
		ClientAddr: addr, Detail: via + ": " + desk.Message(err)}
	if res.Person.ID != 0 {
		rec.Persons, rec.Actor = []int64{res.Person.ID}, "single sign-on as "+res.Person.Name()
	}
	return st.AppendAudit(ctx, []desk.AuditRecord{rec})
}
