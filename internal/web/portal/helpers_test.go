package portal_test

import (
	"strconv"

	"calldesk/internal/store"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func storeAudit(person int64) store.AuditFilter {
	return store.AuditFilter{PersonID: person, Limit: 500}
}

func storeFilter(customer int64) store.CallFilter { return store.CallFilter{CustomerID: customer} }
