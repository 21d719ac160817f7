package console

import (
	"context"
	"errors"
	"net/http"
	"time"

	"calldesk/internal/desk"
)

// holdCall puts the call on hold until a time, with a reason. The time is typed in a
// datetime-local field and read in the desk's time zone, as the form says; it must be in the future.
func (c *Console) holdCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.act(w, r, v, "hold", func(ctx context.Context, in actionInput) error {
		tr := desk.Transition{Action: desk.ActHold, Reason: in.get("reason")}
		f := map[string]string{}
		switch s := in.get("until"); {
		case s == "":
			f["until"] = "is required"
		default:
			until, err := c.zone().ParseLocal(s)
			switch {
			case errors.Is(err, desk.ErrNotATime):
				f["until"] = "is not a date and time: pick one, or type it like " + c.now().Add(24*time.Hour).In(c.zone().Location()).Format(datetimeLocal)
			case err != nil: // a time the clocks skip
				f["until"] = err.Error()
			case !until.After(c.now()):
				f["until"] = "must be in the future (it is now " + c.when(c.now()) + ")"
			}
			tr.Until = until
		}
		if tr.Reason == "" {
			f["reason"] = "is required"
		}
		if err := desk.Invalid("cannot put the call on hold", f); err != nil {
			return err
		}
		_, err := c.Store.UpdateCall(ctx, v.Actor, in.Ref, in.Version, tr)
		return err
	})
}
