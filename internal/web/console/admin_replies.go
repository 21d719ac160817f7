package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Canned replies (issue 16): administrators keep named templates of public updates and
// resolutions, for one group or every group, at /admin/replies; analysts pick one in a call's
// update or resolve form, which is filled in (customer's first name, call reference) and can be
// edited before it is sent. The store audits every change.

func (c *Console) adminReplyRoutes() []route {
	return []route{
		{"GET", "/admin/replies", access.Administer, c.showReplies},
		{"POST", "/admin/replies", access.Administer, c.saveReply},
		{"GET", "/admin/replies/{id}", access.Administer, c.editReply},
		{"POST", "/admin/replies/{id}", access.Administer, c.saveReply},
		{"POST", "/admin/replies/{id}/delete", access.Administer, c.deleteReply},
	}
}

// repliesPage is /admin/replies (the list and the form for a new reply) or /admin/replies/{id}
// (the form for one reply).
type repliesPage struct {
	page
	Replies   []store.CannedReply
	Names     *names
	Form      replyForm
	ErrorList []fieldError
	Done      string
}

// replyForm is the form of one canned reply, as typed.
type replyForm struct {
	ID                      int64 // 0: a new reply
	Name, Kind, Body, Group string
	// Updated is when the reply was last changed, as the form shows it (microseconds): the
	// change is refused if it was changed since.
	Updated string
	Errors  map[string]string
}

// KindWords names a kind of reply.
func (p repliesPage) KindWords(kind string) string {
	if kind == store.ReplyResolution {
		return "Resolution"
	}
	return "Public update"
}

func (c *Console) repliesPage(ctx context.Context, v *visit, title string) (repliesPage, error) {
	nm, err := c.names(ctx)
	if err != nil {
		return repliesPage{}, err
	}
	rs, err := c.Store.CannedReplies(ctx, nil)
	if err != nil {
		return repliesPage{}, err
	}
	p := repliesPage{page: c.page(v, title), Replies: rs, Names: nm, Form: replyForm{Kind: store.ReplyUpdate, Errors: map[string]string{}}}
	p.Section = "replies"
	return p, nil
}

func (c *Console) showReplies(w http.ResponseWriter, r *http.Request, v *visit) error {
	p, err := c.repliesPage(r.Context(), v, "Canned replies")
	if err != nil {
		return err
	}
	p.Done = map[string]string{"created": "The canned reply is saved: analysts can pick it now.", "saved": "The canned reply is changed.",
		"deleted": "The canned reply is deleted."}[r.URL.Query().Get("done")]
	return c.render(w, r, http.StatusOK, "adminreplies", p)
}

func replyID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, desk.Errorf(desk.ENOTFOUND, "there is no canned reply %q", r.PathValue("id"))
	}
	return id, nil
}

func (c *Console) editReply(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := replyID(r)
	if err != nil {
		return err
	}
	reply, err := c.Store.FindCannedReply(r.Context(), id)
	if err != nil {
		return err
	}
	p, err := c.repliesPage(r.Context(), v, "Change the canned reply "+reply.Name)
	if err != nil {
		return err
	}
	p.Replies = nil
	p.Form = replyForm{ID: id, Name: reply.Name, Kind: reply.Kind, Body: reply.Body, Group: idValue(reply.GroupID),
		Updated: strconv.FormatInt(reply.UpdatedAt.UnixMicro(), 10), Errors: map[string]string{}}
	return c.render(w, r, http.StatusOK, "adminreplies", p)
}

// replyFields are the reply form's fields: name, control id and label, in the order of the form.
func replyFields() []struct{ name, id, label string } {
	return []struct{ name, id, label string }{
		{"name", "reply-name", "Name"}, {"kind", "reply-kind-update", "Kind"}, {"group_id", "reply-group", "Group"}, {"body", "reply-body", "Text"},
	}
}

// saveReply creates a reply (POST /admin/replies) or changes one (POST /admin/replies/{id}).
func (c *Console) saveReply(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = replyID(r); err != nil {
			return err
		}
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read: %v", err)
	}
	f := r.PostForm
	reply := store.CannedReply{ID: id, Name: f.Get("name"), Kind: f.Get("kind"), Body: f.Get("body")}
	if us, err := strconv.ParseInt(f.Get("updated"), 10, 64); err == nil && us > 0 && id != 0 {
		reply.UpdatedAt = time.UnixMicro(us).UTC()
	}
	fields := map[string]string{}
	if g := f.Get("group_id"); g != "" {
		n, err := strconv.ParseInt(g, 10, 64)
		if err != nil || n <= 0 {
			fields["group_id"] = "is not one of the choices"
		}
		reply.GroupID = n
	}
	err := desk.Invalid("the canned reply cannot be saved", fields)
	done := "created"
	if err == nil && id == 0 {
		_, err = c.Store.CreateCannedReply(ctx, v.Actor, reply)
	} else if err == nil {
		_, err = c.Store.UpdateCannedReply(ctx, v.Actor, reply)
		done = "saved"
	}
	if err == nil {
		return seeOther(w, r, "/admin/replies?done="+done)
	}
	de := desk.AsError(err)
	if de == nil || (de.Code != desk.EINVALID && de.Code != desk.ECONFLICT) {
		return err
	}
	status := http.StatusUnprocessableEntity
	updated := f.Get("updated")
	if de.Code == desk.ECONFLICT {
		// The form keeps what was typed and now carries the reply's current time: sent again,
		// it replaces the other change knowingly; the summary says what happened.
		status = http.StatusConflict
		now, ferr := c.Store.FindCannedReply(ctx, id)
		if ferr != nil {
			return ferr
		}
		updated = strconv.FormatInt(now.UpdatedAt.UnixMicro(), 10)
	}
	title := "Canned replies"
	if id != 0 {
		title = "Change the canned reply"
	}
	p, perr := c.repliesPage(ctx, v, "Error: "+title)
	if perr != nil {
		return perr
	}
	if id != 0 {
		p.Replies = nil
	}
	p.Form = replyForm{ID: id, Name: f.Get("name"), Kind: f.Get("kind"), Body: f.Get("body"), Group: f.Get("group_id"), Updated: updated, Errors: map[string]string{}}
	for _, fo := range replyFields() {
		if msg, ok := de.Fields[fo.name]; ok {
			p.Form.Errors[fo.name] = fo.label + ": " + msg
			p.ErrorList = append(p.ErrorList, fieldError{ID: fo.id, Message: fo.label + ": " + msg})
		}
	}
	if len(p.ErrorList) == 0 {
		msg := sentence(de.Message)
		if de.Code == desk.ECONFLICT {
			msg += ": your changes were not saved. Open the reply in a new tab to see it as it is now; save this form again to replace it with yours"
		}
		p.ErrorList = []fieldError{{ID: "reply-name", Message: msg}}
	}
	return c.render(w, r, status, "adminreplies", p)
}

func (c *Console) deleteReply(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := replyID(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" {
		reply, err := c.Store.FindCannedReply(r.Context(), id)
		if err != nil {
			return err
		}
		p := confirmPage{page: c.page(v, "Delete the canned reply "+reply.Name+"?"), Question: "Delete the canned reply “" + reply.Name + "”?",
			Explain: "Analysts will no longer be offered it. Updates and resolutions already sent from it stay in their calls' diaries.",
			Action:  "/admin/replies/" + strconv.FormatInt(id, 10) + "/delete", Button: "Yes, delete it", Back: "/admin/replies"}
		p.Section = "replies"
		return c.render(w, r, http.StatusOK, "confirmdelete", p)
	}
	if err := c.Store.DeleteCannedReply(r.Context(), v.Actor, id); err != nil {
		return err
	}
	return seeOther(w, r, "/admin/replies?done=deleted")
}

// replyPick is the canned-reply picker of a call's update or resolve form.
type replyPick struct {
	Ref     string
	For     string // update or resolve: the form it fills
	Replies []store.CannedReply
	Chosen  string
}

// Replies is the picker of the form for action (update or resolve): the canned replies of the
// kind, for every group, the call's group and the analyst's groups.
func (p callPage) Replies(action string) replyPick {
	kind := store.ReplyUpdate
	if action == "resolve" {
		kind = store.ReplyResolution
	}
	out := replyPick{Ref: p.Call.Ref, For: action, Chosen: p.pickedReply}
	for _, r := range p.replies {
		if r.Kind == kind {
			out.Replies = append(out.Replies, r)
		}
	}
	return out
}

// cannedReplies loads the canned replies the call page offers and, when the page was asked for
// one (?reply=ID&for=update|resolve, the picker's GET form), fills that form's text with it.
func (c *Console) cannedReplies(ctx context.Context, q url.Values, p *callPage) error {
	groups := append([]int64{}, p.myGroups...)
	if p.Call.GroupID != 0 {
		groups = append(groups, p.Call.GroupID)
	}
	rs, err := c.Store.CannedReplies(ctx, groups)
	if err != nil {
		return err
	}
	p.replies = rs
	id, _ := strconv.ParseInt(q.Get("reply"), 10, 64)
	action := q.Get("for")
	field := map[string]string{"update": "update.text", "resolve": "resolve.resolution"}[action]
	if id <= 0 || field == "" || !p.Can(action) {
		return nil
	}
	for _, r := range p.Replies(action).Replies {
		if r.ID != id {
			continue
		}
		first := ""
		if p.Call.CustomerID != 0 {
			cust, err := c.Store.FindPerson(ctx, p.Call.CustomerID)
			if err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
				return err
			}
			// A person known by one name only (held as the last name) is greeted by it, not
			// as "there".
			if first = cust.FirstName; first == "" {
				first = cust.Name()
			}
		}
		if first == "" {
			first = "there" // "Hello there" for a call without a known customer
		}
		p.defaults[field] = r.Fill(first, p.Call.Ref)
		p.picked, p.pickedReply = action, strconv.FormatInt(id, 10)
	}
	return nil
}

// confirmPage asks before something is deleted: what, what follows, and a way back.
type confirmPage struct {
	page
	Question, Explain    string
	Action, Button, Back string
}
