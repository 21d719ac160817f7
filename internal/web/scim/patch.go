package scim

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
)

// patchOp is one operation of a SCIM PATCH (RFC 7644 §3.5.2).
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// patch applies add, replace and remove operations to a user, as Entra ID and Okta send them
// (a path per attribute, or no path and an object of attributes; booleans as "True"/"False"),
// then takes the result in like a replace; active false makes a leaver.
func (s *Service) patch(w http.ResponseWriter, r *http.Request) error {
	old, err := s.person(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	var body struct {
		Schemas    []string  `json:"schemas"`
		Operations []patchOp `json:"Operations"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if len(body.Operations) == 0 {
		return scimErr(http.StatusBadRequest, "invalidValue", "the PATCH has no Operations")
	}
	u := s.userOf(old)
	u.Active = nil // unchanged unless an operation says
	var clear []string
	for _, op := range body.Operations {
		switch strings.ToLower(op.Op) {
		case "add", "replace":
			if op.Path == "" {
				var attrs map[string]json.RawMessage
				if err := json.Unmarshal(op.Value, &attrs); err != nil {
					return scimErr(http.StatusBadRequest, "invalidValue", "an operation without a path needs an object of attributes")
				}
				for k, v := range attrs {
					if err := set(&u, k, v); err != nil {
						return err
					}
				}
				continue
			}
			if err := set(&u, op.Path, op.Value); err != nil {
				return err
			}
		case "remove":
			col, err := removed(op.Path)
			if err != nil {
				return err
			}
			clear = append(clear, col)
		default:
			return scimErr(http.StatusBadRequest, "invalidSyntax", "op "+op.Op+" is not add, replace or remove")
		}
	}
	if u.ExternalID != old.DirectoryKey {
		return scimErr(http.StatusBadRequest, "mutability", "externalId cannot be changed")
	}
	out, _, err := s.push(r.Context(), u, clear)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.userOf(out))
	return nil
}

var typedValue = regexp.MustCompile(`(?i)^(emails|phonenumbers)\[type eq "[^"]*"\]\.value$`)

const enterprisePrefix = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"

// set sets the attribute at path (as a PATCH names it) to the JSON value v.
func set(u *user, path string, v json.RawMessage) error {
	str := func(dst *string) error {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return scimErr(http.StatusBadRequest, "invalidValue", path+" must be a string")
		}
		*dst = s
		return nil
	}
	ent := func() *enterprise {
		if u.Enterprise == nil {
			u.Enterprise = &enterprise{}
		}
		return u.Enterprise
	}
	nm := func() *name {
		if u.Name == nil {
			u.Name = &name{}
		}
		return u.Name
	}
	p := strings.ToLower(strings.TrimSpace(path))
	if m := typedValue.FindStringSubmatch(p); m != nil {
		var s string
		if err := str(&s); err != nil {
			return err
		}
		if m[1] == "emails" {
			u.Emails = []multi{{Value: s, Type: "work", Primary: true}}
		} else {
			u.PhoneNumbers = []multi{{Value: s, Type: "work"}}
		}
		return nil
	}
	switch p {
	case "active":
		var b flexBool
		if err := json.Unmarshal(v, &b); err != nil {
			return scimErr(http.StatusBadRequest, "invalidValue", "active must be true or false")
		}
		u.Active = &b
		return nil
	case "username":
		return str(&u.UserName)
	case "externalid":
		return str(&u.ExternalID)
	case "displayname":
		return str(&u.DisplayName)
	case "title":
		return str(&u.Title)
	case "usertype":
		return str(&u.UserType)
	case "name.givenname":
		return str(&nm().GivenName)
	case "name.familyname":
		return str(&nm().FamilyName)
	case "name.formatted":
		return str(&nm().Formatted)
	case "name":
		var n name
		if err := json.Unmarshal(v, &n); err != nil {
			return scimErr(http.StatusBadRequest, "invalidValue", "name must be an object")
		}
		u.Name = &n
		return nil
	case "emails", "phonenumbers":
		var ms []multi
		if err := json.Unmarshal(v, &ms); err != nil {
			return scimErr(http.StatusBadRequest, "invalidValue", path+" must be a list of values")
		}
		if p == "emails" {
			u.Emails = ms
		} else {
			u.PhoneNumbers = ms
		}
		return nil
	case enterprisePrefix + ":department":
		return str(&ent().Department)
	case enterprisePrefix + ":employeenumber":
		return str(&ent().EmployeeNumber)
	case enterprisePrefix + ":manager":
		var id string
		if err := json.Unmarshal(v, &id); err != nil {
			var r ref
			if err := json.Unmarshal(v, &r); err != nil {
				return scimErr(http.StatusBadRequest, "invalidValue", "manager must be a user id or {\"value\": id}")
			}
			id = r.Value
		}
		ent().Manager = &ref{Value: id}
		return nil
	case enterprisePrefix:
		var e enterprise
		if err := json.Unmarshal(v, &e); err != nil {
			return scimErr(http.StatusBadRequest, "invalidValue", "the enterprise extension must be an object")
		}
		u.Enterprise = &e
		return nil
	}
	return scimErr(http.StatusBadRequest, "invalidPath", "calldesk does not keep the attribute "+path)
}

// removed is the person's field a remove operation on path empties.
func removed(path string) (string, error) {
	p := strings.ToLower(strings.TrimSpace(path))
	if m := typedValue.FindStringSubmatch(p); m != nil {
		p = m[1]
	}
	switch p {
	case "title":
		return "job_title", nil
	case "emails":
		return "email", nil
	case "phonenumbers":
		return "phone", nil
	case enterprisePrefix + ":department":
		return "department", nil
	case enterprisePrefix + ":employeenumber":
		return "student_number", nil
	case enterprisePrefix + ":manager":
		return "manager", nil
	}
	return "", scimErr(http.StatusBadRequest, "invalidPath", "calldesk cannot remove "+path+" (a name or userName is required)")
}
