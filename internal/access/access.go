// Package access decides who may see and do what: the capability table (capability.go: what
// each role may do, asked through Can and Require by the console, the portal and the API, whose
// every route declares the capability it needs), local passwords (argon2id), API tokens and
// sessions. Later issues add the seeds' remaining data-visibility rules (S11-S14) here.
//
// A supplier-only account (the supplier role, with or without customer) gets nothing in the
// console or the API but what a running grant opens (supplier_grant.go: GrantAllows); without
// one, sign-in, sessions and tokens are refused with SupplierNotYet. A supplier who also holds the
// customer role uses SupportMe, the portal, as a customer.
package access

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"calldesk/internal/desk"
)

// argon2id parameters (OWASP's recommended minimum: 19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns the argon2id hash of password as a PHC string.
func HashPassword(password string) (string, error) {
	if len(password) < 12 {
		return "", desk.Invalid("the password is not acceptable", map[string]string{"password": "must be at least 12 characters"})
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a hash made by HashPassword.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	// Bound the parameters before using them: argon2 panics on zero passes or lanes, and a
	// damaged or planted hash with a huge memory cost would take the process down.
	if t < 1 || t > 16 || p < 1 || p > 16 || m < 8*uint32(p) || m > 1<<20 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(want) < 16 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// TokenPrefix starts every calldesk API token, so a leaked one is easy to recognise in logs and scans.
const TokenPrefix = "cdk_"

// NewToken returns a new random API token (shown once) and the hash to store.
func NewToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, TokenHash(token), nil
}

// TokenHash is the stored form of a token. Tokens are 256 random bits, so a fast hash suffices
// and keeps every API request cheap.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
