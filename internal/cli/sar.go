package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
)

// sarMail reads a raw email for a SAR bundle: its headers and its text (privacy does not import
// the mail package; cli wires it in).
func sarMail(raw []byte) (privacy.EmailText, error) {
	m, err := mail.Parse(raw, mail.Limits{})
	if err != nil {
		return privacy.EmailText{}, err
	}
	join := func(as []mail.Address) string {
		s := make([]string, len(as))
		for i, a := range as {
			s[i] = a.String()
		}
		return strings.Join(s, ", ")
	}
	return privacy.EmailText{From: m.From.String(), To: join(m.To), Cc: join(m.Cc), Subject: m.Subject, Text: m.Text, Date: m.Date}, nil
}

// sarJob is the background task that builds queued SAR bundles and expires delivered ones.
// Its reports show times in zone; log is where a failed build is logged with its cause.
func sarJob(s *store.Store, e Env, zone *time.Location, log *slog.Logger) *privacy.SARJob {
	return &privacy.SARJob{Builder: &privacy.Builder{Store: s, Now: e.Now, ParseMail: sarMail, Zone: desk.ZoneOf(zone)}, Log: log}
}

const sarUsage = `Writes the subject access request bundle of one person to a file: the Data Protection
Officer's offline export. The bundle is final as written, with every other person's identifier
found in its free text kept redacted (the console's review lets the DPO release some). The file
is the same encrypted archive as the console's download (AES-256 zip, P12), never a clear zip:
its passphrase is printed once, here, and stored nowhere; give it to the person through another
channel than the archive (by phone, or in person). The export is recorded in the audit trail
against the person. It answers either the person's own access or portability request
(--request) or an approved disclosure to a third party that names them (--disclosure): a
person's data leaves calldesk for anyone else only through the disclosure log.`

func sarCmd(ctx context.Context, e Env, args []string) error {
	fs, st := flags(e, "sar", sarUsage)
	db := dbSetting(st)
	masterKeys := masterKeysSetting(st)
	person := fs.Int64("person", 0, "the person's id")
	out := fs.String("out", "", "the encrypted zip file to write")
	by := fs.String("by", "calldesk sar (command line)", "who exports, for the audit trail")
	request := fs.Int64("request", 0, "the id of the person's access or portability request the export answers")
	disclosure := fs.Int64("disclosure", 0, "the id of the approved disclosure (disclosure log) that names the person")
	zone := zoneSetting(st)
	if err := parse(fs, st, args); err != nil {
		return err
	}
	if *person <= 0 || *out == "" {
		return usageError{fmt.Errorf("say whose bundle and where: calldesk sar --person ID --out FILE.zip")}
	}
	s, err := openSealed(ctx, e, *db, false, masterKeys)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.ExportBasis(ctx, *person, *request, *disclosure); err != nil {
		return usageError{err}
	}
	f, err := os.OpenFile(*out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	start := e.Now()
	b := sarJob(s, e, location(*zone), nil).Builder
	bu, pass, err := b.Export(ctx, desk.Actor{Name: *by, Surface: desk.SurfaceSAR}, *person, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return err
	}
	fmt.Fprintf(e.Stdout, "wrote %s, encrypted (AES-256 zip, 7-Zip or WinZip opens it): %d calls, %d emails, %d files, %d audit records, %d redactions kept, in %d ms\n", *out,
		len(bu.Calls), len(bu.Emails), len(bu.Files), len(bu.Audit), len(bu.Redactions), e.Now().Sub(start).Milliseconds())
	fmt.Fprintf(e.Stdout, "passphrase, shown this once and stored nowhere: %s\n%s.\n", pass, privacy.PassphraseChannel)
	return nil
}
