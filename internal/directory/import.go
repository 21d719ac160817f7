package directory

import (
	"context"
	"fmt"

	"calldesk/internal/store"
)

// Source is a directory source: it reads everyone it lists, with the records it could not use.
// An error means the whole read failed (the server refused, the file is unusable): nothing is
// imported then.
type Source interface {
	Read(ctx context.Context) ([]Record, []Problem, error)
}

// Import reads src and takes its records into the person register (store.SyncPeople, one
// transaction): records are matched by key; a manager named by DN is found among the records;
// the records the source could not use are reported with the run and, listed as they still are,
// never make their people leavers.
func Import(ctx context.Context, st *store.Store, src Source, opt store.SyncOptions) (store.SyncResult, error) {
	recs, problems, err := src.Read(ctx)
	if err != nil {
		return store.SyncResult{}, err
	}
	return st.SyncPeople(ctx, ToStore(recs), withProblems(opt, problems))
}

// ToStore turns records into the store's, a manager named by DN given the key of the record
// with that DN (or, when no record has it, kept as ManagerRef for the report).
func ToStore(recs []Record) []store.DirectoryRecord {
	keyOfDN := map[string]string{}
	for _, r := range recs {
		if r.DN != "" {
			keyOfDN[normDN(r.DN)] = r.Key
		}
	}
	out := make([]store.DirectoryRecord, len(recs))
	for i, r := range recs {
		mk, ref := r.ManagerKey, ""
		if mk == "" && r.ManagerDN != "" {
			if mk = keyOfDN[normDN(r.ManagerDN)]; mk == "" {
				ref = r.ManagerDN // reported as not found, the manager left as it was
			}
		}
		out[i] = store.DirectoryRecord{Line: r.Line, ManagerKey: mk, ManagerRef: ref, KindIfNew: r.KindIfNew}
		p := &out[i].Person
		p.DirectoryKey, p.FirstName, p.LastName, p.Username, p.Email = r.Key, r.FirstName, r.LastName, r.Username, r.Email
		p.StudentNumber, p.Department, p.Phone, p.JobTitle, p.Kind = r.StudentNumber, r.Department, r.Phone, r.JobTitle, r.Kind
	}
	return out
}

func withProblems(opt store.SyncOptions, problems []Problem) store.SyncOptions {
	for _, p := range problems {
		line := fmt.Sprintf("line %d", p.Line)
		if p.Key != "" {
			line += fmt.Sprintf(" (key %q)", p.Key)
			opt.ProblemKeys = append(opt.ProblemKeys, p.Key)
		}
		opt.Problems = append(opt.Problems, line+": "+p.Reason)
	}
	return opt
}
