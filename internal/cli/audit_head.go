package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"calldesk/internal/audit"
)

// auditHeadSettings are the settings of the audit chain's keyed and exported head (issue 20
// point 6), the same for serve, which keys and exports it, and audit verify, which checks it.
type auditHeadSettings struct{ key, file *string }

func headSettings(st *settings, verb string) auditHeadSettings {
	return auditHeadSettings{
		key: st.add("audit-key", "", "the secret (at least 32 bytes; keep it outside the database and its backups) under which the audit chain's head is keyed at each seal, so that someone with access to the database alone can neither recompute the chain nor delete its newest records unseen; "+verb, true, audit.CheckKey),
		file: st.add("audit-head", "", "a file outside the database (another disk or host, append-only where possible) where serve keeps the audit chain's newest head, and from which audit verify reads the head to check against (it takes the furthest calldesk-audit-head line, so a copy of serve's log will do too); empty: none", false, func(v string) error {
			if v == "" {
				return nil
			}
			if fi, err := os.Stat(filepath.Dir(v)); err != nil || !fi.IsDir() {
				return fmt.Errorf("its directory %s does not exist", filepath.Dir(v))
			}
			return nil
		}),
	}
}

func (h auditHeadSettings) Key() audit.Key {
	if *h.key == "" {
		return nil
	}
	return audit.Key(*h.key)
}
