package console

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Imports runs a directory source's import for an administrator who confirms one the guard rail
// held (package cli wires it to the import configuration).
type Imports interface {
	Confirm(ctx context.Context, actor desk.Actor, source string, run int64) (store.SyncResult, error)
}

// adminImportRoutes are the directory imports' runs, for administrators.
func (c *Console) adminImportRoutes() []route {
	return []route{
		{"GET", "/admin/imports", access.Administer, c.adminImports},
		{"POST", "/admin/imports/{source}/confirm", access.Administer, c.adminImportConfirm},
	}
}

// adminImportsPage lists the latest import runs, the held ones first to be seen.
type adminImportsPage struct {
	page
	Runs       []store.ImportRun
	CanConfirm bool
	Done       *store.SyncResult // the import just confirmed
	DoneSource string
}

const importRunsShown = 100

func (c *Console) adminImports(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showImports(w, r, v, nil, "")
}

func (c *Console) showImports(w http.ResponseWriter, r *http.Request, v *visit, done *store.SyncResult, source string) error {
	runs, err := c.Store.ImportRuns(r.Context(), importRunsShown)
	if err != nil {
		return err
	}
	if len(runs) > 0 {
		// The reports name people (the keys of rejected records, addresses in the reasons): the
		// page is a read of their data (P2).
		texts := make([]string, 0, 2*len(runs))
		ids := make([]string, len(runs))
		for i, run := range runs {
			texts = append(texts, run.Reason, run.Problems)
			ids[i] = strconv.FormatInt(run.ID, 10)
		}
		persons, err := c.Store.PeopleNamedIn(r.Context(), texts...)
		if err != nil {
			return err
		}
		if len(persons) > 0 {
			if err := c.auditRead(v, "import.view", "import", "", persons, "imports: reports of runs "+strings.Join(ids, ", ")); err != nil {
				return err
			}
		}
	}
	pg := adminImportsPage{page: c.page(v, "Directory imports"), Runs: runs, CanConfirm: c.Imports != nil, Done: done, DoneSource: source}
	pg.Section = "imports"
	return c.render(w, r, http.StatusOK, "adminimports", pg)
}

// adminImportConfirm runs a held source's import past the guard rail, as the administrator's
// confirmation, and shows what it did.
func (c *Console) adminImportConfirm(w http.ResponseWriter, r *http.Request, v *visit) error {
	if c.Imports == nil {
		return desk.Errorf(desk.ENOTFOUND, "no import configuration: imports run with calldesk import")
	}
	source := r.PathValue("source")
	run, err := strconv.ParseInt(r.PostFormValue("run"), 10, 64)
	if err != nil || run <= 0 {
		return desk.Errorf(desk.EINVALID, "the confirmation does not say which run of %s it confirms: open the Imports page again and confirm from there", source)
	}
	res, err := c.Imports.Confirm(r.Context(), v.Actor, source, run)
	if err != nil {
		return err
	}
	return c.showImports(w, r, v, &res, source)
}
