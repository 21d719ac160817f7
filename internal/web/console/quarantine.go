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

// Quarantine reads and releases quarantined messages for the console (package mail's Mailroom,
// wired by serve): the message's text, and a call made of it for a person.
type Quarantine interface {
	// Text returns the message's text and the addresses it is to (To and Cc).
	Text(ctx context.Context, id int64) (text string, recipients []string, err error)
	Release(ctx context.Context, actor desk.Actor, id, personID int64) (ref string, err error)
	// Calls returns the references of the calls the message names (its subject, the messages
	// it answers).
	Calls(ctx context.Context, id int64) (refs []string, err error)
}

// quarantineRoutes are the quarantine of incoming email, for support analysts (S13), present
// when mailboxes are configured.
func (c *Console) quarantineRoutes() []route {
	if c.Quarantine == nil {
		return nil
	}
	return []route{
		{"GET", "/mail/quarantine", access.ReadEmails, c.quarantine},
		{"POST", "/mail/quarantine/{id}/release", access.ReadEmails, c.quarantineRelease},
		{"POST", "/mail/quarantine/{id}/discard", access.ReadEmails, c.quarantineDiscard},
		{"GET", "/mail/log", access.ReadEmails, c.mailLog},
	}
}

// quarantineMax bounds the list; a longer quarantine is read a page at a time, oldest first.
const quarantineMax = 50

// quarantineItem is a quarantined message as the page shows it.
type quarantineItem struct {
	store.QuarantinedMail
	Text string
	// Person is what was typed to find the sender, and Error what was wrong with it, when a
	// release of this message was refused.
	Person, Error string
}

// quarantinePage lists the messages from senders calldesk does not know.
type quarantinePage struct {
	page
	Items  []quarantineItem
	Notice string
}

func (c *Console) quarantine(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showQuarantine(w, r, v, http.StatusOK, 0, "", "", r.URL.Query().Get("done"))
}

func (c *Console) showQuarantine(w http.ResponseWriter, r *http.Request, v *visit, status int, failedID int64, typed, problem, notice string) error {
	list, err := c.Store.Quarantine(r.Context(), quarantineMax)
	if err != nil {
		return err
	}
	pg := quarantinePage{page: c.page(v, "Email from unknown senders"), Notice: notice}
	pg.Section = "quarantine"
	var addrs []string         // the sender and recipients: those calldesk knows are named by the page
	reads := map[string]bool{} // by call reference: whether the visitor may read it
	for _, q := range list {
		text, to, err := c.Quarantine.Text(r.Context(), q.ID)
		if err != nil {
			return err
		}
		addrs = append(append(addrs, q.Sender), to...)
		if q, text, err = c.quarantinedFor(r.Context(), v, reads, q, text); err != nil {
			return err
		}
		it := quarantineItem{QuarantinedMail: q, Text: text}
		if q.ID == failedID {
			it.Person, it.Error = typed, problem
		}
		pg.Items = append(pg.Items, it)
	}
	if len(list) > 0 {
		// Reading the messages is reading personal data (P2).
		ids := make([]string, len(list))
		for i, q := range list {
			ids[i] = strconv.FormatInt(q.ID, 10)
		}
		persons, err := c.Store.PeopleNamedIn(r.Context(), addrs...)
		if err != nil {
			return err
		}
		if err := c.auditRead(v, "mail.view", "mail", "", persons, "quarantine: messages "+strings.Join(ids, ", ")); err != nil {
			return err
		}
	}
	return c.render(w, r, status, "quarantine", pg)
}

// quarantinedFor returns a quarantined message and its text as the visitor may read them: a
// message about a special-category call they may not read (a reply from a customer whose
// processing is restricted, say) shows the mask for its subject and text (access.ReadsCall);
// its sender, date and why it waits stay. reads caches the verdict by call reference.
func (c *Console) quarantinedFor(ctx context.Context, v *visit, reads map[string]bool, q store.QuarantinedMail, text string) (store.QuarantinedMail, string, error) {
	refs, err := c.Quarantine.Calls(ctx, q.ID)
	if err != nil {
		return q, text, err
	}
	for _, ref := range refs {
		ok, seen := reads[ref]
		if !seen {
			call, err := c.Store.FindCallByRef(ctx, ref)
			if err != nil {
				return q, text, err
			}
			rd, err := c.reader(ctx, v)
			if err != nil {
				return q, text, err
			}
			ok = access.ReadsCall(rd, call)
			reads[ref] = ok
		}
		if !ok {
			q.Subject = desk.SpecialMaskedSummary
			return q, desk.SpecialMasked, nil
		}
	}
	return q, text, nil
}

func quarantineID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, desk.Errorf(desk.ENOTFOUND, "%q is not a message", r.PathValue("id"))
	}
	return id, nil
}

// quarantineRelease makes a call of a message for the person typed (a username or an email
// address of the register).
func (c *Console) quarantineRelease(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := quarantineID(r)
	if err != nil {
		return err
	}
	typed := strings.TrimSpace(r.PostFormValue("person"))
	person, problem, err := c.findOne(r.Context(), typed)
	if err != nil {
		return err
	}
	if problem != "" {
		return c.showQuarantine(w, r, v, http.StatusUnprocessableEntity, id, typed, problem, "")
	}
	ref, err := c.Quarantine.Release(r.Context(), v.Actor, id, person.ID)
	if desk.ErrorCode(err) == desk.EINVALID {
		return c.showQuarantine(w, r, v, http.StatusUnprocessableEntity, id, typed, desk.Message(err), "")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/calls/"+ref, http.StatusSeeOther)
	return nil
}

// findOne finds the one person whose username or email is typed; problem says what is wrong
// otherwise.
func (c *Console) findOne(ctx context.Context, typed string) (desk.Person, string, error) {
	if typed == "" {
		return desk.Person{}, "Type the username or email address of the person the message is from.", nil
	}
	by := store.ByUsername
	if strings.Contains(typed, "@") {
		by = store.ByEmail
	}
	people, err := c.Store.FindPeopleByIdentity(ctx, by, typed)
	if err != nil {
		return desk.Person{}, "", err
	}
	switch len(people) {
	case 0:
		return desk.Person{}, "Nobody in the register has the " + string(by) + " " + typed + ".", nil
	case 1:
		return people[0], "", nil
	}
	return desk.Person{}, "Several people have the " + string(by) + " " + typed + ": use a username.", nil
}

func (c *Console) quarantineDiscard(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := quarantineID(r)
	if err != nil {
		return err
	}
	if err := c.Store.DiscardMail(r.Context(), v.Actor, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/mail/quarantine?done=discarded", http.StatusSeeOther)
	return nil
}
