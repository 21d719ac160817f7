package store_test

import (
	"context"
	"strings"
	"testing"

	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestMigrateUniqueIdentities (issue 13 points 10, 16): migration 0025 makes usernames and
// email addresses unique whatever their letter case. A database that already holds such a
// clash is not changed: Migrate stops before the migration, naming the clashes, their people
// and what to do, and the migration runs once they are resolved. Both engines.
func TestMigrateUniqueIdentities(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s, raw := migrated(t, engine)
			insert := `INSERT INTO people (first_name, last_name, username, email, kind, source, directory_key, created_at, updated_at)
				VALUES (?, ?, ?, ?, 'staff', 'manual', ?, 0, 0)`
			raw.MustExec(t, insert, "Olu", "Johnson", "ojohnson", "olu.johnson@uni.example", "E1")
			// Migrated: a case variant is refused by the database itself.
			if _, err := raw.Exec(raw.Rebind(insert), "Oscar", "Johnson", "OJOHNSON", "", "E2"); err == nil {
				t.Fatal("OJOHNSON stored beside ojohnson")
			}
			if _, err := raw.Exec(raw.Rebind(insert), "Oscar", "Johnson", "oscar", "Olu.Johnson@UNI.example", "E2"); err == nil {
				t.Fatal("Olu.Johnson@UNI.example stored beside olu.johnson@uni.example")
			}
			// Two people with nothing (erased, or never given) do not clash.
			raw.MustExec(t, insert, "Erased", "One", "", "", "")
			raw.MustExec(t, insert, "Erased", "Two", "", "", "")

			// A database from before 0025 that holds clashes.
			raw.MustExec(t, `DROP INDEX people_username_lower`)
			raw.MustExec(t, `DROP INDEX people_email_lower`)
			raw.MustExec(t, `CREATE INDEX people_email ON people(lower(email)) WHERE email <> ''`)
			// Migrate applies what is newer than the newest applied: the migrations after 0025
			// are undone too (0026: import_runs.digest).
			undoMigrationsFrom(t, raw, 28)
			raw.MustExec(t, `ALTER TABLE import_runs DROP COLUMN digest`)
			// (0027: mail_messages.digest and its indexes, mail_recipients.)
			raw.MustExec(t, `DROP TABLE mail_recipients`)
			raw.MustExec(t, `DROP INDEX mail_messages_id_digest`)
			raw.MustExec(t, `DROP INDEX mail_messages_entry`)
			raw.MustExec(t, `ALTER TABLE mail_messages DROP COLUMN digest`)
			raw.MustExec(t, `DELETE FROM schema_migrations WHERE version >= 25`)
			raw.MustExec(t, insert, "Oscar", "Johnson", "OJOHNSON", "oscar@uni.example", "E2")
			raw.MustExec(t, insert, "Olive", "Johnson", "olive", "OLU.JOHNSON@uni.example", "")
			applied, err := s.Migrate(ctx)
			if err == nil || len(applied) != 0 {
				t.Fatalf("Migrate over clashes: applied %v, err %v", applied, err)
			}
			for _, want := range []string{
				"migration 0025_unique_identities cannot run",
				"2 usernames or email addresses are each held by more than one person",
				`the username "ojohnson" by person 1 (directory key "E1") and "OJOHNSON" by person`,
				`the email address "olu.johnson@uni.example" by person 1 (directory key "E1") and "OLU.JOHNSON@uni.example" by person`,
				"Nothing was changed", "run calldesk migrate again",
			} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error lacks %q: %v", want, err)
				}
			}
			if n := raw.Count(t, `SELECT COUNT(*) FROM people WHERE username = 'OJOHNSON' AND email = 'oscar@uni.example'`); n != 1 {
				t.Error("the clashing person was changed")
			}
			if err := s.CheckSchema(ctx); err == nil {
				t.Error("CheckSchema passes a database that did not take 0025")
			}
			// Resolved by hand: the migration runs.
			raw.MustExec(t, `UPDATE people SET username = 'ojohnson2' WHERE username = 'OJOHNSON'`)
			raw.MustExec(t, `UPDATE people SET email = '' WHERE username = 'olive'`)
			if applied, err := s.Migrate(ctx); err != nil || len(applied) == 0 || applied[0] != 25 {
				t.Fatalf("Migrate once resolved: applied %v, err %v", applied, err)
			}
			if _, err := raw.Exec(raw.Rebind(insert), "Oscar", "Johnson", "OJohnson2", "", "E3"); err == nil {
				t.Fatal("OJohnson2 stored beside ojohnson2 after the migration")
			}
		})
	}
}

// migrated opens a fresh database of engine with every migration applied, and a raw handle on
// it, for a test that undoes a migration by hand and runs it again over records of before.
func migrated(t *testing.T, engine string) (*store.Store, *storetest.RawDB) {
	t.Helper()
	ctx := context.Background()
	dsn := storetest.DSN(t, engine)
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s, storetest.Raw(t, engine, dsn)
}

// undoMigrationsFrom undoes, by hand, what migration from and those after it added that cannot
// simply run again (SQLite cannot add a column only if it is missing), and forgets them, for the
// tests that run those migrations again over records of before: 0030 sar_redactions.context and
// link, 0031 the shred flag, 0032 audit_log.rewrites and its people index, 0033
// calls.triage_pending (the search documents are rebuilt anyway), 0034 audit_log.surface, 0035
// three retention classes, 0036 the decoded texts, 0037 saved views and canned replies, 0038
// password_resets and call_withdrawals, 0040 the service-level tables, 0041 the calls' service levels, 0049 the first-line mark and the calls'
// reassignments and resolvers, 0057 call_sla.priority and its report indexes, 0058 and 0059 the key columns of sealed content, 0060
// the grants' processor, 0061 the data keys' master index (made again, for its DROP), 0062 the redactions' key column, 0063 the
// index of plain special-category calls. (0028 and
// 0029 run again as they are.) A later migration that a re-run
// would trip on goes here.
func undoMigrationsFrom(t *testing.T, raw *storetest.RawDB, from int) {
	t.Helper()
	for _, u := range []struct {
		version int
		sql     string
	}{
		{63, `DROP INDEX calls_special_plain`},
		{62, `ALTER TABLE sar_redactions DROP COLUMN key_id`},
		{61, `CREATE INDEX data_keys_master ON data_keys (master_id)`},
		{59, `ALTER TABLE calls DROP COLUMN key_id`},
		{59, `ALTER TABLE diary_entries DROP COLUMN key_id`},
		{59, `ALTER TABLE sar_bundles DROP COLUMN key_id`},
		{59, `ALTER TABLE second_factors DROP COLUMN key_id`},
		{58, `DROP INDEX attachments_key`},
		{58, `DROP INDEX mail_messages_key`},
		{58, `ALTER TABLE attachments DROP COLUMN key_id`},
		{58, `ALTER TABLE mail_messages DROP COLUMN key_id`},
		{30, `ALTER TABLE sar_redactions DROP COLUMN context`},
		{30, `ALTER TABLE sar_redactions DROP COLUMN link`},
		{31, `DELETE FROM maintenance WHERE name = 'shred'`},
		{32, `DROP INDEX audit_persons_audit`},
		{32, `ALTER TABLE audit_log DROP COLUMN rewrites`},
		{33, `ALTER TABLE calls DROP COLUMN triage_pending`},
		{34, `ALTER TABLE audit_log DROP COLUMN surface`},
		{35, `DELETE FROM retention_rules WHERE class IN ('import_reports', 'lifted_holds', 'erasure_decisions')`},
		{35, `DROP INDEX import_runs_started`},
		{35, `DROP INDEX legal_holds_lifted`},
		{36, `ALTER TABLE mail_messages DROP COLUMN raw_text`},
		{36, `ALTER TABLE attachments DROP COLUMN data_text`},
		{37, `DROP TABLE saved_views`},
		{37, `DROP TABLE canned_replies`},
		{38, `DROP TABLE call_withdrawals`},
		{38, `DROP TABLE password_resets`},
		{40, `DROP TABLE sla_profile_calendars`},
		{40, `DROP TABLE sla_group_calendars`},
		{40, `DROP TABLE sla_rules`},
		{40, `DROP TABLE sla_closures`},
		{40, `DROP TABLE sla_calendars`},
		{57, `DROP INDEX call_sla_respond_settled`},
		{57, `DROP INDEX call_sla_resolve_settled`},
		{57, `ALTER TABLE call_sla DROP COLUMN priority`},
		{43, `DROP INDEX call_sla_escalate`},
		{43, `ALTER TABLE call_sla DROP COLUMN escalate_at`},
		{41, `DROP TABLE call_sla`},
		{41, `DROP TABLE sla_config`},
		{42, `DROP TABLE sla_escalations_fired`},
		{42, `DROP TABLE sla_escalation_points`},
		{42, `ALTER TABLE group_members DROP COLUMN lead`},
		{44, `DROP TABLE report_subscriptions`},
		{45, `DROP TABLE wallboards`},
		{46, `DROP INDEX calls_resolved_since`},
		{60, `DROP INDEX supplier_grants_processor`},
		{60, `ALTER TABLE supplier_grants DROP COLUMN processor_id`},
		{56, `DROP TABLE data_keys`},
		{56, `DROP TABLE master_keys`},
		{55, `DROP TABLE audit_head`},
		{57, `DROP INDEX IF EXISTS calls_resolved_since`}, // it covers 0049's columns: before they go
		{49, `ALTER TABLE support_groups DROP COLUMN first_line`},
		{49, `ALTER TABLE calls DROP COLUMN reassigned`},
		{49, `ALTER TABLE calls DROP COLUMN resolved_by`},
		{52, `DELETE FROM retention_rules WHERE class IN ('breaches', 'disclosures')`},
		{52, `DROP TABLE breach_escalations`},
		{52, `DROP TABLE breach_people`},
		{52, `DROP TABLE breaches`},
		{52, `DROP TABLE disclosure_people`},
		{52, `DROP TABLE disclosures`},
		{51, `DROP TABLE audit_verifications`},
		{51, `ALTER TABLE calls DROP COLUMN notice_version`},
		{51, `DROP TABLE privacy_notices`},
		{51, `DROP TABLE processing_versions`},
		{51, `DROP TABLE processing_activities`},
		{54, `DROP TABLE supplier_grants`},
		{54, `DROP TABLE recovery_codes`},
		{54, `DROP TABLE second_factors`},
		{54, `ALTER TABLE sessions DROP COLUMN pending`},
		{53, `DELETE FROM retention_rules WHERE class IN ('consents', 'processors', 'dpias')`},
		{53, `DROP TABLE person_contacts`},
		{53, `DROP TABLE consents`},
		{53, `DROP TABLE consent_wordings`},
		{53, `DROP TABLE processor_transfers`},
		{53, `DROP TABLE processors`},
		{53, `DROP TABLE dpia_risks`},
		{53, `DROP TABLE dpia_files`},
		{53, `DROP TABLE dpias`},
	} {
		if u.version >= from {
			raw.MustExec(t, u.sql)
		}
	}
	raw.MustExec(t, `DELETE FROM schema_migrations WHERE version >= ?`, from)
}
