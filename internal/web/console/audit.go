package console

import (
	"crypto/sha256"
	"net/http"
	"strings"
	"sync"

	"calldesk/internal/desk"
)

// auditRead writes the audit record of a page showing personal data (P2: "who has seen my
// data"), durably, before the page is sent; the page must not be shown when it fails.
func (c *Console) auditRead(v *visit, action, objectType, objectID string, persons []int64, detail string) error {
	return c.Audit.Add(desk.AuditRecord{At: c.now(), ActorID: v.Actor.PersonID, Actor: v.Actor.Name, Action: action,
		ObjectType: objectType, ObjectID: objectID, Persons: persons, ClientAddr: v.Actor.Addr, Reason: v.Actor.Reason, Detail: desk.DetailConsole + detail,
		Surface: desk.SurfaceConsole})
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
	list := strings.Join(refs, ", ")
	changed := c.listed.changed(v.Token+" "+r.URL.Path, list)
	if isPoll(r) && !changed {
		// The same session's open page refreshed and shows the same calls it showed and had
		// audited: recording it again every 30 s would bury who saw what in noise.
		return nil
	}
	detail := what + ": listed " + list
	if r.URL.RawQuery != "" {
		detail += " (" + r.URL.RawQuery + ")"
	}
	return c.auditRead(v, "call.search", "call", "", persons, detail)
}

// listMemory remembers, per session and page, the list of calls last audited, so that a page
// refreshing itself is audited again only when it shows something new. It lives in one instance;
// with several instances a refresh served by another one is simply audited again.
type listMemory struct {
	mu   sync.Mutex
	last map[[32]byte][32]byte
}

// listMemoryCap bounds the memory; when full it starts again (and audits again).
const listMemoryCap = 10000

// changed records list as the one shown for key and reports whether it differs from the last.
func (m *listMemory) changed(key, list string) bool {
	k, l := sha256.Sum256([]byte(key)), sha256.Sum256([]byte(list))
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last == nil || len(m.last) >= listMemoryCap {
		m.last = map[[32]byte][32]byte{}
	}
	if prev, ok := m.last[k]; ok && prev == l {
		return false
	}
	m.last[k] = l
	return true
}
