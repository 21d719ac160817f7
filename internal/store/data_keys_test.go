package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/keys"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

func newRing(t *testing.T, lines ...string) *keys.Ring {
	t.Helper()
	r, err := keys.Parse([]byte(strings.Join(lines, "\n")), "test keys")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func genKey(t *testing.T) string {
	t.Helper()
	l, err := keys.Generate(rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func openWith(t *testing.T, dsn string, r *keys.Ring) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn, store.Options{Keys: r})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Content sealed under a call's data key opens with it, is not in the database as plain text, and
// once the key is shredded it cannot be opened by anyone (the content's copies are noise).
func TestDataKeysSealOpenShred(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			s := storetest.OpenDSN(t, engine, dsn, nil)
			secret := []byte("diagnosed with epilepsy last spring")
			k1, c1, err := s.SealForTest(ctx, store.KeyOwnerCall, 1, "calls.description", secret)
			if err != nil || k1 == 0 || bytes.Contains(c1, []byte("epilepsy")) {
				t.Fatalf("seal: key %d, %q, %v", k1, c1, err)
			}
			k1b, c1b, _ := s.SealForTest(ctx, store.KeyOwnerCall, 1, "calls.summary", []byte("seizures"))
			if k1b != k1 {
				t.Fatalf("a call's second field got key %d, not the call's %d", k1b, k1)
			}
			k2, c2, _ := s.SealForTest(ctx, store.KeyOwnerCall, 2, "calls.description", secret)
			if k2 == k1 || bytes.Equal(c1, c2) {
				t.Fatal("two calls share a key or a ciphertext")
			}
			if p, err := s.OpenForTest(ctx, k1, store.KeyOwnerCall, 1, "calls.description", c1); err != nil || !bytes.Equal(p, secret) {
				t.Fatalf("open: %q %v", p, err)
			}
			// Bound to its field and its owner: moved elsewhere it does not open.
			if _, err := s.OpenForTest(ctx, k1, store.KeyOwnerCall, 1, "calls.summary", c1); desk.ErrorCode(err) != desk.EINTERNAL {
				t.Fatalf("moved to another field: %v", err)
			}
			// A store without keys reads plain content as it is (key 0) and refuses sealed content.
			plain := openWith(t, dsn, nil)
			if p, err := plain.OpenForTest(ctx, 0, store.KeyOwnerCall, 1, "calls.summary", []byte("plain")); err != nil || string(p) != "plain" {
				t.Fatalf("plain: %q %v", p, err)
			}
			if _, err := plain.OpenForTest(ctx, k1, store.KeyOwnerCall, 1, "calls.summary", c1b); err == nil || !strings.Contains(err.Error(), "--master-keys-file") {
				t.Fatalf("no keys: %v", err)
			}
			n, err := s.ShredForTest(ctx, store.KeyOwnerCall, 1, 99)
			if err != nil || n != 1 {
				t.Fatalf("shred: %d %v", n, err)
			}
			for _, st := range []*store.Store{s, openWith(t, dsn, storetest.Keys(t))} { // this instance, and another
				if _, err := st.OpenForTest(ctx, k1, store.KeyOwnerCall, 1, "calls.description", c1); desk.ErrorCode(err) != desk.ENOTFOUND {
					t.Fatalf("shredded key still opens: %v", err)
				}
			}
			if p, err := s.OpenForTest(ctx, k2, store.KeyOwnerCall, 2, "calls.description", c2); err != nil || !bytes.Equal(p, secret) {
				t.Fatalf("the other call's content after the shred: %q %v", p, err)
			}
		})
	}
}

// Start-up refuses a database's encrypted content without its master key file, with a file that
// lacks the key its data keys are wrapped under, and with a different key under the same name.
func TestCheckKeysAtStartUp(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			mk := genKey(t)
			s := storetest.OpenDSN(t, engine, dsn, nil)
			s.SetKeys(newRing(t, mk))
			if err := s.CheckKeys(ctx); err != nil {
				t.Fatalf("an empty database with keys: %v", err)
			}
			if _, _, err := s.SealForTest(ctx, store.KeyOwnerMessage, 5, "mail_messages.raw", []byte("x")); err != nil {
				t.Fatal(err)
			}
			if err := s.CheckKeys(ctx); err != nil {
				t.Fatal(err)
			}
			id := strings.Fields(mk)[0]
			for _, c := range []struct {
				ring *keys.Ring
				want string
			}{
				{nil, "holds encrypted content (1 data keys)"},
				{newRing(t, genKey(t)), "lacks master key " + id},
				{newRing(t, id+" "+strings.Fields(genKey(t))[1]), "is not the key this database was written with"},
			} {
				if err := openWith(t, dsn, c.ring).CheckKeys(ctx); err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("check: %v, want %q", err, c.want)
				}
			}
		})
	}
}

// Rotation re-wraps every data key under the new master key while another instance, still on the
// old file, goes on making keys; the old key is retired once nothing uses it, and every sealed
// content still opens under the new file alone.
func TestRotateKeysUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			oldK, newK := genKey(t), genKey(t)
			writer := storetest.OpenDSN(t, engine, dsn, nil)
			writer.SetKeys(newRing(t, oldK))
			rotator := openWith(t, dsn, newRing(t, newK, oldK))
			type sealed struct {
				key   int64
				owner int64
				c     []byte
			}
			var mu sync.Mutex
			var all []sealed
			write := func(owner int64) {
				k, c, err := writer.SealForTest(ctx, store.KeyOwnerCall, owner, "calls.description", []byte(fmt.Sprint("text of ", owner)))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				all = append(all, sealed{k, owner, c})
				mu.Unlock()
			}
			for i := int64(1); i <= 30; i++ {
				write(i)
			}
			var wg sync.WaitGroup
			for w := int64(0); w < 3; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := int64(0); i < 20; i++ {
						write(100 + w*100 + i)
					}
				}()
			}
			actor := desk.System("calldesk keys rotate")
			for after := int64(0); ; {
				_, last, err := rotator.RotateKeys(ctx, actor, after, 7)
				if err != nil {
					t.Fatal(err)
				}
				if last == 0 {
					break
				}
				after = last
			}
			wg.Wait()
			// The writer, still on the old file, makes keys under the old master: it is still in use.
			for i := int64(900); i < 905; i++ {
				write(i)
			}
			oldID, newID := strings.Fields(oldK)[0], strings.Fields(newK)[0]
			if err := rotator.RetireMasterKey(ctx, actor, oldID); desk.ErrorCode(err) != desk.EINVALID {
				t.Fatalf("retired a key in use: %v", err)
			}
			for after := int64(0); ; {
				_, last, err := rotator.RotateKeys(ctx, actor, after, 50)
				if err != nil {
					t.Fatal(err)
				}
				if last == 0 {
					break
				}
				after = last
			}
			st, err := rotator.KeyStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range st {
				if want := map[string]int64{oldID: 0, newID: 95}[u.ID]; u.DataKeys != want {
					t.Errorf("%s wraps %d data keys, want %d (status %+v)", u.ID, u.DataKeys, want, st)
				}
			}
			if err := rotator.RetireMasterKey(ctx, actor, oldID); err != nil {
				t.Fatal(err)
			}
			only := openWith(t, dsn, newRing(t, newK))
			if err := only.CheckKeys(ctx); err != nil {
				t.Fatal(err)
			}
			if len(all) != 95 {
				t.Fatalf("%d sealed", len(all))
			}
			for _, x := range all {
				p, err := only.OpenForTest(ctx, x.key, store.KeyOwnerCall, x.owner, "calls.description", x.c)
				if err != nil || string(p) != fmt.Sprint("text of ", x.owner) {
					t.Fatalf("owner %d after rotation: %q %v", x.owner, p, err)
				}
			}
		})
	}
}

// The register's sealed columns and the columns rekey re-seals are the same, so that no sealed
// content is left under a shredded key by an erasure.
func TestSealedColumnsMatchTheRegister(t *testing.T) {
	var fromRegister []string
	for _, c := range store.Register() {
		if c.Sealed != "" {
			fromRegister = append(fromRegister, c.Table+"."+c.Column+" "+c.Sealed)
		}
	}
	got := store.SealedColumnsForTest()
	slices.Sort(fromRegister)
	slices.Sort(got)
	if !slices.Equal(fromRegister, got) {
		t.Fatalf("register marks sealed %v; rekey re-seals %v", fromRegister, got)
	}
}

// Two instances sealing the first content of one owner at once end with one data key, which
// opens both.
func TestDataKeyMadeOnceUnderRace(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			a := storetest.OpenDSN(t, engine, dsn, nil)
			b := openWith(t, dsn, storetest.Keys(t))
			for owner := int64(1); owner <= 20; owner++ {
				var wg sync.WaitGroup
				ids, cs := make([]int64, 2), make([][]byte, 2)
				errs := make([]error, 2)
				for i, s := range []*store.Store{a, b} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						ids[i], cs[i], errs[i] = s.SealForTest(ctx, store.KeyOwnerBundle, owner, "sar_bundles.zip", []byte{byte(i)})
					}()
				}
				wg.Wait()
				if errs[0] != nil || errs[1] != nil || ids[0] != ids[1] {
					t.Fatalf("owner %d: keys %v, errors %v", owner, ids, errs)
				}
				for i, s := range []*store.Store{b, a} {
					if p, err := s.OpenForTest(ctx, ids[i], store.KeyOwnerBundle, owner, "sar_bundles.zip", cs[i]); err != nil || !bytes.Equal(p, []byte{byte(i)}) {
						t.Fatalf("owner %d: %v %v", owner, p, err)
					}
				}
			}
		})
	}
}
