package store

import "calldesk/internal/desk"

// recordTextProblem says which text of a directory record the register cannot store (a NUL,
// bytes that are not UTF-8: desk.TextProblem) and why, or "" when all of it can be. Sources
// check their own cells and attributes first, naming their columns; this keeps any other
// caller of SyncPeople from failing a whole import on one record.
func recordTextProblem(r DirectoryRecord) string {
	p := r.Person
	for _, f := range directoryFields() {
		if problem := desk.TextProblem(*f.get(&p)); problem != "" {
			return "the " + f.col + " " + problem
		}
	}
	for _, f := range []struct{ what, v string }{{"directory key", p.DirectoryKey}, {"kind", string(p.Kind)},
		{"manager key", r.ManagerKey}, {"manager", r.ManagerRef}} {
		if problem := desk.TextProblem(f.v); problem != "" {
			return "the " + f.what + " " + problem
		}
	}
	return ""
}
