// Package sla is calldesk's service-level engine as pure functions: no database, no HTTP, no clock
// of its own (every function is given the instants it needs).
//
// The model:
//
//   - A [Calendar] says when the desk works: a time zone, weekly working hours (several spans a
//     weekday, 24x7 being 00:00-24:00 every day), UK bank holidays of a [Region] computed by rule
//     for any year ([BankHolidays]), and closures (named one-off dates, whole days or part days) that
//     administrators add. Working time is real elapsed time inside the working spans: a span's two
//     ends are wall-clock times read in the calendar's zone, so 08:00-18:00 is 10 hours on every
//     day, clock change days included, and 00:00-24:00 is 23 hours on the day the clocks go forward
//     and 25 hours on the day they go back (a 24x7 desk works the hour that happens twice, twice).
//     A span end that names a wall time the spring change skips is read as Go's [time.Date] reads
//     it (in Europe/London 01:30 on that day is 02:30 BST).
//   - [Calendar.Add] finds the deadline that is a working duration after an instant and
//     [Calendar.Elapsed] measures the working time between two instants; they are inverses (Add
//     then Elapsed gives the duration back) and step a day at a time, skipping whole weeks without
//     closures or clock changes, within a bounded horizon ([Horizon]).
//   - A [Rule] is a service-level target: a priority, optionally a problem profile (and its
//     subtree) and a customer kind; respond-within and resolve-within in working time, which event
//     stops the respond clock, and which states pause each clock. [Choose] picks the most specific
//     rule for a call and says why.
//   - [Evaluate] replays a call's history ([Event]s) against the chosen rule and its calendar and
//     reports, per target, the deadline, the working time used and left, the pauses, and whether
//     the target was met or breached and by how much. The facts a rule is chosen by (priority,
//     profile, customer kind) are the call's current ones: a changed priority or profile applies
//     its target to the whole elapsed time, as Supportworks and ServiceNow do by default.
//   - [Crossings] says which warning thresholds (50%, 75%, 100% of the allowed time) a clock has
//     crossed and when the next will be, so a job can schedule its escalations.
package sla
