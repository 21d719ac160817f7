package audit

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"calldesk/internal/store"
)

// Issue 20 point 6: the chain's head, keyed and exported. A hash chain alone cannot stop someone
// with write access to the database from recomputing every link after a change, or from deleting
// the newest records with their links: the chain they leave is whole. Two things stop them:
//   - the keyed head: at each seal the sealer records the newest link with an HMAC under a key
//     kept outside the database (--audit-key); without the key no other head can be forged, so a
//     recomputed chain no longer matches the head, and a cut one no longer reaches it;
//   - the exported head: the same line written outside the database (--audit-head, and the
//     log), so that even a head rolled back to an older one, saved before, is caught.

// MinKeyLen is the shortest audit key accepted, in bytes.
const MinKeyLen = 32

// Key is the secret the chain's head is keyed with.
type Key []byte

// CheckKey says what is wrong with an audit key, nil when it will do ("" is no key).
func CheckKey(v string) error {
	if v != "" && len(v) < MinKeyLen {
		return fmt.Errorf("the audit key is %d bytes; it must be at least %d (e.g. head -c 32 /dev/urandom | base64)", len(v), MinKeyLen)
	}
	return nil
}

// MAC is the HMAC-SHA256 of chain link seq with hash, under k, in lower-case hex.
func (k Key) MAC(seq int64, hash string) string {
	m := hmac.New(sha256.New, k)
	fmt.Fprintf(m, "calldesk audit head v1\n%d\n%s", seq, hash)
	return hex.EncodeToString(m.Sum(nil))
}

// valid reports whether mac is k's MAC of the head.
func (k Key) valid(h store.AuditHead) bool {
	want, _ := hex.DecodeString(k.MAC(h.Seq, h.Hash))
	got, err := hex.DecodeString(h.MAC)
	return err == nil && hmac.Equal(want, got)
}

// KeyHead records the chain's newest link as its keyed head (once sealed records moved it on)
// and returns the head.
func KeyHead(ctx context.Context, s *store.Store, k Key) (store.AuditHead, bool, error) {
	h, ok, err := s.KeyAuditHead(ctx, k.MAC)
	if err != nil {
		return h, ok, fmt.Errorf("key the audit chain's head: %w", err)
	}
	return h, ok, nil
}

// Head returns the chain's newest link: keyed (KeyHead) when k is given, else with no MAC.
func Head(ctx context.Context, s *store.Store, k Key) (store.AuditHead, bool, error) {
	if k != nil {
		return KeyHead(ctx, s, k)
	}
	_, _, end, err := s.AuditLinkHash(ctx, 0)
	if err != nil || end == 0 {
		return store.AuditHead{}, false, err
	}
	hash, found, _, err := s.AuditLinkHash(ctx, end)
	if err != nil || !found {
		return store.AuditHead{}, false, err
	}
	return store.AuditHead{Seq: end, Hash: hash, At: s.Now()}, true, nil
}

// Exporter keys the chain's head after each seal and exports it outside the database: to File
// (replaced at each move of the head) and to Log (at most once every LogEvery, and by Final).
type Exporter struct {
	Store    *store.Store
	Key      Key    // nil: the head is exported without a MAC, and not keyed in the database
	File     string // "": no file
	Log      *slog.Logger
	LogEvery time.Duration
	last     store.AuditHead
	logged   time.Time
}

// Run keys and exports the head as it stands now, after a seal that sealed n records: once the
// head is exported, a seal that sealed none does not move it. It runs from one goroutine.
func (x *Exporter) Run(ctx context.Context, n int) error {
	if (x.Key == nil && x.File == "") || (n == 0 && x.last.Seq > 0) {
		return nil
	}
	h, ok, err := Head(ctx, x.Store, x.Key)
	if err != nil || !ok || h.Seq == x.last.Seq {
		return err
	}
	if x.File != "" {
		if err := WriteHeadFile(x.File, h); err != nil {
			return err
		}
	}
	x.last = h
	if now := x.Store.Now(); x.Log != nil && now.Sub(x.logged) >= x.LogEvery {
		x.logged = now
		x.Log.Info(FormatHead(h))
	}
	return nil
}

// Final logs the head last exported, whatever LogEvery says (when serve stops).
func (x *Exporter) Final() {
	if x.Log != nil && x.last.Seq > 0 {
		x.Log.Info(FormatHead(x.last))
	}
}

// FormatHead is the line that exports a head outside the database. ParseHead finds it in a file
// of its own or among other lines (a log).
func FormatHead(h store.AuditHead) string {
	line := fmt.Sprintf("calldesk-audit-head v1 seq=%d hash=%s", h.Seq, h.Hash)
	if h.MAC != "" {
		line += " mac=" + h.MAC
	}
	return line + " at=" + h.At.UTC().Format(time.RFC3339)
}

var headLine = regexp.MustCompile(`calldesk-audit-head v1 seq=([1-9][0-9]*) hash=([0-9a-f]{64})(?: mac=([0-9a-f]{64}))?(?: at=([0-9TZ:+-]+))?`)

// ParseHeads reads exported heads from r (a head file, or a log holding their lines among
// others) and returns the furthest one; found is false when r holds none.
func ParseHeads(r io.Reader) (head store.AuditHead, found bool, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := headLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		seq, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || (found && seq < head.Seq) {
			continue
		}
		at, _ := time.Parse(time.RFC3339, m[4])
		head, found = store.AuditHead{Seq: seq, Hash: m[2], MAC: m[3], At: at}, true
	}
	return head, found, sc.Err()
}

// WriteHeadFile replaces the file at path with the head's line, atomically (a reader sees the
// old line or the new, never part of one) and durably.
func WriteHeadFile(path string, h store.AuditHead) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("export the audit chain's head: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(FormatHead(h) + "\n"); err != nil {
		tmp.Close()
		return fmt.Errorf("export the audit chain's head to %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("export the audit chain's head to %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export the audit chain's head to %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("export the audit chain's head to %s: %w", path, err)
	}
	return nil
}

// CheckHeads checks the chain against its keyed head (when k is given) and against a head
// exported earlier (when exported is not nil), and returns what it found wrong: a head whose MAC
// is not k's, a chain that no longer reaches a head (its newest records deleted), or that holds
// another hash at the head's link (recomputed).
func CheckHeads(ctx context.Context, s *store.Store, k Key, exported *store.AuditHead) ([]Problem, error) {
	var out []Problem
	check := func(h store.AuditHead, what string) error {
		hash, found, end, err := s.AuditLinkHash(ctx, h.Seq)
		switch {
		case err != nil:
			return err
		case !found && h.Seq > end:
			out = append(out, Problem{Seq: h.Seq, Kind: "cut", Detail: fmt.Sprintf(
				"the %s is link %d, but the chain ends at link %d: its newest records were deleted", what, h.Seq, end)})
		case found && hash != h.Hash:
			out = append(out, Problem{Seq: h.Seq, Kind: "recomputed", Detail: fmt.Sprintf(
				"the chain's hash at link %d is not the one the %s sealed: the chain was rewritten up to there, or its newest records were deleted and others sealed in their place", h.Seq, what)})
		}
		return nil
	}
	if k != nil {
		h, ok, err := s.AuditHeadNow(ctx)
		if err != nil {
			return nil, err
		}
		_, _, end, err := s.AuditLinkHash(ctx, 0)
		if err != nil {
			return nil, err
		}
		switch {
		case !ok && end > 0:
			out = append(out, Problem{Kind: "unkeyed", Detail: fmt.Sprintf(
				"the chain (%d links) has no keyed head: calldesk never sealed it with the audit key (serve keys it within a second of starting with the key), or its head was deleted", end)})
		case ok && !k.valid(h):
			out = append(out, Problem{Seq: h.Seq, Kind: "forged head", Detail: "the keyed head's MAC is not the audit key's: the head was rewritten, or this is not the key the chain was sealed with"})
		case ok:
			if err := check(h, "keyed head"); err != nil {
				return nil, err
			}
		}
	}
	if exported != nil {
		if k != nil && exported.MAC != "" && !k.valid(*exported) {
			out = append(out, Problem{Seq: exported.Seq, Kind: "forged head", Detail: "the exported head's MAC is not the audit key's: the head file was rewritten, or this is not the key the chain was sealed with"})
		} else if err := check(*exported, "exported head"); err != nil {
			return nil, err
		}
	}
	return out, nil
}
