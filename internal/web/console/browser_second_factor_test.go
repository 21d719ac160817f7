package console_test

import (
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// TestBrowserSecondFactor (issue 20 item 2): a DPO (a role for which two-factor sign-in is
// mandatory) signs in with a password and is taken to enrolment: the QR code with the key
// written out beside it; a wrong code says so beside the field, the key unchanged; the right one
// shows the recovery codes. Signing in again asks for the code, typed and sent with the
// keyboard. Each page is checked with axe-core at 1280, 375 and 320 px.
func TestBrowserSecondFactor(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnvWith(t, se, func(c *console.Console) { c.Sessions.SecondFactorRoles = []desk.Role{desk.RoleDPO} })
	e.grant(se, e.f.Cat, "analyst,dpo")
	b := e.tab(t)
	b.Open("/queues/mine")
	b.signIn(e.f.Cat.Username)
	if !strings.HasPrefix(b.Path(), "/account/second-factor") {
		t.Fatalf("after the password: %s, want enrolment", b.Path())
	}
	b.MustSee("Your role needs two-factor sign-in", "type this key")
	b.Check("two-factor enrolment", "second-factor-enrol")
	secret := strings.ReplaceAll(b.Text("#secret"), " ", "")
	wrong := "000000"
	if totpCode(t, secret, e.clock.Now()) == wrong {
		wrong = "111111"
	}
	b.TypeInto("#code", wrong)
	b.SubmitKey("#code")
	b.MustSee("The code is wrong")
	if got := strings.ReplaceAll(b.Text("#secret"), " ", ""); got != secret {
		t.Fatalf("the key changed after a wrong code: %s, was %s", got, secret)
	}
	b.Check("two-factor enrolment with a wrong code", "second-factor-enrol-wrong")
	b.TypeInto("#code", totpCode(t, secret, e.clock.Now()))
	b.SubmitKey("#code")
	b.MustSee("Your recovery codes", "shown only now")
	if n := eval[int](b, `document.querySelectorAll('#recovery-codes li').length`); n != 10 {
		t.Fatalf("%d recovery codes shown", n)
	}
	b.Check("the recovery codes", "second-factor-codes")
	b.Click("#enrol-continue")
	if !strings.HasPrefix(b.Path(), "/queues/mine") {
		t.Fatalf("after enrolment: %s", b.Path())
	}

	// Signing in again asks for the code.
	e.clock.Advance(30 * time.Second)
	b2 := e.tab(t)
	b2.Open("/queues/mine")
	b2.Wait("#login")
	b2.TypeInto("#login", e.f.Cat.Username)
	b2.TypeInto("#password", password)
	b2.SubmitKey("#password")
	if !strings.HasPrefix(b2.Path(), "/signin/code") {
		t.Fatalf("after the password: %s, want the code", b2.Path())
	}
	b2.MustSee("six-digit code")
	b2.Check("the two-factor code", "second-factor-code")
	b2.TypeInto("#code", "12345")
	b2.SubmitKey("#code")
	b2.MustSee("The code is wrong")
	b2.Check("the two-factor code, wrong", "second-factor-code-wrong")
	eval[bool](b2, `document.querySelector('#code').value = ''; true`)
	b2.TypeInto("#code", totpCode(t, secret, e.clock.Now()))
	b2.SubmitKey("#code")
	if !strings.HasPrefix(b2.Path(), "/queues/mine") {
		t.Fatalf("after the code: %s: %s", b2.Path(), b2.Text("main"))
	}
}
