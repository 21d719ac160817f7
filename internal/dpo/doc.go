// Package dpo keeps the Data Protection Officer's accountability records (issue 19; the
// university's data protection policy, 7.2 and 19): the records of processing (article 30) and
// the privacy notice generated from them (14.3, 14.5, 14.6), the evidence of compliance (7.2),
// and beside them the breach register, the disclosure log, consent records, processors and
// transfers, and DPIAs.
//
// Wherever calldesk itself knows the answer, the records are derived from the product rather than
// typed: the categories of personal data, their sources, retention periods and location come
// from the register of personal data (store.Register) and the retention schedule
// (store.RetentionRules), for the register tables each activity names, so they cannot drift from
// the schema. The DPO writes the rest through the console; every change is versioned and
// audited in the store.
package dpo
