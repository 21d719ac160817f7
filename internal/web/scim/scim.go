// Package scim is calldesk's SCIM 2.0 service (RFC 7643, RFC 7644) for Users and Groups, through which
// Microsoft Entra ID or Okta push people as they change (issue 6): create, replace, PATCH
// (add, replace, remove), GET with a userName or externalId filter and pagination, deactivate
// (active false) and DELETE. A person is matched by their directory key (externalId, else
// userName) and kept by the store like any directory person: fields the push gives are set, each
// recording its source; deactivating or deleting makes a leaver, never deletes anyone.
package scim

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/web"
)

// Service is the SCIM service. Build it with its fields and use Handler.
type Service struct {
	Store *store.Store
	// Token is the bearer token the identity provider sends (its "secret token").
	Token string
	// Source names the people the service creates, like an import's source (default "scim").
	Source string
	// BaseURL is calldesk's public address, for the resources' meta.location.
	BaseURL string
	Log     *slog.Logger
}

const (
	schemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	schemaList       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	schemaPatch      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	schemaError      = "urn:ietf:params:scim:api:messages:2.0:Error"
	prefix           = "/scim/v2/"
)

// route is one SCIM endpoint. Every one needs the provisioning bearer token (Service.Token),
// checked by wrap: the caller is the identity provider, not a person, so no account's role or
// API token opens SCIM, and no capability of package access applies (the role x route matrix,
// TestSCIMRouteMatrix, checks it).
type route struct {
	Method, Pattern string
	handle          func(http.ResponseWriter, *http.Request) error
}

func (s *Service) routes() []route {
	return []route{
		{"GET", prefix + "Users", s.list},
		{"POST", prefix + "Users", s.create},
		{"GET", prefix + "Users/{id}", s.get},
		{"PUT", prefix + "Users/{id}", s.replace},
		{"PATCH", prefix + "Users/{id}", s.patch},
		{"DELETE", prefix + "Users/{id}", s.delete},
		{"GET", prefix + "Groups", s.listGroups},
		{"POST", prefix + "Groups", s.createGroup},
		{"GET", prefix + "Groups/{id}", s.getGroup},
		{"PUT", prefix + "Groups/{id}", s.replaceGroup},
		{"PATCH", prefix + "Groups/{id}", s.patchGroup},
		{"DELETE", prefix + "Groups/{id}", s.deleteGroup},
	}
}

// Handler serves the SCIM endpoints under /scim/v2/.
func (s *Service) Handler() http.Handler {
	if s.Store == nil || s.Token == "" {
		panic("scim.Service needs Store and Token")
	}
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.HandleFunc(rt.Method+" "+rt.Pattern, s.wrap(rt.handle))
	}
	mux.HandleFunc(prefix, s.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return scimErr(http.StatusNotFound, "", "there is no SCIM endpoint "+r.Method+" "+r.URL.Path+": this service offers /scim/v2/Users and /scim/v2/Groups")
	}))
	return mux
}

func (s *Service) source() string {
	if s.Source == "" {
		return "scim"
	}
	return s.Source
}

// scimError is an error answered in SCIM's form.
type scimError struct {
	status   int
	scimType string
	detail   string
}

func (e *scimError) Error() string { return e.detail }

func scimErr(status int, scimType, detail string) error {
	return &scimError{status: status, scimType: scimType, detail: detail}
}

// wrap checks the bearer token and turns errors into SCIM error responses.
func (s *Service) wrap(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// Responses carry personal data, errors included: no cache may keep them, as the API's.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		var err error
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.Token)) != 1 {
			err = scimErr(http.StatusUnauthorized, "", "a valid bearer token is required")
		} else if err = web.CheckURL(r); err == nil { // a NUL or bad UTF-8 in a filter: 400
			err = h(w, r)
		}
		if err == nil {
			return
		}
		var se *scimError
		if !errors.As(err, &se) {
			switch desk.ErrorCode(err) {
			case desk.EINVALID:
				se = &scimError{http.StatusBadRequest, "invalidValue", desk.MessageWithFields(err)}
			case desk.ENOTFOUND:
				se = &scimError{http.StatusNotFound, "", desk.Message(err)}
			case desk.ECONFLICT:
				se = &scimError{http.StatusConflict, "uniqueness", desk.Message(err)}
			case desk.EFORBIDDEN:
				// A person whose processing is restricted: their record takes no change.
				se = &scimError{http.StatusForbidden, "", desk.Message(err)}
			case desk.EUNAVAILABLE:
				web.Unavailable(w, r, s.log(), "scim", err)
				se = &scimError{http.StatusServiceUnavailable, "", desk.Message(err)}
			default:
				if r.Context().Err() == nil {
					s.log().Error("scim request failed", "method", r.Method, "path", r.URL.Path, "err", err)
				}
				se = &scimError{http.StatusInternalServerError, "", "the request failed on calldesk's side"}
			}
		}
		writeJSON(w, se.status, map[string]any{"schemas": []string{schemaError}, "status": strconv.Itoa(se.status),
			"scimType": se.scimType, "detail": se.detail})
	}
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// user is a SCIM User as calldesk reads and writes it.
type user struct {
	Schemas      []string    `json:"schemas"`
	ID           string      `json:"id,omitempty"`
	ExternalID   string      `json:"externalId,omitempty"`
	UserName     string      `json:"userName"`
	Name         *name       `json:"name,omitempty"`
	DisplayName  string      `json:"displayName,omitempty"`
	Title        string      `json:"title,omitempty"`
	UserType     string      `json:"userType,omitempty"`
	Active       *flexBool   `json:"active,omitempty"`
	Emails       []multi     `json:"emails,omitempty"`
	PhoneNumbers []multi     `json:"phoneNumbers,omitempty"`
	Enterprise   *enterprise `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Meta         *meta       `json:"meta,omitempty"`
}

type name struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	Formatted  string `json:"formatted,omitempty"`
}

type multi struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

type enterprise struct {
	EmployeeNumber string `json:"employeeNumber,omitempty"`
	Department     string `json:"department,omitempty"`
	Manager        *ref   `json:"manager,omitempty"`
}

type ref struct {
	Value string `json:"value"`
}

type meta struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created"`
	LastModified string `json:"lastModified"`
	Location     string `json:"location"`
	Version      string `json:"version"`
}

// flexBool reads a JSON boolean, or the strings "True"/"False" Entra ID sends in PATCH values.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch strings.ToLower(strings.Trim(string(data), `"`)) {
	case "true":
		*b = true
	case "false":
		*b = false
	default:
		return fmt.Errorf("%s is not true or false", data)
	}
	return nil
}

// toPerson is what a SCIM user says about a person (fields it does not give stay "").
func (u user) toPerson() (desk.Person, int64, error) {
	p := desk.Person{DirectoryKey: strings.TrimSpace(u.ExternalID), Username: strings.TrimSpace(u.UserName), JobTitle: u.Title}
	if p.DirectoryKey == "" {
		p.DirectoryKey = p.Username
	}
	if u.Name != nil {
		p.FirstName, p.LastName = u.Name.GivenName, u.Name.FamilyName
	}
	if p.FirstName == "" && p.LastName == "" {
		p.LastName = u.DisplayName
	}
	p.Email = pick(u.Emails)
	p.Phone = pick(u.PhoneNumbers)
	switch strings.ToLower(u.UserType) {
	case "student":
		p.Kind = desk.Student
	case "employee", "staff", "member":
		p.Kind = desk.Staff
	case "guest", "partner":
		p.Kind = desk.Partner
	case "visitor":
		p.Kind = desk.Visitor
	}
	var manager int64
	if e := u.Enterprise; e != nil {
		p.Department = e.Department
		if p.Kind == desk.Student {
			p.StudentNumber = e.EmployeeNumber
		}
		if e.Manager != nil && e.Manager.Value != "" {
			id, err := strconv.ParseInt(e.Manager.Value, 10, 64)
			if err != nil {
				return p, 0, scimErr(http.StatusBadRequest, "invalidValue", "manager "+e.Manager.Value+" is not a user of this service")
			}
			manager = id
		}
	}
	return p, manager, nil
}

// pick is the primary value of a multi-valued attribute, or its first.
func pick(ms []multi) string {
	for _, m := range ms {
		if m.Primary {
			return strings.TrimSpace(m.Value)
		}
	}
	if len(ms) > 0 {
		return strings.TrimSpace(ms[0].Value)
	}
	return ""
}

func (s *Service) userOf(p desk.Person) user {
	active := flexBool(p.Active)
	u := user{Schemas: []string{schemaUser, schemaEnterprise}, ID: strconv.FormatInt(p.ID, 10), ExternalID: p.DirectoryKey,
		UserName: p.Username, Name: &name{GivenName: p.FirstName, FamilyName: p.LastName, Formatted: p.Name()}, DisplayName: p.Name(),
		Title: p.JobTitle, UserType: string(p.Kind), Active: &active,
		Meta: &meta{ResourceType: "User", Created: p.CreatedAt.UTC().Format(time.RFC3339), LastModified: p.UpdatedAt.UTC().Format(time.RFC3339),
			Location: strings.TrimSuffix(s.BaseURL, "/") + prefix + "Users/" + strconv.FormatInt(p.ID, 10), Version: fmt.Sprintf(`W/"%d"`, p.Version)}}
	if p.Email != "" {
		u.Emails = []multi{{Value: p.Email, Type: "work", Primary: true}}
	}
	if p.Phone != "" {
		u.PhoneNumbers = []multi{{Value: p.Phone, Type: "work"}}
	}
	e := &enterprise{Department: p.Department, EmployeeNumber: p.StudentNumber}
	if p.ManagerID != 0 {
		e.Manager = &ref{Value: strconv.FormatInt(p.ManagerID, 10)}
	}
	u.Enterprise = e
	return u
}

// decode reads a request's SCIM resource into v. Its text must be UTF-8 (encoding/json would
// turn other bytes into U+FFFD silently) and hold no NUL character (which PostgreSQL refuses):
// either is a 400 naming the attribute. A body over the server's limit is a 413.
func decode(r *http.Request, v any) error {
	data, err := io.ReadAll(r.Body)
	if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
		// The server caps SCIM bodies (web.Server mounts SCIM behind http.MaxBytesReader).
		return scimErr(http.StatusRequestEntityTooLarge, "", fmt.Sprintf("the body is larger than %d bytes, the most calldesk reads; "+
			"send fewer changes at once", tooBig.Limit))
	}
	if err != nil {
		return scimErr(http.StatusBadRequest, "invalidSyntax", "the body could not be read: "+err.Error())
	}
	if !utf8.Valid(data) {
		return scimErr(http.StatusBadRequest, "invalidSyntax", "the body is not valid UTF-8; send JSON encoded as UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return scimErr(http.StatusBadRequest, "invalidSyntax", "the request has no body")
		}
		return scimErr(http.StatusBadRequest, "invalidSyntax", "the body is not a SCIM resource: "+err.Error())
	}
	if path, why := desk.BadText(v); why != "" {
		return scimErr(http.StatusBadRequest, "invalidValue", path+" "+why)
	}
	return nil
}

func (s *Service) person(ctx context.Context, raw string) (desk.Person, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return desk.Person{}, scimErr(http.StatusNotFound, "", "there is no user "+raw)
	}
	p, err := s.Store.FindPerson(ctx, id)
	if err != nil || p.DirectoryKey == "" {
		return desk.Person{}, scimErr(http.StatusNotFound, "", "there is no user "+raw)
	}
	return p, nil
}

func (s *Service) get(w http.ResponseWriter, r *http.Request) error {
	p, err := s.person(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.userOf(p))
	return nil
}

var filterRe = regexp.MustCompile(`(?i)^\s*(userName|externalId)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$`)

func (s *Service) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var username, key string
	if f := q.Get("filter"); f != "" {
		m := filterRe.FindStringSubmatch(f)
		if m == nil {
			return scimErr(http.StatusBadRequest, "invalidFilter", `only filters userName eq "…" and externalId eq "…" are supported`)
		}
		v := strings.ReplaceAll(strings.ReplaceAll(m[2], `\"`, `"`), `\\`, `\`)
		if strings.EqualFold(m[1], "userName") {
			username = v
		} else {
			key = v
		}
	}
	start, count := paging(r)
	people, total, err := s.Store.DirectoryPeople(r.Context(), username, key, start-1, count)
	if err != nil {
		return err
	}
	resources := make([]user, len(people))
	for i, p := range people {
		resources[i] = s.userOf(p)
	}
	writeJSON(w, http.StatusOK, map[string]any{"schemas": []string{schemaList}, "totalResults": total, "startIndex": start,
		"itemsPerPage": len(resources), "Resources": resources})
	return nil
}

// paging is a list request's startIndex (from 1) and count (default 100, at most 200).
func paging(r *http.Request) (int, int) {
	q := r.URL.Query()
	start, count := 1, 100
	if n, err := strconv.Atoi(q.Get("startIndex")); err == nil && n > 1 {
		start = n
	}
	if n, err := strconv.Atoi(q.Get("count")); err == nil && n >= 0 {
		count = min(n, 200)
	}
	return start, count
}

// push takes a user's person into the register (clear: the fields a PATCH removed); active, when
// the user says it, decides return or leave in the same transaction (PushPerson), so a leaver
// pushed again is never active in between and keeps their date left.
func (s *Service) push(ctx context.Context, u user, clear []string) (desk.Person, bool, error) {
	p, manager, err := u.toPerson()
	if err != nil {
		return desk.Person{}, false, err
	}
	var active *bool
	if u.Active != nil {
		a := bool(*u.Active)
		active = &a
	}
	return s.Store.PushPerson(ctx, s.source(), p, manager, clear, active)
}

func (s *Service) create(w http.ResponseWriter, r *http.Request) error {
	var u user
	if err := decode(r, &u); err != nil {
		return err
	}
	if strings.TrimSpace(u.UserName) == "" {
		return scimErr(http.StatusBadRequest, "invalidValue", "userName is required")
	}
	p, _, _ := u.toPerson()
	if existing, _, err := s.Store.DirectoryPeople(r.Context(), "", p.DirectoryKey, 0, 1); err == nil && len(existing) > 0 {
		return scimErr(http.StatusConflict, "uniqueness", "a user with externalId "+p.DirectoryKey+" exists already")
	}
	out, _, err := s.push(r.Context(), u, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.userOf(out))
	return nil
}

func (s *Service) replace(w http.ResponseWriter, r *http.Request) error {
	old, err := s.person(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	var u user
	if err := decode(r, &u); err != nil {
		return err
	}
	if u.ExternalID == "" {
		u.ExternalID = old.DirectoryKey
	}
	if u.ExternalID != old.DirectoryKey {
		return scimErr(http.StatusBadRequest, "mutability", "externalId cannot be changed")
	}
	out, _, err := s.push(r.Context(), u, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.userOf(out))
	return nil
}

func (s *Service) delete(w http.ResponseWriter, r *http.Request) error {
	p, err := s.person(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if _, err := s.Store.LeavePerson(r.Context(), s.source(), p.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
