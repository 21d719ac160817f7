package directory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"

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
// never make their people leavers. The run records a digest of what the source gave (digest): an
// import forced past the guard rail (opt.Force) goes in only as the confirmation of the source's
// latest run, held, having read the same (the export unchanged since it was reviewed).
func Import(ctx context.Context, st *store.Store, src Source, opt store.SyncOptions) (store.SyncResult, error) {
	recs, problems, err := src.Read(ctx)
	if err != nil {
		return store.SyncResult{}, err
	}
	opt.Digest = digest(recs, problems)
	res, err := st.SyncPeople(ctx, ToStore(recs), withProblems(opt, problems))
	if err == nil {
		// A big import changes many people rows: the planner's statistics are refreshed now
		// (issue 22 point 4). A failure leaves them as stale as they were; the hourly run tries again.
		_ = st.Optimize(ctx)
	}
	return res, err
}

// placeNumbers are the runs of digits in a problem's reason, left out of the digest.
var placeNumbers = regexp.MustCompile(`[0-9]+`)

// digest identifies what a source gave, records and problems (SHA-256, hex): the same people
// with the same fields, and the same rows refused for the same reasons, give the same digest
// whatever their order (a directory server's answers come in any) and their lines (which only
// place them in reports). Anything else, one field of one person, gives another.
func digest(recs []Record, problems []Problem) string {
	lines := make([]string, 0, len(recs)+len(problems))
	for _, r := range recs {
		r.Line = 0
		b, _ := json.Marshal(r) // strings only: cannot fail
		lines = append(lines, "r"+string(b))
	}
	for _, p := range problems {
		// A problem's reason may name places as well as its line ("is also on entry 3": the
		// order an LDAP server answered in), so its numbers do not count: the key and the
		// words do.
		p.Line, p.Reason = 0, placeNumbers.ReplaceAllString(p.Reason, "#")
		b, _ := json.Marshal(p)
		lines = append(lines, "p"+string(b))
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
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
