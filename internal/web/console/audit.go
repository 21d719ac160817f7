package console

import (
	"net/http"
	"strings"

	"calldesk/internal/desk"
)

// auditRead queues the audit record of a page showing personal data (P2: "who has seen my data").
func (c *Console) auditRead(v *visit, action, objectType, objectID string, persons []int64, detail string) error {
	return c.Audit.Add(desk.AuditRecord{At: c.now(), ActorID: v.Actor.PersonID, Actor: v.Actor.Name, Action: action,
		ObjectType: objectType, ObjectID: objectID, Persons: persons, ClientAddr: v.Actor.Addr, Detail: detail})
}

// auditList records a list of calls shown to an analyst: each row shows its customer's name, so
// one record names every customer on the page, as the API's call.search does.
func (c *Console) auditList(r *http.Request, v *visit, calls []desk.Call, what string) error {
	if len(calls) == 0 {
		return nil
	}
	refs := make([]string, len(calls))
	persons := make([]int64, 0, len(calls))
	for i, call := range calls {
		refs[i] = call.Ref
		if call.CustomerID != 0 {
			persons = append(persons, call.CustomerID)
		}
	}
	detail := what + ": listed " + strings.Join(refs, ", ")
	if r.URL.RawQuery != "" {
		detail += " (" + r.URL.RawQuery + ")"
	}
	return c.auditRead(v, "call.search", "call", "", persons, detail)
}
