package sso

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// flowState is what a sign-in in progress must remember between Begin and Finish.
type flowState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Back     string `json:"b"`
	Expires  int64  `json:"e"` // Unix seconds
}

// flowCodec seals a flowState into a cookie value with AES-256-GCM, so the browser can carry it
// but can neither read (the PKCE verifier stays secret) nor alter it.
type flowCodec struct{ aead cipher.AEAD }

// flowAD binds sealed values to their use, so no other value sealed with the same key opens here.
var flowAD = []byte("calldesk sso flow v1")

func newFlowCodec(key []byte) (flowCodec, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return flowCodec{}, fmt.Errorf("sso: cookie key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return flowCodec{}, fmt.Errorf("sso: cookie key: %w", err)
	}
	return flowCodec{aead}, nil
}

func (c flowCodec) seal(fl flowState) (string, error) {
	plain, err := json.Marshal(fl)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, c.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(c.aead.Seal(nonce, nonce, plain, flowAD)), nil
}

func (c flowCodec) open(value string) (flowState, error) {
	var fl flowState
	b, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return fl, err
	}
	if len(b) < c.aead.NonceSize() {
		return fl, errors.New("sso: flow cookie too short")
	}
	plain, err := c.aead.Open(nil, b[:c.aead.NonceSize()], b[c.aead.NonceSize():], flowAD)
	if err != nil {
		return fl, err
	}
	err = json.Unmarshal(plain, &fl)
	return fl, err
}

// randomString is 32 random bytes, base64url-encoded: a state or nonce nobody can guess.
func randomString() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hint is the first segment of back ("portal" for /portal/calls/F0000001), carried in the clear
// with a sign-in (the OpenID state's prefix, the SAML RelayState), so that a refusal that comes
// before the sign-in's cookie can be read (a response replayed, or come back after the cookie
// expired) still shows the page of the part of calldesk the person started from. It only ever
// chooses which page shows the refusal; it is "" for the console (the site's root).
func hint(back string) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(localPath(back), "/"), "/")
	if !plainWord(seg) {
		return ""
	}
	return seg
}

// hintBack is the path a hint names ("/portal/"), or "" when h carries none (h may be a whole
// state, "portal.<random>").
func hintBack(h string) string {
	seg, _, found := strings.Cut(h, ".")
	if !found || !plainWord(seg) {
		return ""
	}
	return "/" + seg + "/"
}

func plainWord(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}
