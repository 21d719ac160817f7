// Package privacy holds calldesk's data-protection rules that are not storage or access:
// spotting text that looks like special-category personal data (UK GDPR Article 9, and criminal
// offence data, Article 10) where people write free text, so that the portal can warn before it
// is sent (S8, P8) and a call can be marked as holding it; and the retention schedule (S18, P15).
//
// # Retention
//
// The university's data protection policy says personal data must not be kept "for longer than is
// necessary" and must then be "destroyed or deleted" (clause 23.4), within the periods of the
// records retention schedule, and confidentially: "secure electronic deletion" (clause 23.5); the
// Supportworks privacy notice promises the same ("Retention of your personal data": "we will not
// retain it for longer than is necessary ... Specific retention periods are set out in the
// Supportworks Retention Policy"). calldesk holds that schedule as data (table retention_rules,
// edited by the Data Protection Officer alone at /admin/retention, where administrators may look
// and make a dry run; every change audited with its reason; the audit_records period is at
// least store.MinAuditMonths). One rule per record class: a period in months, the date it counts
// from, and the action at its end. The defaults shipped (migration 0019) are calldesk's
// proposal, to be confirmed against the university's records retention schedule:
//
//	class             period   from         action     what happens
//	special_category  1 year   call closed  anonymise  closed or cancelled calls marked special-category (S8): as closed_calls, sooner
//	closed_calls      6 years  call closed  anonymise  closed or cancelled calls: the personal data goes, the statistics stay
//	attachments       2 years  call closed  delete     files attached to closed or cancelled calls
//	diary_entries     6 years  call closed  anonymise  diary bodies blanked (or, with delete, the entries and their files deleted)
//	emails            2 years  created      anonymise  stored emails in and out: raw message, sender, subject and bodies blanked (or deleted)
//	subject_requests  2 years  closed       delete     subject requests done, refused or withdrawn, with their SAR bundles
//	leavers           1 year   left         anonymise  people the directory no longer lists, with no open call: erased (pseudonymised)
//	import_reports    1 year   created      delete     directory import runs' reports (rejected rows quote records); the latest of each source stays
//	lifted_holds      6 years  lifted       delete     legal holds since lifted (active holds stay while they are in force)
//	erasure_decisions 6 years  erased       anonymise  an erasure's reasons and who decided blanked; that the person was erased stays
//	breaches          6 years  closed       delete     closed breaches of the breach register, with their links to the people affected
//	disclosures       6 years  created      delete     the disclosure log's entries, from the request, with their links to the people
//	consents          6 years  withdrawn    delete     withdrawn consents (the details they covered were deleted on withdrawal)
//	processors        6 years  ended        delete     records of processors whose contract ended, with their transfers
//	dpias             6 years  retired      delete     retired DPIAs and legitimate-interest assessments, with risks and documents
//	audit_records     7 years  created      delete     the oldest links of the audit trail, a whole prefix of the chain at a time
//
// import_reports, lifted_holds and erasure_decisions came with migration 0035 (issue 15 point
// 10), breaches and disclosures with migration 0052 (issue 19), their reasons in the rules
// themselves. Each batch of a sweep is audited with the ids of the records it changed.
//
// Six years for calls is the limitation period for claims in contract (Limitation Act 1980 s.5),
// the usual reason to keep a service record; the audit trail outlives the calls it describes by a
// year so that what happened to a call can be shown for as long as the call exists.
//
// What anonymising a call means: summary "Anonymised call"; description, resolution, hold reason,
// cancel note, extra email and phone and every diary body blanked; the customer snapshot reduced
// to department and kind; attachments deleted; stored emails of the call emptied (the received
// message, its sender and subject; the bodies, recipient and subject of sent ones); the call
// removed from the full-text index; calls.anonymised_at set, so that it is never done twice.
// Times, counts, state, kind, categories, priority, group and analyst stay, for statistics. The
// link to the customer stays too: it carries no text, and the person record is dealt with by its
// own rule (leavers) or an erasure, which turns it into a pseudonym, so per-customer statistics
// keep working without identifying anyone.
//
// The portal's privacy summary and notice say how long calls are kept from the closed_calls
// rule as it stands ("six years after the call is closed, when it is anonymised"), so they follow
// a change of the rule.
//
// A due leaver is erased by store.ErasePerson (lawful basis: public task; ground: the retention
// period ended; the rule in the decision), one erasure per transaction, audited by the erasure.
// An erasure that fails (a hold placed meanwhile, say) is noted on the leavers line, not counted,
// and marks the run as having problems; the other leavers and the classes after still go.
// On SQLite the full-text index deletes an anonymised call's document by tombstone, so its words
// would stay in the index's older segments: anonymising asks for the search compaction job,
// which rewrites the index within a minute of the sweep.
//
// A legal hold on a call exempts the call, its diary, attachments and emails from every rule (and
// its customer from erasure, which is refused while the hold stands); a hold on a person exempts the person record, their calls as customer (with everything of those
// calls), their subject requests, and stored emails from or to their address. The audit trail is
// deleted only as a prefix of its chain, so it stops at the first record that concerns a held
// person or call.
//
// Restriction of processing (article 18) does not stop the schedule. Restriction means "store
// but do not process" and exists to keep data available while its accuracy or lawfulness is
// settled; it is not a reason to keep data beyond its period, and deleting or anonymising at the
// end of retention is what the policy requires (23.4). Where a restricted person's data is
// needed past its period (a claim, a complaint), the Data Protection Officer places a legal hold,
// which is the instrument made for that. So a restricted person's calls are anonymised on time,
// and a restricted leaver is erased on time, unless held.
//
// A sweep (calldesk retention, the daily task of calldesk serve, or "Dry run now" in the console)
// takes the classes in the order above: each class counts only what earlier classes left to it,
// so a dry run reports exactly what the real sweep would do. Each sweep's report (per class: the
// action, how many records, the oldest and newest start among them) is kept in retention_runs,
// dry runs too. The real sweep works in batches of a few hundred records per transaction, each
// re-checked inside its transaction, and each statement of its action repeats the conditions
// (so on PostgreSQL a hold placed or a call reopened since the re-check still wins), audited by
// one record naming the count and the ids' range; a leaver's erasure is audited by the erasure
// itself. Deleting the oldest audit records moves the chain's anchor, and the record of that
// deletion names the new anchor in its object id (type audit_anchor, "<seq>:<hash>"): audit
// verify accepts only the anchor the newest such record names.
package privacy
